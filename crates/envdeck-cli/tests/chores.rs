//! `envdeck task`, `backup --list` and `restore` through the real binary, on what needs neither Docker
//! nor the keychain: listing, refusing an unknown task, and a restore with no one to ask.
//! The engine round trip (seed, backup, wipe, restore) is crates/envdeck-api/tests/chores.rs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/projects/chores-postgres")
}

fn envdeck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_envdeck"))
        .arg("--project")
        .arg(fixture())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("envdeck runs: {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn task_without_a_name_lists_the_tasks_of_the_environment() {
    let out = envdeck(&["task", "local"]);
    let shown = text(&out);
    assert!(out.status.success(), "listing needs no engine: {shown}");
    for id in ["seed", "trips", "leak"] {
        assert!(
            shown.contains(id),
            "task {id} is declared for every environment: {shown}"
        );
    }
    assert!(
        !shown.contains("remote-only"),
        "a task declared for staging only is not listed for local: {shown}"
    );
}

#[test]
fn an_unknown_task_is_refused_naming_the_known_ones() {
    let out = envdeck(&["task", "local", "migrate"]);
    let shown = text(&out);
    assert!(!out.status.success(), "an undeclared task must fail: {shown}");
    assert!(
        shown.contains("no task `migrate`") && shown.contains("seed, trips, leak, leak-slowly"),
        "the refusal says which task is unknown and which exist: {shown}"
    );
}

#[test]
fn restore_without_a_terminal_and_without_yes_refuses_before_touching_anything() {
    let out = envdeck(&["restore", "local", "/nonexistent/backup.sql.gz"]);
    let shown = text(&out);
    assert!(
        !out.status.success(),
        "no one confirmed, so nothing may be replaced: {shown}"
    );
    assert!(
        shown.contains("--yes") && shown.contains("no terminal"),
        "the refusal says why and how to proceed in a script: {shown}"
    );
}

#[test]
fn backup_list_of_a_project_without_backups_says_so() {
    let out = envdeck(&["backup", "local", "--list"]);
    let shown = text(&out);
    assert!(out.status.success(), "listing needs no engine: {shown}");
    assert!(
        shown.contains("no backups in"),
        "an empty list is said, not silent: {shown}"
    );
}
