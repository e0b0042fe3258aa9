//! A keychain that does not answer (a macOS consent prompt nobody has seen, a locked keyring asking for
//! its password) never freezes EnvDeck or keeps the environment's writer lock: after the keychain time
//! limit the operation ends with a message saying what to do, and the process exits. The real Secret
//! Service (gnome-keyring under scripts/with-keychain.sh) is made to stop answering with SIGSTOP and
//! resumed afterwards, even when an assertion fails. Its own test binary: nothing else runs meanwhile.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use envdeck_tests::area::Area;

/// The keyring stopped until dropped.
struct Silenced(u32);

impl Silenced {
    fn new(pid: u32) -> Self {
        envdeck_tests::cli::signal(pid, "STOP");
        Silenced(pid)
    }
}

impl Drop for Silenced {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-CONT", &self.0.to_string()]).status();
    }
}

#[test]
fn a_keychain_that_does_not_answer_ends_the_operation_with_a_message_and_frees_the_lock() {
    let area = Area::new(
        Path::new(env!("CARGO_BIN_EXE_envdeck")),
        "writer-lock",
        &["SECRET_KEY"],
    );
    let dir = area.project("silent");
    // Known to EnvDeck before the keychain goes quiet (a first open asks the keychain about old data).
    area.stack(&dir, "local");
    let wait = [("ENVDECK_KEYCHAIN_WAIT", "2")];
    {
        let _silent = Silenced::new(envdeck_tests::keychain::secret_service_pid());
        let started = Instant::now();
        let (ok, text) = area.run(&dir, &["up", "local"], &wait);
        assert!(!ok, "Start gives up:\n{text}");
        assert!(
            text.contains("did not answer within 2 s") && text.contains("Answer or unlock it"),
            "the message says what is happening and what to do:\n{text}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the CLI exits, not held by the unanswered call ({:?})",
            started.elapsed()
        );
        // The lock went with the Start: a second writer allowed no wait meets the keychain, not the lock.
        let (ok, text) = area.run(
            &dir,
            &["secrets", "generate", "local"],
            &[("ENVDECK_KEYCHAIN_WAIT", "2"), ("ENVDECK_LOCK_WAIT", "0")],
        );
        assert!(
            !ok && text.contains("did not answer") && !text.contains("busy"),
            "{text}"
        );
    }
    let out = area.ok(&dir, &["secrets", "generate", "local"]);
    assert!(
        out.contains("generated SECRET_KEY"),
        "the keychain answers again: {out}"
    );
}
