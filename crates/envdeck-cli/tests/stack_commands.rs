//! The CLI's stack commands against a real Docker engine: a stack started through the API is shown,
//! exec'd into, logged, restarted and stopped by the `envdeck` binary, the way a terminal user would.

use std::collections::BTreeMap;
use std::process::Command;

use envdeck_core::compose::{ComposeModel, Service};

fn envdeck(project_dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_envdeck"))
        .arg("--project")
        .arg(project_dir)
        .args(args)
        .output()
        .expect("the envdeck binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Removes whatever a failed test left behind (containers and networks carrying the stack's label).
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        envdeck_tests::remove_stack(&self.0);
    }
}

#[test]
fn ps_exec_logs_restart_and_down_act_on_the_running_stack() {
    // The stack is named after the project folder, as compose does by default.
    let parent = tempfile::tempdir().unwrap();
    let name = format!("edt-cli-{}", std::process::id());
    let dir = parent.path().join(&name);
    std::fs::create_dir(&dir).unwrap();
    // The commands find the stack through the project's files: a `local` overlay makes the environment,
    // and its stack is `<folder>-local-<id>`.
    std::fs::write(
        dir.join("docker-compose.yml"),
        "services:\n  app:\n    image: envdeck-test/busybox:1\n",
    )
    .unwrap();
    std::fs::write(dir.join("docker-compose.local.yml"), "services: {}\n").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opened = rt
        .block_on(envdeck_api::project::open_identified(&dir))
        .expect("a new folder gets its identity");
    let stack = envdeck_api::environment::stack_of(&opened, "local").expect("the stack of local");
    let name = stack.name.clone();
    assert!(
        name.starts_with(&format!("{}-local-", opened.name)),
        "the stack is named after the folder, then the environment and the project id: {name}"
    );
    let _cleanup = Cleanup(name.clone());
    let service = Service {
        image: Some("envdeck-test/busybox:1".into()),
        command: Some(
            [
                "sh",
                "-c",
                "echo hello-from-cli; trap 'exit 0' TERM; while true; do sleep 0.2; done",
            ]
            .map(String::from)
            .to_vec(),
        ),
        ..Service::default()
    };
    let model = ComposeModel {
        name: name.clone(),
        services: BTreeMap::from([("app".to_string(), service)]),
        networks: BTreeMap::new(),
        volumes: BTreeMap::new(),
        warnings: vec![],
    };
    rt.block_on(envdeck_api::stack::up(&stack, &model, |_| {}))
        .expect("the stack starts (needs scripts/docker-engine.sh and scripts/test-images.sh)");

    let (code, out, err) = envdeck(&dir, &["ps", "local", "--format", "json"]);
    assert_eq!(code, 0, "ps succeeds: {err}");
    let rows: serde_json::Value = serde_json::from_str(&out).expect("ps --format json prints JSON");
    assert_eq!(rows[0]["service"], "app", "the service is listed: {out}");
    assert_eq!(rows[0]["state"], "running", "and it runs: {out}");

    let (code, out, _) = envdeck(
        &dir,
        &["exec", "local", "app", "--", "sh", "-c", "echo in-app; exit 4"],
    );
    assert_eq!(
        (code, out.trim()),
        (4, "in-app"),
        "exec prints the output and exits with the command's code"
    );

    let (code, out, _) = envdeck(&dir, &["logs", "local", "app", "--tail", "5"]);
    assert!(
        code == 0 && out.contains("app | hello-from-cli"),
        "logs prefix lines with the service: {out}"
    );

    let (code, out, _) = envdeck(&dir, &["restart", "local", "app"]);
    assert!(
        code == 0 && out.contains(&format!("{name}-app-1")),
        "restart names what it restarted: {out}"
    );

    let (code, _, err) = envdeck(&dir, &["down", "local", "--volumes", "--confirm", "prod"]);
    assert_ne!(code, 0, "a wrong confirmation is refused");
    assert!(
        err.contains("were NOT removed"),
        "and says nothing was deleted: {err}"
    );

    let (code, out, err) = envdeck(&dir, &["down", "local"]);
    assert_eq!(code, 0, "down succeeds: {err}");
    assert!(
        out.contains("1 containers"),
        "down reports what it removed: {out}"
    );
    let (_, out, _) = envdeck(&dir, &["ps", "local", "--format", "json"]);
    assert_eq!(out.trim(), "[]", "nothing is left");
}

#[test]
fn a_stopped_docker_is_reported_in_words_a_new_developer_can_act_on() {
    let dir = tempfile::tempdir().unwrap();
    // A valid project, so the failure is Docker's and not the folder's.
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  app:\n    image: envdeck-test/busybox:1\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("docker-compose.local.yml"), "services: {}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_envdeck"))
        .arg("--project")
        .arg(dir.path())
        .args(["ps", "local"])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .expect("the envdeck binary runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "ps fails without an engine");
    assert!(
        err.contains("Docker is not running"),
        "the message says what is wrong and what to do: {err}"
    );
    assert!(
        !err.contains("chmod"),
        "never suggests opening the socket to everyone: {err}"
    );
}
