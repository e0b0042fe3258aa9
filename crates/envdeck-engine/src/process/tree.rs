//! A host process's whole tree: started so one stop reaches every child and grandchild, recognised
//! again later by its start time (a pid alone may have been reused by another program), and stopped
//! politely, then by force after a grace period. What each OS does for that lives in one module per
//! OS behind the same few functions; the rest of `process` calls only this file.
//!
//! - Linux (`linux.rs`, tested here): its own process group; /proc; SIGTERM, then SIGKILL to the group.
//! - macOS and the BSDs (`macos.rs`, compile-checked here): the same group and signals; `ps` instead of
//!   /proc.
//! - Windows (`windows.rs`, run under Wine by scripts/windows-tests.sh; its CTRL_BREAK only on a real
//!   Windows, which Wine cannot deliver): a named job object; CTRL_BREAK, then the job is terminated.
//!
//! A process that leaves its group on purpose (`setsid`, a daemon) is out of reach on Unix; on Windows
//! only one that breaks away from the job is.

#[cfg(target_os = "linux")]
#[path = "tree/linux.rs"]
mod os;
#[cfg(all(unix, not(target_os = "linux")))]
#[path = "tree/macos.rs"]
mod os;
#[cfg(windows)]
#[path = "tree/windows.rs"]
mod os;
#[cfg(unix)]
#[path = "tree/unix.rs"]
mod unix;

use std::time::{Duration, Instant};

/// How often a stopping tree is looked at.
const POLL: Duration = Duration::from_millis(50);
/// How long a forced kill may take to be delivered and the processes to go.
const AFTER_KILL: Duration = Duration::from_secs(3);

/// One run's tree as any EnvDeck process finds it again: the Environment's key (its state files'
/// name) and the process group (Unix: the leader's pid; Windows: also the leader's pid).
#[derive(Debug, Clone, Copy)]
pub(super) struct Tree<'a> {
    pub key: &'a str,
    pub pgid: u32,
}

/// What a pid is now, as the OS says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Seen {
    /// A text that identifies this one run of the pid (its start time).
    pub identity: String,
    /// `false` once it ended (a zombie waiting to be reaped has ended).
    pub running: bool,
}

/// Keeps the tree reachable while its owner runs it; dropped by the owner once the tree is gone.
/// Windows: the job object and the owner's end of a polite stop. Unix: nothing.
pub(super) struct Hold(#[allow(dead_code)] os::Hold);

/// Sets how the command starts so its whole tree can be stopped as one.
pub(super) fn configure(cmd: &mut tokio::process::Command) {
    os::configure(cmd)
}

/// Takes charge of a just-spawned child (Windows: puts it in its job, then lets it run). An error means
/// the child must be killed: it may not run (or run out of reach).
pub(super) fn adopt(key: &str, child: &tokio::process::Child) -> Result<Hold, String> {
    os::adopt(key, child).map(Hold)
}

/// What a recorded pid is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Liveness {
    /// Our process (or, its leader gone, members of its tree) still runs.
    Running,
    /// Nothing of the tree runs any more.
    Gone,
    /// The pid now belongs to another program: never signal it.
    Reused,
}

/// A text that identifies one process run of `pid` (its start time), `None` when it does not run.
pub(super) fn identity(pid: u32) -> Option<String> {
    os::look(pid).map(|seen| seen.identity)
}

/// Whether the tree started as `tree.pgid` (with start `recorded`) still runs.
pub(super) fn liveness(tree: Tree<'_>, recorded: Option<&str>) -> Liveness {
    match (os::look(tree.pgid), recorded) {
        (Some(now), Some(then)) if now.identity != then => Liveness::Reused,
        (Some(now), _) if now.running => Liveness::Running,
        // The leader is gone (or a zombie): on Unix, while any member is left its group id cannot be
        // handed to a new process, so members with that group id are ours; on Windows the job says.
        _ if os::group_alive(tree) => Liveness::Running,
        _ => Liveness::Gone,
    }
}

/// Stops the tree: a polite request, `grace` to finish, then a forced kill. An error names what survived.
pub(super) async fn terminate(tree: Tree<'_>, grace: Duration) -> Result<(), String> {
    if !os::group_alive(tree) {
        // Nothing left: the group id may already be free for another program, so nothing is sent.
        return Ok(());
    }
    os::polite(tree);
    if wait_gone(tree, grace).await {
        return Ok(());
    }
    tracing::info!(
        key = tree.key,
        pgid = tree.pgid,
        "host process tree still running after the grace period: killing it"
    );
    os::force(tree);
    if wait_gone(tree, AFTER_KILL).await {
        Ok(())
    } else {
        Err(format!(
            "processes of group {} are still running after a forced kill",
            tree.pgid
        ))
    }
}

/// Kills the tree of the Environment `key` started as `pgid` at once, without waiting (clean-up paths
/// that cannot await, tests).
pub fn kill_now(key: &str, pgid: u32) {
    os::force(Tree { key, pgid });
}

async fn wait_gone(tree: Tree<'_>, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if !os::group_alive(tree) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}
