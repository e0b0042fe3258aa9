//! The CLI's log file: where it goes (ENVDECK_LOG_DIR), what a run leaves in it, and that a log folder
//! that cannot be made costs only the file, never the command.

use std::path::PathBuf;
use std::process::{Command, Output};

fn contravento() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../envdeck-core/tests/fixtures/projects/contravento")
}

fn envdeck_with_log_dir(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_envdeck"))
        .args(args)
        .env("ENVDECK_LOG_DIR", dir)
        .env_remove("ENVDECK_LOG")
        .output()
        .unwrap_or_else(|e| panic!("envdeck runs: {e}"))
}

fn log_text(dir: &std::path::Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("the log folder exists: {e}")) {
        let path = entry.unwrap_or_else(|e| panic!("list: {e}")).path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert!(
            name.starts_with("envdeck.") && name.ends_with(".log"),
            "only the daily envdeck.<date>.log files are written there: {name}"
        );
        text += &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    }
    text
}

#[test]
fn a_run_and_its_error_are_in_the_daily_file_not_on_stderr() {
    let logs = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let project = contravento();
    let out = envdeck_with_log_dir(logs.path(), &["--project", &project.to_string_lossy(), "list"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.stderr.is_empty(),
        "info lines go to the file only unless ENVDECK_LOG asks: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bad = envdeck_with_log_dir(
        logs.path(),
        &["--project", &project.to_string_lossy(), "config", "no-such-env"],
    );
    assert!(!bad.status.success(), "an unknown environment fails");
    let text = log_text(logs.path());
    assert!(
        text.contains("INFO") && text.contains("list"),
        "the command is logged: {text}"
    );
    assert!(
        text.contains("ERROR") && text.contains("no-such-env"),
        "the error a person saw is in the log for the bug report: {text}"
    );
}

#[test]
fn an_unusable_log_folder_warns_and_the_command_still_runs() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let file = tmp.path().join("a-file-not-a-folder");
    std::fs::write(&file, "x").unwrap_or_else(|e| panic!("write: {e}"));
    let project = contravento();
    let out = envdeck_with_log_dir(&file, &["--project", &project.to_string_lossy(), "list"]);
    assert!(out.status.success(), "the log is not worth failing a command for");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning") && err.contains("a-file-not-a-folder"),
        "the warning names the folder it could not use: {err}"
    );
}
