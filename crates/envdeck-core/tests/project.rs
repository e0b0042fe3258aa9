//! Projects as the seeds lay them out: environments found from file names, resolved with env files.

use std::path::{Path, PathBuf};

use envdeck_core::compose::{Layer, Variables};
use envdeck_core::project::Manifest;
use envdeck_core::{EnvironmentKind, Project};

fn contravento() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/contravento")
}

#[test]
fn the_seed_layout_lists_its_environments_without_a_manifest() {
    let project = Project::open(&contravento()).expect("the seeds' layout opens");
    let ids: Vec<&str> = project.environments().iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        ["local-minimal", "local", "dev", "staging", "prod"],
        "one environment per overlay, in the guide's order"
    );
    assert_eq!(
        project.name, "contravento",
        "the folder name is the compose project name"
    );
    let local = project.environment("local").expect("local exists");
    assert_eq!(
        local.services,
        ["postgres", "backend", "redis", "mailhog", "pgadmin"]
    );
    match &local.kind {
        EnvironmentKind::Docker {
            compose_files,
            env_files,
            ..
        } => {
            assert_eq!(compose_files.len(), 2, "base + overlay, as deploy.sh passes them");
            assert!(
                env_files[0].ends_with(".env.local.example"),
                "with no .env.local, the template supplies values"
            );
        }
        other => panic!("local runs Docker, got {other:?}"),
    }
    assert!(
        local
            .env_template
            .as_ref()
            .is_some_and(|t| t.ends_with(".env.local.example"))
    );
}

#[test]
fn keychain_secrets_fill_variables_inside_other_values() {
    let project = Project::open(&contravento())
        .expect("opens")
        .identified(legacy("contravento"));
    let mut vars = Variables::new().with(Layer::new(
        "keychain",
        [("POSTGRES_PASSWORD".to_string(), "from-vault".to_string())],
    ));
    project
        .push_env_files("local-minimal", &mut vars)
        .expect("env files read");
    let model = project.resolve("local-minimal", &vars).expect("resolves");
    let url = model.services["backend"].environment["DATABASE_URL"]
        .clone()
        .unwrap_or_default();
    assert!(
        url.contains(":from-vault@postgres"),
        "the keychain layer wins over the template's `changeme`: {url}"
    );
    assert_eq!(
        model.services["backend"].environment["DEBUG"].as_deref(),
        Some("true"),
        "the overlay overrides the base"
    );
}

#[test]
fn the_env_template_keeps_lines_for_the_secret_policy() {
    let project = Project::open(&contravento())
        .expect("opens")
        .identified(legacy("contravento"));
    let template = project
        .env_template("prod")
        .expect("readable")
        .expect("prod has a template");
    let entry = template.get("SECRET_KEY").expect("the template names SECRET_KEY");
    assert_eq!(entry.line, 3, "line numbers point into .env.prod.example");
}

#[test]
fn the_documented_manifest_example_parses_and_applies() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/manifest.md"))
        .expect("docs/manifest.md exists");
    let start = doc.find("```toml\n").expect("the doc has a toml example") + 8;
    let end = start + doc[start..].find("```").expect("closed");
    let example = &doc[start..end];
    Manifest::parse(Path::new("envdeck.toml"), example).expect("the documented example is valid");
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(contravento()).expect("fixture").flatten() {
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    std::fs::write(dir.path().join("envdeck.toml"), example).expect("write");
    let project = Project::open(dir.path())
        .expect("opens with the manifest")
        .identified(legacy("p"));
    let sqlite = project.environment("sqlite").expect("the manifest adds sqlite");
    assert!(
        matches!(sqlite.kind, EnvironmentKind::Process { .. }),
        "sqlite runs a host command"
    );
    assert_eq!(
        project.environment("prod").expect("prod").secrets["SECRET_KEY"].length,
        Some(128)
    );
    assert_eq!(project.environment("local").expect("local").label, "Docker full");
}

#[test]
fn a_lone_base_file_warns_only_when_the_manifest_did_not_ask_for_it() {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  web:\n    image: nginx\n",
    )
    .expect("the compose file");
    std::fs::write(
        dir.path().join("envdeck.toml"),
        "[environments.stagin]\n\n[environments.ci]\ncompose_files = [\"docker-compose.yml\"]\n",
    )
    .expect("the manifest");
    let project = Project::open(dir.path())
        .expect("the project opens")
        .identified(legacy("p"));
    let vars = Variables::from_process_env();
    let warned = |id: &str| {
        project
            .resolve(id, &vars)
            .expect("it resolves")
            .warnings
            .iter()
            .any(|w| w.to_string().contains("misspelt"))
    };
    assert!(warned("stagin"), "no overlay and no compose_files: maybe a typo");
    assert!(!warned("ci"), "compose_files names the base file on purpose");
}

#[test]
fn a_task_without_a_service_is_only_for_host_process_environments() {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  web:\n    image: nginx\n",
    )
    .expect("the compose file");
    let manifest = |environments: &str| {
        std::fs::write(
            dir.path().join("envdeck.toml"),
            format!(
                "[environments.sqlite]\ncommand = \"uvicorn app:app\"\n\n[environments.local]\n\n\
                 [[tasks]]\nid = \"pytest\"\nlabel = \"Run tests\"\ncommand = \"pytest\"\n{environments}"
            ),
        )
        .expect("the manifest");
    };
    manifest("environments = [\"sqlite\"]\n");
    Project::open(dir.path()).expect("a host task of a host-process environment is fine");
    manifest("");
    let err = Project::open(dir.path())
        .expect_err("for every environment, it would land in Docker's `local`")
        .to_string();
    assert!(
        err.contains("envdeck.toml") && err.contains("task `pytest`") && err.contains("`local`"),
        "names the file, the task and the environment: {err}"
    );
    assert!(err.contains("service = "), "and says what to add: {err}");
}

#[test]
fn a_tcp_engine_is_tls_unless_the_manifest_says_engine_tls_false_and_only_there() {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  web:\n    image: nginx\n",
    )
    .expect("the compose file");
    let open = |staging: &str| {
        std::fs::write(
            dir.path().join("envdeck.toml"),
            format!("[environments.staging]\n{staging}"),
        )
        .expect("the manifest");
        Project::open(dir.path())
    };
    let engine = |project: Project| project.environment("staging").expect("staging").engine.clone();

    let verified = engine(open("engine = \"tcp://10.0.0.5:2376\"\n").expect("a tcp engine"));
    assert_eq!(
        verified,
        envdeck_core::project::Endpoint::Tcp {
            host: "10.0.0.5".into(),
            port: 2376,
            tls: true
        },
        "TLS unless said otherwise"
    );
    let plain = engine(
        open("engine = \"tcp://10.0.0.5:2375\"\nengine_tls = false\n").expect("plain tcp, said explicitly"),
    );
    assert_eq!(
        plain.to_string(),
        "tcp://10.0.0.5:2375 without TLS",
        "and the card says so"
    );

    let err = open("engine = \"ssh://deploy@10.0.0.5\"\nengine_tls = false\n")
        .expect_err("engine_tls beside an ssh engine would seem to mean something")
        .to_string();
    assert!(
        err.contains("envdeck.toml") && err.contains("`staging`") && err.contains("remove `engine_tls`"),
        "names the file, the environment and the fix: {err}"
    );
}

/// An identity as EnvDeck's list of projects would give (the stack names follow it).
fn legacy(name: &str) -> envdeck_core::Identity {
    envdeck_core::Identity::Legacy { name: name.into() }
}
