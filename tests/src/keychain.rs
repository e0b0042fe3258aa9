//! The test session's Secret Service (gnome-keyring under scripts/with-keychain.sh) as a process the
//! keychain tests can stop, resume or end, the way a desktop's keyring daemon hangs or crashes.

use std::process::Command;

/// The Secret Service's process, as the session bus knows it.
pub fn secret_service_pid() -> u32 {
    let out = Command::new("dbus-send")
        .args([
            "--session",
            "--dest=org.freedesktop.DBus",
            "--print-reply",
            "/",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .unwrap_or_else(|e| panic!("dbus-send runs: {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
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
    while has_owner() {
        assert!(
            std::time::Instant::now() < limit,
            "the Secret Service (pid {pid}) still owns its name 10 s after SIGKILL"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    pid
}

/// Whether a process owns the Secret Service's name on the session bus (asking does not start one).
fn has_owner() -> bool {
    let out = Command::new("dbus-send")
        .args([
            "--session",
            "--dest=org.freedesktop.DBus",
            "--print-reply",
            "/",
            "org.freedesktop.DBus.NameHasOwner",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .unwrap_or_else(|e| panic!("dbus-send runs: {e}"));
    String::from_utf8_lossy(&out.stdout).contains("boolean true")
}
