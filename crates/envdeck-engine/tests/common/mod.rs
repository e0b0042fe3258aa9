//! Shared by the engine's integration tests: a real Docker engine (tests FAIL without one), compose
//! models built in code with the local test images, unique project names, and cleanup by label.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use envdeck_core::compose::{
    ComposeDuration, ComposeModel, Condition, Dependency, Deploy, Healthcheck, Mount, MountType, Port,
    Protocol, Service, Volume,
};
use envdeck_core::progress::Progress;
pub use envdeck_engine::StackId;
use envdeck_engine::{Engine, Sink};

pub const BUSYBOX: &str = "envdeck-test/busybox:1";
pub const POSTGRES: &str = "envdeck-test/postgres:15";
/// Generous: a cold PostgreSQL start on a loaded 2-core machine; a hang must still fail the test.
pub const UP_TIMEOUT: Duration = Duration::from_secs(120);

/// Connects, failing loudly: these tests must never pass by skipping when Docker is missing.
pub async fn engine() -> Engine {
    match Engine::connect().await {
        Ok(e) => e,
        Err(e) => panic!(
            "these tests need a Docker engine (run scripts/docker-engine.sh and scripts/test-images.sh): {e}"
        ),
    }
}

/// A project name no other test (or run) uses; removes everything labelled with it when dropped.
pub struct TestProject {
    pub name: String,
    /// The stack of environment `local` under that name, owned by a test identity.
    pub stack: StackId,
}

/// The `local` stack of a model, owned by the test identity `test-<name>`.
pub fn stack(name: &str) -> StackId {
    StackId::new(name, format!("test-{name}"), "local")
}

impl TestProject {
    pub fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("edt-{tag}-{}-{nanos:x}", std::process::id());
        Self {
            stack: stack(&name),
            name,
        }
    }
}

impl Drop for TestProject {
    fn drop(&mut self) {
        envdeck_tests::remove_stack(&self.name);
    }
}

/// Collects progress events so tests can assert on them.
pub fn recorder() -> (Sink, Arc<Mutex<Vec<Progress>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let events2 = events.clone();
    let sink: Sink = Arc::new(move |p| {
        if let Ok(mut v) = events2.lock() {
            v.push(p);
        }
    });
    (sink, events)
}

pub fn quiet() -> Sink {
    Arc::new(|_| {})
}

pub fn model(project: &str, services: Vec<(&str, Service)>) -> ComposeModel {
    ComposeModel {
        name: project.to_string(),
        services: services.into_iter().map(|(n, s)| (n.to_string(), s)).collect(),
        networks: BTreeMap::new(),
        volumes: BTreeMap::new(),
        warnings: vec![],
    }
}

pub fn secs(s: f64) -> ComposeDuration {
    ComposeDuration(Duration::from_secs_f64(s))
}

/// A healthcheck probing every second, as tests need to stay fast.
pub fn health(test: &[&str], retries: u64) -> Healthcheck {
    Healthcheck {
        test: test.iter().map(|s| s.to_string()).collect(),
        interval: Some(secs(1.0)),
        timeout: Some(secs(2.0)),
        retries: Some(retries),
        start_period: None,
        start_interval: None,
        disable: false,
    }
}

pub fn busybox(command: &[&str]) -> Service {
    Service {
        image: Some(BUSYBOX.into()),
        command: Some(command.iter().map(|s| s.to_string()).collect()),
        // busybox as PID 1 ignores SIGTERM: without this every stop would wait Docker's 10 s.
        stop_grace_period: Some(secs(1.0)),
        ..Service::default()
    }
}

/// busybox's httpd with a wget healthcheck, like a small web service.
pub fn web() -> Service {
    Service {
        healthcheck: Some(health(
            &["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"],
            5,
        )),
        ..busybox(&["httpd", "-f", "-p", "80", "-h", "/www"])
    }
}

/// The real PostgreSQL test image, its data on the named volume `data`.
pub fn postgres() -> Service {
    let env = [
        ("POSTGRES_USER", "app"),
        ("POSTGRES_PASSWORD", "s3cret-pw"),
        ("POSTGRES_DB", "appdb"),
    ];
    Service {
        image: Some(POSTGRES.into()),
        environment: env
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect(),
        volumes: vec![Mount {
            kind: MountType::Volume,
            source: Some("data".into()),
            target: "/var/lib/postgresql/data".into(),
            read_only: false,
            bind: None,
        }],
        healthcheck: Some(health(&["CMD-SHELL", "pg_isready -U app -d appdb"], 30)),
        ..Service::default()
    }
}

pub fn depends(mut s: Service, on: &str, condition: Condition) -> Service {
    s.depends_on.insert(
        on.to_string(),
        Dependency {
            condition,
            restart: false,
            required: true,
        },
    );
    s
}

pub fn publish(mut s: Service, host: u16, target: u16) -> Service {
    s.ports.push(Port {
        target,
        published: Some(host.to_string()),
        host_ip: None,
        protocol: Protocol::Tcp,
    });
    s
}

pub fn replicas(mut s: Service, n: u32) -> Service {
    s.deploy = Some(Deploy {
        replicas: Some(n),
        resources: None,
    });
    s
}

pub fn with_volume(mut m: ComposeModel, key: &str) -> ComposeModel {
    let name = format!("{}_{key}", m.name);
    m.volumes.insert(
        key.to_string(),
        Volume {
            name,
            ..Volume::default()
        },
    );
    m
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("an ephemeral port");
    listener.local_addr().expect("its address").port()
}

pub fn docker(args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new("docker")
        .args(args)
        .output()
        .expect("the docker client runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
