use std::collections::BTreeMap;

use super::*;
use crate::compose::{Condition, Dependency, Deploy, Mount, MountType, Service};

fn service(image: &str, deps: &[&str]) -> Service {
    Service {
        image: Some(image.to_string()),
        depends_on: deps
            .iter()
            .map(|d| {
                (
                    d.to_string(),
                    Dependency {
                        condition: Condition::ServiceHealthy,
                        restart: false,
                        required: true,
                    },
                )
            })
            .collect(),
        ..Service::default()
    }
}

fn model(services: Vec<(&str, Service)>) -> ComposeModel {
    ComposeModel {
        name: "shop".into(),
        services: services.into_iter().map(|(n, s)| (n.to_string(), s)).collect(),
        networks: BTreeMap::new(),
        volumes: BTreeMap::new(),
        warnings: vec![],
    }
}

#[test]
fn independent_services_share_a_level_and_dependents_come_after() {
    let m = model(vec![
        ("db", service("pg", &[])),
        ("cache", service("redis", &[])),
        ("api", service("api", &["db", "cache"])),
        ("worker", service("api", &["api"])),
    ]);
    let levels = start_levels(&m).unwrap();
    assert_eq!(
        levels,
        vec![
            vec!["cache".to_string(), "db".into()],
            vec!["api".into()],
            vec!["worker".into()]
        ],
        "db and cache need nothing so they start together; api waits for both; worker for api"
    );
}

#[test]
fn a_cycle_is_an_error_naming_the_services_in_it() {
    let m = model(vec![
        ("a", service("x", &["b"])),
        ("b", service("x", &["a"])),
        ("c", service("x", &[])),
    ]);
    let err = plan(&m).unwrap_err().to_string();
    assert!(
        err.contains("cycle between services: a -> b;"),
        "only the services in the cycle are named, c is not: {err}"
    );
}

#[test]
fn an_unknown_required_dependency_is_an_error() {
    let m = model(vec![("api", service("x", &["db"]))]);
    assert!(
        matches!(plan(&m), Err(CoreError::UnknownDependency { .. })),
        "db is not a service of the model"
    );
}

#[test]
fn the_plan_creates_network_volumes_and_images_before_services() {
    let mut db = service("pg", &[]);
    db.volumes.push(Mount {
        kind: MountType::Volume,
        source: Some("data".into()),
        target: "/var/lib/postgresql/data".into(),
        read_only: false,
        bind: None,
    });
    let m = model(vec![("db", db), ("api", service("api", &["db"]))]);
    let p = plan(&m).unwrap();
    let first_service = p
        .steps
        .iter()
        .position(|s| matches!(s, Step::Service { .. }))
        .unwrap();
    let net = p
        .steps
        .iter()
        .position(|s| {
            *s == Step::Network {
                name: "shop_default".into(),
            }
        })
        .unwrap();
    let vol = p
        .steps
        .iter()
        .position(|s| {
            *s == Step::Volume {
                name: "shop_data".into(),
            }
        })
        .unwrap();
    assert!(
        net < first_service && vol < first_service,
        "containers need their network and volume: {p:?}"
    );
    assert_eq!(
        p.steps[0],
        Step::CheckPorts,
        "ports are checked before anything is created"
    );
    let ready_db = p
        .steps
        .iter()
        .position(|s| *s == Step::Ready { service: "db".into() })
        .unwrap();
    let api = p
        .steps
        .iter()
        .position(|s| {
            *s == Step::Service {
                service: "api".into(),
            }
        })
        .unwrap();
    assert!(ready_db < api, "api starts after db is ready");
}

#[test]
fn the_config_hash_changes_with_the_config_but_not_with_the_replica_count() {
    let a = service("pg", &[]);
    let mut b = a.clone();
    b.environment.insert("X".into(), Some("1".into()));
    assert_ne!(
        config_hash(&a),
        config_hash(&b),
        "a new variable must recreate the containers"
    );
    let mut c = a.clone();
    c.deploy = Some(Deploy {
        replicas: Some(3),
        resources: None,
    });
    let mut a2 = a.clone();
    a2.deploy = Some(Deploy {
        replicas: None,
        resources: None,
    });
    assert_eq!(
        config_hash(&a2),
        config_hash(&c),
        "scaling adds containers, it does not recreate"
    );
    assert_eq!(config_hash(&a).len(), 64, "a hex SHA-256");
}
