//! Windows (compile-checked here, never run): a new process group; PowerShell for start times,
//! `taskkill /T` for the tree. A child whose parent already exited is not found by `/T`.

use std::process::{Command, Stdio};

use super::{Seen, Tree};

/// Nothing to hold yet.
pub(super) struct Hold;

pub(super) fn configure(cmd: &mut tokio::process::Command) {
    const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    cmd.creation_flags(CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW);
}

pub(super) fn adopt(_key: &str, _child: &tokio::process::Child) -> Result<Hold, String> {
    Ok(Hold)
}

pub(super) fn look(pid: u32) -> Option<Seen> {
    let out = Command::new("powershell")
        .args([
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            &format!("(Get-Process -Id {pid} -ErrorAction Stop).StartTime.ToFileTimeUtc()"),
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !text.is_empty()).then(|| Seen {
        identity: format!("windows:{text}"),
        running: true,
    })
}

pub(super) fn group_alive(tree: Tree<'_>) -> bool {
    look(tree.pgid).is_some()
}

fn taskkill(pid: u32, force: bool) {
    let pid = pid.to_string();
    let mut args = vec!["/PID", pid.as_str(), "/T"];
    if force {
        args.push("/F");
    }
    let _ = Command::new("taskkill")
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

pub(super) fn polite(tree: Tree<'_>) {
    taskkill(tree.pgid, false)
}

pub(super) fn force(tree: Tree<'_>) {
    taskkill(tree.pgid, true)
}
