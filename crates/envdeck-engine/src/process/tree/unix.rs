//! What Linux and macOS do alike: the tree is its own process group, found again by its id alone; a
//! stop is SIGTERM to the group, then SIGKILL. How a group's members are seen differs (linux.rs, macos.rs).

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::Tree;

/// Nothing to hold: the group id is enough to find the tree again.
pub(super) struct Hold;

pub(super) fn configure(cmd: &mut tokio::process::Command) {
    cmd.process_group(0);
}

pub(super) fn adopt(_key: &str, _child: &tokio::process::Child) -> Result<Hold, String> {
    Ok(Hold)
}

pub(super) fn polite(tree: Tree<'_>) {
    signal(tree.pgid, Signal::SIGTERM)
}

pub(super) fn force(tree: Tree<'_>) {
    signal(tree.pgid, Signal::SIGKILL)
}

fn signal(pgid: u32, signal: Signal) {
    // 0 and 1 would mean "our own group" and init: never a host process's group.
    match i32::try_from(pgid) {
        Ok(raw) if raw > 1 => drop(killpg(Pid::from_raw(raw), signal)),
        _ => {}
    }
}
