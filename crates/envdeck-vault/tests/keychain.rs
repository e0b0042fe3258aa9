//! The vault against the real OS keychain: on Linux, GNOME Keyring's Secret Service started by
//! scripts/with-keychain.sh; on Windows, the Credential Manager (Wine's, in scripts/windows-tests.sh).
//! These tests fail, never skip, when there is no keychain: a vault test that passes without a keychain
//! proves nothing. The Secret Service's own failures (no bus, a locked keychain) are Linux's tests.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use envdeck_vault::{Namespace, SecretValue, Stored, VaultError, delete, read, store_if_absent, write};

/// A project id no other test, run or person uses; everything created under it is deleted on drop.
struct Scratch {
    project: String,
    created: Vec<(Namespace, String)>,
}

impl Scratch {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let project = format!(
            "test-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        Self {
            project,
            created: Vec::new(),
        }
    }

    fn ns(&self, env: &str) -> Namespace {
        Namespace::new(&self.project, env).expect("test names are valid")
    }

    /// Remembers an entry to delete at the end of the test.
    fn track(&mut self, ns: &Namespace, name: &str) {
        self.created.push((ns.clone(), name.to_owned()));
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for (ns, name) in &self.created {
            let _ = delete(ns, name);
        }
    }
}

fn value(s: &str) -> SecretValue {
    SecretValue::new(s.to_owned())
}

fn read_back(ns: &Namespace, name: &str) -> Option<String> {
    read(ns, name)
        .unwrap_or_else(|e| panic!("the keychain must answer (run under scripts/with-keychain.sh): {e}"))
        .map(|v| v.expose().to_owned())
}

/// Runs one `#[ignore]`d test of this binary in a fresh process with extra environment variables.
fn run_child(test: &str, env: &[(&str, &str)]) -> std::process::Output {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", test, "--ignored", "--nocapture", "--test-threads=1"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the test binary runs again")
}

