//! `envdeck list` and `envdeck config` through the real binary: JSON on stdout, errors on stderr with a
//! non-zero exit.

use std::path::PathBuf;
use std::process::{Command, Output};

fn contravento() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../envdeck-core/tests/fixtures/projects/contravento")
}

fn envdeck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_envdeck"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("envdeck runs: {e}"))
}

#[test]
fn config_env_prints_the_resolved_model_as_json() {
    let project = contravento();
    let out = envdeck(&["--project", &project.to_string_lossy(), "config", "local"]);
    assert!(
        out.status.success(),
        "local resolves from its template: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is JSON: {e}"));
    let name = json["name"].as_str().unwrap_or_default();
    assert!(
        name.starts_with("contravento-local-") && name.len() == "contravento-local-".len() + 8,
        "each environment is its own compose project, <project>-<environment>-<8 of the project id>: {name}"
    );
    assert_eq!(
        json["services"]["mailhog"]["ports"][0]["target"], 8025,
        "ports come out in long form"
    );
    assert_eq!(
        json["services"]["backend"]["depends_on"]["postgres"]["condition"],
        "service_healthy"
    );
}

#[test]
fn list_shows_every_overlay() {
    let project = contravento();
    let out = envdeck(&["--project", &project.to_string_lossy(), "list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for id in ["local-minimal", "local", "dev", "staging", "prod"] {
        assert!(text.contains(id), "{id} has an overlay, so it is listed: {text}");
    }
}

#[test]
fn unresolvable_files_exit_non_zero_with_the_error_on_stderr() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let file = dir.path().join("docker-compose.yml");
    std::fs::write(&file, "services:\n  web:\n    image: ${IMAGE:?set IMAGE first}\n")
        .unwrap_or_else(|e| panic!("write: {e}"));
    let out = Command::new(env!("CARGO_BIN_EXE_envdeck"))
        .args(["config", "-f", &file.to_string_lossy()])
        .env_remove("IMAGE")
        .output()
        .unwrap_or_else(|e| panic!("envdeck runs: {e}"));
    assert!(
        !out.status.success(),
        "a required variable that is unset must fail"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("set IMAGE first") && err.contains("docker-compose.yml"),
        "stderr names the file and message: {err}"
    );
    assert!(out.stdout.is_empty(), "no partial model on stdout");
}
