//! The test session's Secret Service (gnome-keyring under scripts/with-keychain.sh) as a process the
//! keychain tests can stop, resume or end, the way a desktop's keyring daemon hangs or crashes.

use std::process::Command;

/// Asks the session bus `method` about the Secret Service's name; its printed reply.
fn ask_bus(method: &str) -> String {
    let out = Command::new("dbus-send")
        .args([
            "--session",
            "--dest=org.freedesktop.DBus",
            "--print-reply",
            "/",
            &format!("org.freedesktop.DBus.{method}"),
            "string:org.freedesktop.secrets",
        ])
        .output()
        .unwrap_or_else(|e| panic!("dbus-send runs: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The Secret Service's process, as the session bus knows it.
pub fn secret_service_pid() -> u32 {
    let text = ask_bus("GetConnectionUnixProcessID");
    text.split_whitespace()
        .skip_while(|w| *w != "uint32")
        .nth(1)
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "the session bus names the Secret Service's pid (run under scripts/with-keychain.sh): {text}"
            )
        })
}

/// Kills the Secret Service, as a crash would, and waits until the session bus has let go of its name:
/// the next keychain call then starts a new daemon (scripts/with-keychain.sh has D-Bus start it again)
/// instead of reaching the dying one. Returns the killed daemon's pid.
pub fn crash_secret_service() -> u32 {
    let pid = secret_service_pid();
    crate::cli::signal(pid, "KILL");
    let limit = std::time::Instant::now() + std::time::Duration::from_secs(10);
    // Asking whether the name has an owner does not start one.
    while ask_bus("NameHasOwner").contains("boolean true") {
        assert!(
            std::time::Instant::now() < limit,
            "the Secret Service (pid {pid}) still owns its name 10 s after SIGKILL"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    pid
}
