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
