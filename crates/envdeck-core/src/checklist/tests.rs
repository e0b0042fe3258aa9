//! The checklist on hand-built models: a correct production passes every line, and each mistake the
//! seeds warn about fails its own line with a reason naming the service and variable.

use std::collections::BTreeMap;

use super::*;
use crate::compose::{Port, Protocol, Service};
use crate::secret::{Alphabet, Strength, Supply};

fn backend(vars: &[(&str, &str)]) -> Service {
    let mut environment: BTreeMap<String, Option<String>> = [
        ("DEBUG", "false"),
        ("SECRET_KEY", ""),
        (
            "DATABASE_URL",
            "postgresql://contravento:Zq3-generated_value@postgres:5432/contravento",
        ),
        ("BCRYPT_ROUNDS", "14"),
        (
            "CORS_ORIGINS",
            "https://contravento.example,https://www.contravento.example",
        ),
        ("SMTP_HOST", "smtp.contravento.example"),
        ("SMTP_TLS", "true"),
        ("DOCS_ENABLED", "false"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), Some(v.to_string())))
    .collect();
    for (k, v) in vars {
        environment.insert(k.to_string(), Some(v.to_string()));
    }
    Service {
        environment,
        ..Service::default()
    }
}

fn port(host_ip: Option<&str>, published: &str, target: u16) -> Port {
    Port {
        target,
        published: Some(published.to_string()),
        host_ip: host_ip.map(str::to_string),
        protocol: Protocol::Tcp,
    }
}

fn model(backend: Service) -> ComposeModel {
    let nginx = Service {
        ports: vec![port(Some("0.0.0.0"), "80", 80), port(Some("0.0.0.0"), "443", 443)],
        ..Service::default()
    };
    let grafana = Service {
        ports: vec![port(Some("127.0.0.1"), "3000", 3000)],
        ..Service::default()
    };
    ComposeModel {
        name: "contravento-prod".into(),
        services: [("backend", backend), ("nginx", nginx), ("grafana", grafana)]
            .into_iter()
            .map(|(n, s)| (n.to_string(), s))
            .collect(),
        networks: BTreeMap::new(),
        volumes: BTreeMap::new(),
        warnings: Vec::new(),
    }
}

fn specs(secret_key_length: usize) -> Vec<SecretSpec> {
    vec![SecretSpec {
        name: "SECRET_KEY".into(),
        supply: Supply::Generate(Strength {
            length: secret_key_length,
            alphabet: Alphabet::UrlSafe,
        }),
    }]
}

fn failed(items: &[ChecklistItem]) -> Vec<&str> {
    failures(items).iter().map(|i| i.id.as_str()).collect()
}

#[test]
fn a_correct_production_passes_every_line() {
    let items = evaluate("prod", Exposure::of("prod"), &model(backend(&[])), &specs(128));
    assert_eq!(items.len(), 8, "the eight checks of the checklist");
    assert!(failed(&items).is_empty(), "nothing is wrong: {items:#?}");
}

#[test]
fn debug_true_fails_its_line_and_only_it() {
    let items = evaluate(
        "prod",
        Exposure::of("prod"),
        &model(backend(&[("DEBUG", "true")])),
        &specs(128),
    );
    assert_eq!(failed(&items), vec!["debug"], "{items:#?}");
    assert!(items[0].reason.contains("backend") && items[0].reason.contains("DEBUG=false"));
}

#[test]
fn a_short_secret_key_fails_in_the_policy_and_in_the_value() {
    let items = evaluate("prod", Exposure::of("prod"), &model(backend(&[])), &specs(64));
    assert_eq!(failed(&items), vec!["secret_key"], "128 needed in production");
    let value = "x".repeat(100);
    let items = evaluate(
        "prod",
        Exposure::of("prod"),
        &model(backend(&[("SECRET_KEY", &value)])),
        &specs(128),
    );
    let reason = &failures(&items)[0].reason;
    assert!(
        reason.contains("100 characters"),
        "a stored 100-character key is caught: {reason}"
    );
    assert!(!reason.contains(&value), "a reason never shows a value");
    let items = evaluate(
        "staging",
        Exposure::of("staging"),
        &model(backend(&[("SECRET_KEY", &value)])),
        &specs(96),
    );
    assert!(failed(&items).is_empty(), "96 is enough for staging: {items:#?}");
}

#[test]
fn default_passwords_are_caught_in_variables_and_urls_without_showing_them() {
    let db = "postgresql://contravento:changeme@postgres:5432/contravento";
    let items = evaluate(
        "prod",
        Exposure::Production,
        &model(backend(&[
            ("REDIS_PASSWORD", "password123"),
            ("DATABASE_URL", db),
        ])),
        &specs(128),
    );
    assert_eq!(failed(&items), vec!["default_passwords"]);
    let reason = &failures(&items)[0].reason;
    assert!(
        reason.contains("REDIS_PASSWORD") && reason.contains("DATABASE_URL"),
        "{reason}"
    );
    assert!(
        !reason.contains("password123") && !reason.contains("changeme"),
        "{reason}"
    );
}

#[test]
fn cors_smtp_bcrypt_docs_and_ports_each_fail_their_line() {
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("CORS_ORIGINS", "*")], "cors"),
        (
            &[(
                "CORS_ORIGINS",
                "https://contravento.example,http://localhost:3000",
            )],
            "cors",
        ),
        (&[("SMTP_TLS", "false")], "smtp_tls"),
        (&[("BCRYPT_ROUNDS", "10")], "bcrypt_rounds"),
        (&[("DOCS_ENABLED", "true")], "docs_hidden"),
        (&[("DEBUG", "false")], ""),
    ];
    for (vars, id) in cases {
        let items = evaluate("prod", Exposure::of("prod"), &model(backend(vars)), &specs(128));
        let expected: Vec<&str> = if id.is_empty() { vec![] } else { vec![id] };
        assert_eq!(failed(&items), expected, "{vars:?}");
    }
    let mut open = model(backend(&[]));
    if let Some(grafana) = open.services.get_mut("grafana") {
        grafana.ports = vec![port(Some("0.0.0.0"), "3000", 3000)];
    }
    let items = evaluate("prod", Exposure::of("prod"), &open, &specs(128));
    assert_eq!(
        failed(&items),
        vec!["public_ports"],
        "Grafana on every address is public"
    );
}

#[test]
fn staging_and_production_block_start_by_id_or_by_the_manifests_marking() {
    let of = Exposure::of;
    assert!(blocks_start(of("prod")) && blocks_start(of("staging")) && !blocks_start(of("local")));
    assert!(applies_to(of("staging")) && applies_to(of("prod")) && !applies_to(of("dev")));
    // An environment called `live` or `eu-west` is what its manifest says it is.
    assert!(blocks_start(Exposure::Production) && blocks_start(Exposure::Staging));
    assert!(!blocks_start(Exposure::Development));
}
