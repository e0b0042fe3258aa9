//! The built-in sample through the real binary: `envdeck new --sample` writes exactly what is
//! embedded, and every environment of templates/sample matches the product's environments table (`expected_services` below)
//! (services, loopback ports, links, secret lengths). `config` reads the keychain: run under
//! scripts/with-keychain.sh.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use envdeck_core::secret::{Alphabet, Supply};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../templates/sample")
}

fn envdeck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_envdeck"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("envdeck runs: {e}"))
}

fn project_args(args: &[&str]) -> Output {
    let dir = sample();
    let mut all = vec!["--project", dir.to_str().unwrap_or_default()];
    all.extend_from_slice(args);
    envdeck(&all)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The product's environments table: which services each Docker environment runs.
fn expected_services(env: &str) -> BTreeSet<String> {
    let mut services = set(&["postgres", "backend"]);
    let extra: &[&str] = match env {
        "testing" | "local-minimal" => &[],
        "local" => &["redis", "mailhog", "pgadmin"],
        "dev" => &["redis", "nginx"],
        "staging" => &["redis", "nginx", "prometheus", "grafana"],
        "prod" => &[
            "redis",
            "nginx",
            "prometheus",
            "grafana",
            "certbot",
            "postgres-exporter",
            "redis-exporter",
        ],
        other => panic!("no expectation for {other}"),
    };
    services.extend(extra.iter().map(|s| s.to_string()));
    services
}

/// Published host ports per service, all on 127.0.0.1.
fn expected_ports(env: &str) -> Vec<(&'static str, &'static str)> {
    match env {
        "testing" | "local-minimal" => vec![("backend", "8000"), ("postgres", "5432")],
        "local" => vec![
            ("backend", "8000"),
            ("mailhog", "8025"),
            ("pgadmin", "5050"),
            ("postgres", "5432"),
            ("redis", "6379"),
        ],
        "dev" => vec![("backend", "8000"), ("nginx", "80")],
        "staging" | "prod" => vec![
            ("grafana", "3000"),
            ("nginx", "80"),
            ("nginx", "443"),
            ("prometheus", "9090"),
        ],
        other => panic!("no expectation for {other}"),
    }
}

const DOCKER_ENVS: [&str; 6] = ["testing", "local-minimal", "local", "dev", "staging", "prod"];

#[test]
fn list_offers_every_environment_of_the_product_table_with_its_services() {
    let out = project_args(&["list", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let envs: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("list --json prints JSON: {e}"));
    let envs = envs.as_array().cloned().unwrap_or_default();
    let ids: Vec<&str> = envs.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "sqlite",
            "testing",
            "local-minimal",
            "local",
            "dev",
            "staging",
            "prod"
        ],
        "the seven environments, in envdeck.toml's order (the picker's)"
    );
    for env in &envs {
        let id = env["id"].as_str().unwrap_or_default();
        if id == "sqlite" {
            assert_eq!(
                env["kind"]["type"], "process",
                "sqlite runs on the host, no Docker"
            );
            assert_eq!(env["kind"]["health_url"], "http://127.0.0.1:8000/health");
            assert!(
                env["kind"]["env"]["DATABASE_URL"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("sqlite")),
                "sqlite uses a SQLite file: {env}"
            );
            continue;
        }
        let services: BTreeSet<String> = env["services"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect();
        assert_eq!(services, expected_services(id), "services of {id}");
    }
    let estimate = |id: &str| {
        let env = envs.iter().find(|e| e["id"] == id).cloned().unwrap_or_default();
        (
            env["estimate"]["memory_mb"].as_u64(),
            env["estimate"]["startup_seconds"].as_u64(),
        )
    };
    assert_eq!(
        estimate("local-minimal"),
        (Some(500), Some(10)),
        "the deployment guide's figures"
    );
    assert_eq!(
        estimate("local"),
        (Some(1024), Some(30)),
        "the deployment guide's figures"
    );
    assert_eq!(
        estimate("testing"),
        (None, None),
        "no figure where the guide gives none"
    );
}

#[test]
fn config_of_every_docker_environment_publishes_the_product_ports_on_loopback_only() {
    for env in DOCKER_ENVS {
        let out = project_args(&["config", env]);
        assert!(
            out.status.success(),
            "{env} resolves from a fresh clone (empty secrets are only not generated yet): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let model: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("config {env} prints JSON: {e}"));
        let services = model["services"].as_object().cloned().unwrap_or_default();
        assert_eq!(
            services.keys().cloned().collect::<BTreeSet<_>>(),
            expected_services(env),
            "the resolved model of {env} runs the table's services"
        );
        let mut published = Vec::new();
        for (name, service) in &services {
            for port in service["ports"].as_array().into_iter().flatten() {
                assert_eq!(
                    port["host_ip"], "127.0.0.1",
                    "{env}/{name}: a sample must not open ports to the network: {port}"
                );
                published.push((
                    name.clone(),
                    port["published"].as_str().unwrap_or_default().to_string(),
                ));
            }
        }
        published.sort();
        let mut expected: Vec<(String, String)> = expected_ports(env)
            .into_iter()
            .map(|(s, p)| (s.to_string(), p.to_string()))
            .collect();
        expected.sort();
        assert_eq!(published, expected, "published ports of {env}");
        let backend = &services["backend"]["environment"];
        assert!(
            backend["DATABASE_URL"]
                .as_str()
                .is_some_and(|u| u.starts_with("postgresql://contravento:")
                    && u.ends_with("@postgres:5432/contravento")),
            "{env}: DATABASE_URL is built from POSTGRES_PASSWORD: {backend}"
        );
    }
}

#[test]
fn prod_runs_three_backend_replicas_and_local_debugs() {
    let out = project_args(&["config", "prod"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let prod: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(
        prod["services"]["backend"]["deploy"]["replicas"], 3,
        "production runs three backends"
    );
    assert_eq!(prod["services"]["backend"]["environment"]["DEBUG"], "false");
    let out = project_args(&["config", "local"]);
    let local: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let env = &local["services"]["backend"]["environment"];
    assert_eq!(env["DEBUG"], "true", "local is the debug environment: {env}");
    assert_eq!(env["SMTP_HOST"], "mailhog", "local's emails land in MailHog");
    assert_eq!(env["SMTP_PORT"], "1025");
}

#[test]
fn secret_policies_follow_the_product_table() {
    let dir = sample();
    let project = envdeck_api::project::open(&dir).unwrap_or_else(|e| panic!("the sample opens: {e}"));
    let length = |env: &str, name: &str| -> Option<usize> {
        let specs =
            envdeck_api::environment::specs(&project, env).unwrap_or_else(|e| panic!("specs of {env}: {e}"));
        specs.iter().find(|s| s.name == name).map(|s| match s.supply {
            Supply::Generate(strength) => {
                assert_eq!(strength.alphabet, Alphabet::UrlSafe, "{env}/{name}: URL-safe");
                strength.length
            }
            Supply::Enter => 0,
        })
    };
    let secret_key = [
        ("sqlite", 64),
        ("testing", 64),
        ("local-minimal", 64),
        ("local", 64),
        ("dev", 64),
        ("staging", 96),
        ("prod", 128),
    ];
    for (env, expected) in secret_key {
        assert_eq!(length(env, "SECRET_KEY"), Some(expected), "SECRET_KEY of {env}");
    }
    for env in DOCKER_ENVS {
        let expected = if env == "prod" { 48 } else { 32 };
        assert_eq!(
            length(env, "POSTGRES_PASSWORD"),
            Some(expected),
            "POSTGRES_PASSWORD of {env}"
        );
    }
    assert_eq!(length("local", "REDIS_PASSWORD"), Some(32));
    assert_eq!(length("local", "PGADMIN_PASSWORD"), Some(32));
    assert_eq!(length("staging", "GRAFANA_ADMIN_PASSWORD"), Some(32));
    assert_eq!(length("prod", "REDIS_PASSWORD"), Some(32));
    for env in ["dev", "staging", "prod"] {
        assert_eq!(
            length(env, "SMTP_PASSWORD"),
            Some(0),
            "{env}: SMTP credentials are entered by the user, a random one is never right"
        );
    }
    assert_eq!(
        length("local", "SMTP_PASSWORD"),
        None,
        "local uses MailHog, no credentials"
    );
}

#[test]
fn links_and_tasks_are_offered_where_their_service_runs() {
    let project = envdeck_api::project::open(&sample()).unwrap_or_else(|e| panic!("the sample opens: {e}"));
    let links_of = |env: &str| -> BTreeSet<String> {
        project
            .links
            .iter()
            .filter(|l| l.environments.is_empty() || l.environments.iter().any(|e| e == env))
            .map(|l| l.label.clone())
            .collect()
    };
    assert_eq!(links_of("local"), set(&["API docs", "MailHog", "pgAdmin"]));
    assert_eq!(
        links_of("prod"),
        set(&["Grafana", "Prometheus"]),
        "production hides the API docs"
    );
    for link in &project.links {
        assert!(
            link.url.starts_with("http://127.0.0.1:"),
            "links reach loopback ports: {link:?}"
        );
        let env = link.environments.first().cloned().unwrap_or_default();
        if let (Some(service), false) = (&link.service, env == "sqlite") {
            assert!(
                expected_services(&env).contains(service),
                "{} needs {service}, which {env} runs",
                link.label
            );
        }
    }
    let ports: BTreeSet<&str> = project
        .links
        .iter()
        .filter_map(|l| l.url.split(':').nth(2))
        .collect();
    for port in ["8000/docs", "8025", "5050", "3000", "9090"] {
        assert!(ports.contains(port), "a link on port {port}: {ports:?}");
    }
    let task = |id: &str| {
        project
            .tasks
            .iter()
            .find(|t| t.id == id)
            .unwrap_or_else(|| panic!("task {id}"))
    };
    assert_eq!(
        task("migrate").command.args(),
        Some(vec!["alembic".into(), "upgrade".into(), "head".into()])
    );
    assert_eq!(task("pytest").command.args(), Some(vec!["pytest".to_string()]));
    assert!(
        !task("test-user")
            .environments
            .iter()
            .any(|e| e == "staging" || e == "prod"),
        "a known-password test user never reaches staging or production"
    );
    let ids_of = |env: &str| -> Vec<(String, Option<String>)> {
        envdeck_api::task::list(&sample(), env)
            .unwrap_or_else(|e| panic!("tasks of {env}: {e}"))
            .into_iter()
            .map(|t| (t.id, t.service))
            .collect()
    };
    assert_eq!(
        ids_of("sqlite"),
        [
            ("migrate".into(), None),
            ("test-user".into(), None),
            ("pytest".into(), None)
        ],
        "the no-Docker environment has the same chores, run on the host"
    );
    assert!(
        ids_of("local")
            .iter()
            .all(|(_, service)| service.as_deref() == Some("backend")),
        "Docker environments run them in the backend"
    );
}

fn tree(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())) {
            let path = entry.unwrap_or_else(|e| panic!("entry: {e}")).path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}

#[test]
fn new_sample_writes_the_embedded_project_as_it_is_in_templates() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let dir = tmp.path().join("contravento");
    let out = envdeck(&["new", "--sample", dir.to_str().unwrap_or_default()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let embedded = envdeck_api::sample::files();
    assert_eq!(
        tree(&dir),
        embedded.iter().map(|(n, _)| n.to_string()).collect(),
        "exactly the embedded files are written"
    );
    for (name, contents) in embedded {
        let source = std::fs::read(sample().join(name)).unwrap_or_default();
        assert!(
            source == *contents,
            "{name}: the binary embeds the current templates/sample (build.rs reruns on change)"
        );
        let written = std::fs::read(dir.join(name)).unwrap_or_default();
        assert!(written == *contents, "{name} is written byte for byte");
    }
    let listed = envdeck(&["--project", dir.to_str().unwrap_or_default(), "list"]);
    assert!(
        listed.status.success() && String::from_utf8_lossy(&listed.stdout).contains("local-minimal"),
        "the written project opens: {}",
        String::from_utf8_lossy(&listed.stderr)
    );
}

#[test]
fn new_refuses_a_folder_that_has_files() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mine = tmp.path().join("notes.txt");
    std::fs::write(&mine, "mine").unwrap_or_else(|e| panic!("write: {e}"));
    let out = envdeck(&["new", "--sample", tmp.path().to_str().unwrap_or_default()]);
    assert!(!out.status.success(), "a non-empty folder is refused");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not empty"),
        "the error says why: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap_or_default(),
        "mine",
        "the user's file is untouched"
    );
    assert!(
        !tmp.path().join("envdeck.toml").exists(),
        "nothing of the sample is written"
    );
}

#[test]
fn checklist_passes_the_sample_prod_and_fails_local_with_reasons() {
    let out = project_args(&["checklist", "prod"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the sample's prod passes: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text.matches("PASS").count(),
        8,
        "eight checks, all passing: {text}"
    );
    let out = project_args(&["checklist", "local", "--json"]);
    assert!(
        !out.status.success(),
        "local debugs, so the checklist fails (exit code for CI)"
    );
    let list: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("checklist --json prints JSON: {e}"));
    let debug = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["id"] == "debug")
        .cloned()
        .unwrap_or_default();
    assert_eq!(debug["passed"], false, "{list}");
    assert!(
        debug["reason"].as_str().is_some_and(|r| r.contains("backend")),
        "the reason names the service: {debug}"
    );
}
