//! macOS and the BSDs (compile-checked here, not run): the same process group and signals as Linux (unix.rs),
//! without /proc: `ps` tells a pid's start time and state, `killpg(.., 0)` whether its group has members.
//! `ps` is called by its full path: a desktop app started from the Finder has a minimal PATH.

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::{Seen, Tree};

pub(super) use super::unix::{Hold, adopt, configure, force, polite};

/// One `ps` for both: the state (`Z` for a zombie) and the start time (`Mon Jan  1 12:00:00 2024`).
pub(super) fn look(pid: u32) -> Option<Seen> {
    let out = std::process::Command::new("/bin/ps")
        // One `-o` per column: the text after `=` is the header, commas included.
        .args(["-o", "stat=", "-o", "lstart=", "-p", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let (state, started) = text.trim().split_once(char::is_whitespace)?;
    Some(Seen {
        identity: format!("ps:{}", started.trim()),
        running: !state.starts_with('Z'),
    })
}

pub(super) fn group_alive(tree: Tree<'_>) -> bool {
    match i32::try_from(tree.pgid) {
        Ok(raw) if raw > 1 => !matches!(killpg(Pid::from_raw(raw), None::<Signal>), Err(Errno::ESRCH)),
        _ => false,
    }
}