fn assert_child_passed(out: &std::process::Output, what: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{what}: the child test must run and pass\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn store_read_rotate_delete() {
    let mut s = Scratch::new();
    let ns = s.ns("local");
    s.track(&ns, "SECRET_KEY");
    assert_eq!(
        read_back(&ns, "SECRET_KEY"),
        None,
        "a fresh namespace holds nothing"
    );
    write(&ns, "SECRET_KEY", &value("first-value-0123456789")).expect("store");
    assert_eq!(
        read_back(&ns, "SECRET_KEY").as_deref(),
        Some("first-value-0123456789")
    );
    write(&ns, "SECRET_KEY", &value("rotated-value-abcdef")).expect("rotate overwrites");
    assert_eq!(
        read_back(&ns, "SECRET_KEY").as_deref(),
        Some("rotated-value-abcdef"),
        "rotation replaces"
    );
    assert!(delete(&ns, "SECRET_KEY").expect("delete"), "the entry existed");
    assert_eq!(read_back(&ns, "SECRET_KEY"), None, "deleted means gone");
    assert!(
        !delete(&ns, "SECRET_KEY").expect("deleting nothing is not an error"),
        "nothing left to delete"
    );
}

#[test]
fn a_stored_value_is_read_back_by_a_fresh_process() {
    let mut s = Scratch::new();
    let ns = s.ns("local");
    s.track(&ns, "POSTGRES_PASSWORD");
    write(&ns, "POSTGRES_PASSWORD", &value("kept-by-the-os-not-by-us")).expect("store");
    let out = run_child(
        "child_reads_back",
        &[
            ("ENVDECK_TEST_PROJECT", &s.project),
            ("ENVDECK_TEST_EXPECT", "kept-by-the-os-not-by-us"),
        ],
    );
    assert_child_passed(&out, "a value in the keychain outlives the process that wrote it");
}

#[test]
#[ignore = "run by a_stored_value_is_read_back_by_a_fresh_process in its own process"]
fn child_reads_back() {
    let (Ok(project), Ok(expect)) = (
        std::env::var("ENVDECK_TEST_PROJECT"),
        std::env::var("ENVDECK_TEST_EXPECT"),
    ) else {
        return; // run by hand with --include-ignored: nothing to check
    };
    let ns = Namespace::new(&project, "local").expect("valid");
    assert_eq!(
        read_back(&ns, "POSTGRES_PASSWORD").as_deref(),
        Some(expect.as_str())
    );
}

#[test]
fn two_projects_with_the_same_names_do_not_collide() {
    let mut a = Scratch::new();
    let mut b = Scratch::new();
    let (na, nb) = (a.ns("local"), b.ns("local"));
    let na_prod = a.ns("prod");
    a.track(&na, "SECRET_KEY");
    a.track(&na_prod, "SECRET_KEY");
    b.track(&nb, "SECRET_KEY");
    write(&na, "SECRET_KEY", &value("project-a-local")).expect("store a");
    write(&na_prod, "SECRET_KEY", &value("project-a-prod")).expect("store a prod");
    write(&nb, "SECRET_KEY", &value("project-b-local")).expect("store b");
    assert_eq!(
        read_back(&na, "SECRET_KEY").as_deref(),
        Some("project-a-local"),
        "b's write must not reach a"
    );
    assert_eq!(
        read_back(&na_prod, "SECRET_KEY").as_deref(),
        Some("project-a-prod"),
        "environments are apart too"
    );
    assert_eq!(read_back(&nb, "SECRET_KEY").as_deref(), Some("project-b-local"));
    delete(&nb, "SECRET_KEY").expect("delete b");
    assert_eq!(
        read_back(&na, "SECRET_KEY").as_deref(),
        Some("project-a-local"),
        "deleting b leaves a"
    );
}

#[test]
fn sixteen_parallel_writes_all_land() {
    let mut s = Scratch::new();
    let ns = s.ns("local");
    let names: Vec<String> = (0..16).map(|i| format!("VAR_{i}_PASSWORD")).collect();
    for n in &names {
        s.track(&ns, n);
    }
    std::thread::scope(|scope| {
        for n in &names {
            let ns = &ns;
            scope.spawn(move || write(ns, n, &value(&format!("value-of-{n}"))).expect("parallel store"));
        }
    });
    for n in &names {
        assert_eq!(
            read_back(&ns, n),
            Some(format!("value-of-{n}")),
            "{n}: every concurrent write must land"
        );
    }
}

#[test]
fn store_if_absent_generates_once_even_when_racing() {
    let mut s = Scratch::new();
    let ns = s.ns("local");
    s.track(&ns, "SECRET_KEY");
    let created = AtomicUsize::new(0);
    let results: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (ns, created) = (&ns, &created);
                scope.spawn(move || {
                    let stored = store_if_absent(ns, "SECRET_KEY", || Ok(value(&format!("candidate-{i}"))))
                        .expect("store_if_absent");
                    if matches!(stored, Stored::Created(_)) {
                        created.fetch_add(1, Ordering::Relaxed);
                    }
                    stored.value().expose().to_owned()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    assert_eq!(
        created.load(Ordering::Relaxed),
        1,
        "exactly one caller may generate"
    );
    assert!(
        results.windows(2).all(|w| w[0] == w[1]),
        "every caller gets the one stored value: {results:?}"
    );
    assert_eq!(read_back(&ns, "SECRET_KEY").as_deref(), Some(results[0].as_str()));
}

#[test]
fn a_value_too_long_for_windows_is_refused_before_writing() {
    let mut s = Scratch::new();
    let ns = s.ns("local");
    s.track(&ns, "HUGE_TOKEN");
    let err = write(&ns, "HUGE_TOKEN", &value(&"x".repeat(1281))).expect_err("2562 bytes as UTF-16");
    assert!(
        matches!(
            err,
            VaultError::TooLong {
                bytes: 2562,
                max: 2560,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("HUGE_TOKEN"),
        "the message names the variable: {err}"
    );
    assert_eq!(
        read_back(&ns, "HUGE_TOKEN"),
        None,
        "the limit is checked before the keychain is touched"
    );
    write(&ns, "HUGE_TOKEN", &value(&"x".repeat(1280))).expect("exactly the limit fits");
}

#[cfg(target_os = "linux")]
#[test]
fn no_secret_service_is_a_clear_error_and_never_generates() {
    let out = run_child(
        "child_without_secret_service",
        &[
            (
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/envdeck-test-bus",
            ),
            ("ENVDECK_TEST_NO_BUS", "1"),
        ],
    );
    assert_child_passed(
        &out,
        "without a Secret Service every call fails with the documented error",
    );
}

#[cfg(target_os = "linux")]
#[test]
#[ignore = "run by no_secret_service_is_a_clear_error_and_never_generates with no D-Bus session"]
fn child_without_secret_service() {
    if std::env::var_os("ENVDECK_TEST_NO_BUS").is_none() {
        return;
    }
    let ns = Namespace::new("test-no-bus", "local").expect("valid");
    let err = read(&ns, "SECRET_KEY").expect_err("no bus: a read cannot answer, and must not say `absent`");
    assert!(matches!(err, VaultError::Unavailable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("read SECRET_KEY of environment local") && msg.contains("Secret Service"),
        "the message says what was being done and what to install: {msg}"
    );
    let generated = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = generated.clone();
    let err = store_if_absent(&ns, "SECRET_KEY", move || {
        flag.store(true, Ordering::SeqCst);
        Ok(value("must-never-be-made"))
    })
    .expect_err("a failed read is not an absent entry");
    assert!(matches!(err, VaultError::Unavailable { .. }), "{err:?}");
    assert!(
        !generated.load(Ordering::SeqCst),
        "a failed read must never lead to generating a secret"
    );
}

/// Locks the keychain for real, in a keychain session of its own (locking the shared one would fail
/// the tests running beside this one): a locked keychain is a clear error, and never a reason to
/// generate.
#[cfg(target_os = "linux")]
#[test]
fn a_locked_keychain_is_a_clear_error_and_never_generates() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/with-keychain.sh");
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let out = Command::new(script)
        .arg(exe)
        .args([
            "--exact",
            "child_with_locked_keychain",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ENVDECK_TEST_LOCK", "1")
        // The headless case: with a display, gnome-keyring would open an unlock prompt there and wait
        // for a person (the suite runs under Xvfb, where nobody answers).
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("scripts/with-keychain.sh runs");
    assert_child_passed(&out, "a locked keychain gives NoAccess and generates nothing");
}

#[cfg(target_os = "linux")]
#[test]
#[ignore = "run by a_locked_keychain_is_a_clear_error_and_never_generates in its own keychain session"]
fn child_with_locked_keychain() {
    if std::env::var_os("ENVDECK_TEST_LOCK").is_none() {
        return;
    }
    let mut s = Scratch::new();
    let ns = s.ns("local");
    s.track(&ns, "SECRET_KEY");
    write(&ns, "SECRET_KEY", &value("stored-before-the-lock")).expect("store while unlocked");
    let locked = Command::new("dbus-send")
        .args([
            "--session",
            "--dest=org.freedesktop.secrets",
            "--print-reply",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("dbus-send runs");
    assert!(
        locked.success(),
        "the login collection must lock for this test to mean anything"
    );

    let err = read(&ns, "SECRET_KEY").expect_err("a locked entry cannot be read, and is not absent");
    eprintln!("read while locked: {err}");
    assert!(matches!(err, VaultError::NoAccess { .. }), "{err:?}");
    let generated = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = generated.clone();
    let err = store_if_absent(&ns, "SECRET_KEY", move || {
        flag.store(true, Ordering::SeqCst);
        Ok(value("must-never-be-made"))
    })
    .expect_err("locked");
    assert!(matches!(err, VaultError::NoAccess { .. }), "{err:?}");
    assert!(
        !generated.load(Ordering::SeqCst),
        "a locked keychain must never lead to generating a secret"
    );
    let err = write(&ns, "OTHER_PASSWORD", &value("x-y-z-1-2-3")).expect_err("locked collection");
    eprintln!("write while locked: {err}");
    assert!(
        matches!(err, VaultError::NoAccess { .. }),
        "a write into a locked keychain says so: {err:?}"
    );
    s.created.clear(); // the throwaway keyring dies with its session
}
