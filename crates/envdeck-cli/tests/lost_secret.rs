//! No password regenerated over data: when a secret is gone from the keychain (its entry deleted, a new
//! login keyring) while the environment's volumes are still there, a Start and `secrets generate`
//! refuse, naming the secret, the volume and the ways out, and generate nothing; the data stays as it
//! was. The real binary, the real dockerd and the real keychain (scripts/with-keychain.sh).
//!
//! Fixture: tests/fixtures/projects/lost-secret (a volume stamped once, on the first Start).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use envdeck_tests::area::Area;
use envdeck_tests::cli::{container_env, docker};

fn area() -> Area {
    Area::new(
        Path::new(env!("CARGO_BIN_EXE_envdeck")),
        "lost-secret",
        &["SECRET_KEY", "API_TOKEN"],
    )
}

/// The stamp the first Start wrote into the volume, read by a throwaway container (none of EnvDeck's).
fn stamp(volume: &str) -> String {
    docker(
        &[
            "run",
            "--rm",
            "-v",
            &format!("{volume}:/data:ro"),
            "envdeck-test/busybox:1",
            "cat",
            "/data/stamp",
        ],
        &[],
    )
    .trim()
    .to_owned()
}

fn delete_secret(area: &Area, dir: &Path, name: &str) {
    let (project, env) = area.keychain_of(dir, "local");
    let ns = envdeck_vault::Namespace::new(&project, &env).unwrap_or_else(|e| panic!("namespace: {e}"));
    envdeck_vault::delete(&ns, name).unwrap_or_else(|e| panic!("delete {name}: {e}"));
}

fn stored(area: &Area, dir: &Path, name: &str) -> Option<String> {
    let (project, env) = area.keychain_of(dir, "local");
    let ns = envdeck_vault::Namespace::new(&project, &env).unwrap_or_else(|e| panic!("namespace: {e}"));
    envdeck_vault::read(&ns, name)
        .unwrap_or_else(|e| panic!("the keychain answers: {e}"))
        .map(|v| v.expose().to_owned())
}

fn assert_refused(text: &str, volume: &str, what: &str) {
    for needle in [
        "SECRET_KEY",
        volume,
        "nothing was generated",
        "envdeck secrets enter local SECRET_KEY",
        "envdeck secrets import local",
        "envdeck down local --volumes --confirm local",
    ] {
        assert!(
            text.contains(needle),
            "{what}: the refusal names `{needle}`:\n{text}"
        );
    }
}

/// A project that ran once (its secret generated, its volume stamped) and was stopped, data kept.
struct Stopped {
    dir: PathBuf,
    stack: String,
    volume: String,
    /// The secret the data was made with.
    old: String,
    /// The volume's stamp.
    before: String,
}

fn started_and_stopped(area: &Area) -> Stopped {
    let dir = area.project("shop");
    area.ok(&dir, &["up", "local"]);
    let stack = area.stack(&dir, "local");
    let volume = format!("{stack}_data");
    let old = area.secret(&dir, "local", "SECRET_KEY");
    let before = stamp(&volume);
    area.ok(&dir, &["down", "local"]);
    Stopped {
        dir,
        stack,
        volume,
        old,
        before,
    }
}

#[test]
fn a_deleted_keychain_entry_with_data_present_is_refused_until_the_old_value_is_back() {
    let area = area();
    let Stopped {
        dir,
        stack,
        volume,
        old,
        before,
    } = started_and_stopped(&area);

    delete_secret(&area, &dir, "SECRET_KEY");
    let (ok, text) = area.run(&dir, &["up", "local"], &[]);
    assert!(!ok, "Start refuses:\n{text}");
    assert_refused(&text, &volume, "up");
    let (ok, text) = area.run(&dir, &["secrets", "generate", "local"], &[]);
    assert!(!ok, "secrets generate refuses too:\n{text}");
    assert_refused(&text, &volume, "secrets generate");
    assert_eq!(stored(&area, &dir, "SECRET_KEY"), None, "nothing was generated");
    assert_eq!(stamp(&volume), before, "the data is as it was");

    // The way out: the old value, entered.
    let mut enter = area.command(&dir, &["secrets", "enter", "local", "SECRET_KEY"], &[]);
    let mut child = enter
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("envdeck secrets enter runs: {e}"));
    child
        .stdin
        .take()
        .unwrap_or_else(|| panic!("stdin is piped"))
        .write_all(format!("{old}\n").as_bytes())
        .unwrap_or_else(|e| panic!("type the value: {e}"));
    let entered = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("enter finishes: {e}"));
    assert!(
        entered.status.success(),
        "{}",
        String::from_utf8_lossy(&entered.stderr)
    );
    area.ok(&dir, &["up", "local"]);
    assert_eq!(
        container_env(&stack, "app", "SECRET_KEY").as_deref(),
        Some(old.as_str()),
        "the container runs with the old value again"
    );
    assert_eq!(stamp(&volume), before, "on the same data");

    // A secret new to the project (added to the template after the data was made) is generated.
    let template = dir.join(".env.example");
    let mut text = std::fs::read_to_string(&template).unwrap_or_else(|e| panic!("read template: {e}"));
    text.push_str("API_TOKEN=\n");
    std::fs::write(&template, text).unwrap_or_else(|e| panic!("write template: {e}"));
    let out = area.ok(&dir, &["secrets", "generate", "local"]);
    assert!(
        out.contains("generated API_TOKEN") && out.contains("kept      SECRET_KEY"),
        "a new secret is generated beside the data:\n{out}"
    );
}

#[test]
fn a_fresh_keyring_with_data_present_is_refused_and_a_wipe_starts_afresh() {
    let area = area();
    let Stopped {
        dir,
        stack,
        volume,
        old,
        before,
    } = started_and_stopped(&area);

    // A new login keyring: the entry is gone, and so is EnvDeck's record of what the environment had.
    delete_secret(&area, &dir, "SECRET_KEY");
    let secrets_record = area.state_dir().join("secrets");
    std::fs::remove_dir_all(&secrets_record).unwrap_or_else(|e| panic!("remove the record: {e}"));

    let (ok, text) = area.run(&dir, &["up", "local"], &[]);
    assert!(!ok, "Start refuses:\n{text}");
    assert_refused(&text, &volume, "up with no record");
    assert_eq!(stored(&area, &dir, "SECRET_KEY"), None, "nothing was generated");
    assert_eq!(stamp(&volume), before, "the data is as it was");

    // The other way out: wipe the data (typed confirmation), then Start makes everything anew.
    area.ok(&dir, &["down", "local", "--volumes", "--confirm", "local"]);
    area.ok(&dir, &["up", "local"]);
    let new = area.secret(&dir, "local", "SECRET_KEY");
    assert_ne!(new, old, "a new secret");
    assert_eq!(
        container_env(&stack, "app", "SECRET_KEY"),
        Some(new),
        "given to the container"
    );
    assert_ne!(stamp(&volume), before, "on new data");
}
