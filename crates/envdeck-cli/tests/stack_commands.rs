//! The CLI's stack commands against a real Docker engine: a stack started through the API is shown,
//! exec'd into, logged, restarted and stopped by the `envdeck` binary, the way a terminal user would.

use std::process::Command;

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
        let label = format!("label=dev.envdeck.project={}", self.0);
        for (list, remove) in [
            (["ps", "-aq"], ["rm", "-f"]),
            (["network", "ls"], ["network", "rm"]),
        ] {
            let Ok(out) = Command::new("docker")
                .args(list)
                .args(["-q", "--filter", &label])
                .output()
            else {
                continue;
            };
            let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .map(String::from)
                .collect();
            if !ids.is_empty() {
                let _ = Command::new("docker").args(remove).args(&ids).output();
            }
        }
    }
}

/// A one-service project with a `local` environment, in a uniquely named folder.
fn project(parent: &std::path::Path, name: &str) -> std::path::PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("docker-compose.yml"),
        "services:\n  app:\n    image: envdeck-test/busybox:1\n    command: [\"sh\", \"-c\", \"echo hello-from-cli; trap 'exit 0' TERM; while true; do sleep 0.2; done\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("docker-compose.local.yml"),
        "services:\n  app:\n    restart: \"no\"\n",
    )
    .unwrap();
    dir
}

#[test]
fn up_ps_exec_logs_restart_and_down_act_on_the_running_stack() {
    let parent = tempfile::tempdir().unwrap();
    let folder = format!("edt-cli-{}", std::process::id());
    let dir = project(parent.path(), &folder);
    // Each environment is its own compose project: `<project>-<environment>`.
    let name = format!("{folder}-local");
    let _cleanup = Cleanup(name.clone());

    let (code, _, err) = envdeck(&dir, &["up", "local"]);
    assert_eq!(
        code, 0,
        "up succeeds (needs scripts/docker-engine.sh and scripts/test-images.sh): {err}"
    );

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
    let parent = tempfile::tempdir().unwrap();
    let dir = project(parent.path(), "edt-no-docker");
    let out = Command::new(env!("CARGO_BIN_EXE_envdeck"))
        .arg("--project")
        .arg(&dir)
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
