//! A host process's whole tree: started as the leader of its own process group (Unix) so one signal
//! reaches every child and grandchild, recognised again later by its start time (a pid alone may
//! have been reused by another program), and stopped with SIGTERM, then SIGKILL after a grace period.
//!
//! Windows (untested here): a new process group, and `taskkill /T` (then `/F`) over the parent links.
//! A process that leaves its group on purpose (`setsid`, a daemon) is out of reach on every platform.

use std::time::{Duration, Instant};

/// How often a stopping tree is looked at.
const POLL: Duration = Duration::from_millis(50);
/// How long SIGKILL may take to be delivered and the processes to go.
const AFTER_KILL: Duration = Duration::from_secs(3);

/// Makes the command the leader of a new process group, so the tree can be signalled as one.
pub(super) fn configure(cmd: &mut tokio::process::Command) {
    #[cfg(unix)]
    cmd.process_group(0);
    #[cfg(windows)]
    {
        const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        cmd.creation_flags(CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW);
    }
}

/// What a recorded pid is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Liveness {
    /// Our process (or, its leader gone, members of its group) still runs.
    Running,
    /// Nothing of the tree runs any more.
    Gone,
    /// The pid now belongs to another program: never signal it.
    Reused,
}

/// A text that identifies one process run of `pid` (its start time), `None` when it does not run.
pub(super) fn identity(pid: u32) -> Option<String> {
    imp::identity(pid)
}

/// Whether the tree started as `pid` (with start `identity`) still runs.
pub(super) fn liveness(pid: u32, recorded: Option<&str>) -> Liveness {
    match (imp::identity(pid), recorded) {
        (Some(now), Some(then)) if now != then => Liveness::Reused,
        (Some(_), _) if imp::leader_alive(pid) => Liveness::Running,
        // The leader is gone (or a zombie): while any member is left its group id cannot be handed to a
        // new process, so members with that group id are ours.
        _ if imp::group_alive(pid) => Liveness::Running,
        _ => Liveness::Gone,
    }
}

/// Stops the tree: a polite signal, `grace` to finish, then a forced kill. An error names what survived.
pub(super) async fn terminate(pgid: u32, grace: Duration) -> Result<(), String> {
    if !imp::group_alive(pgid) {
        // Nothing left: the group id may already be free for another program, so nothing is sent.
        return Ok(());
    }
    imp::polite(pgid);
    if wait_gone(pgid, grace).await {
        return Ok(());
    }
    tracing::info!(
        pgid,
        "process group still running after the grace period: killing it"
    );
    imp::force(pgid);
    if wait_gone(pgid, AFTER_KILL).await {
        Ok(())
    } else {
        Err(format!(
            "processes of group {pgid} are still running after a forced kill"
        ))
    }
}

/// Kills the tree at once, without waiting (clean-up paths that cannot await).
pub fn kill_now(pgid: u32) {
    imp::force(pgid);
}

async fn wait_gone(pgid: u32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if !imp::group_alive(pgid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(target_os = "linux")]
mod imp {
    //! Linux: /proc tells start times, states and process groups without spawning anything.

    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;

    /// The fields of `/proc/<pid>/stat` EnvDeck reads.
    pub(super) struct Stat {
        pub state: char,
        pub pgrp: u32,
        pub starttime: u64,
    }

    pub(super) fn stat(pid: u32) -> Option<Stat> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name is in parentheses and may itself contain spaces and parentheses.
        let rest = &text[text.rfind(')')? + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // `rest` starts at field 3 (state); pgrp is field 5, starttime field 22.
        Some(Stat {
            state: fields.first()?.chars().next()?,
            pgrp: fields.get(2)?.parse().ok()?,
            starttime: fields.get(19)?.parse().ok()?,
        })
    }

    fn running(s: &Stat) -> bool {
        // A zombie has ended; it only waits for its parent (or an init that may never reap it).
        !matches!(s.state, 'Z' | 'X' | 'x')
    }

    pub(super) fn identity(pid: u32) -> Option<String> {
        stat(pid).map(|s| format!("linux:{}", s.starttime))
    }

    pub(super) fn leader_alive(pid: u32) -> bool {
        stat(pid).is_some_and(|s| running(&s))
    }

    /// The running (not zombie) processes whose process group is `pgid`.
    pub fn members(pgid: u32) -> Vec<u32> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|&pid| stat(pid).is_some_and(|s| s.pgrp == pgid && running(&s)))
            .collect()
    }

    pub(super) fn group_alive(pgid: u32) -> bool {
        !members(pgid).is_empty()
    }

    pub(super) fn polite(pgid: u32) {
        signal(pgid, Signal::SIGTERM)
    }

    pub(super) fn force(pgid: u32) {
        signal(pgid, Signal::SIGKILL)
    }

    fn signal(pgid: u32, signal: Signal) {
        // 0 and 1 would mean "our own group" and init: never a host process's group.
        match i32::try_from(pgid) {
            Ok(raw) if raw > 1 => drop(killpg(Pid::from_raw(raw), signal)),
            _ => {}
        }
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
mod imp {
    //! macOS and other Unixes (untested here): `ps` for start times, `killpg` for the group.

    use nix::errno::Errno;
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;

    fn ps(pid: u32, field: &str) -> Option<String> {
        let out = std::process::Command::new("ps")
            .args(["-o", field, "-p", &pid.to_string()])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !text.is_empty()).then_some(text)
    }

    pub(super) fn identity(pid: u32) -> Option<String> {
        ps(pid, "lstart=").map(|t| format!("ps:{t}"))
    }

    pub(super) fn leader_alive(pid: u32) -> bool {
        ps(pid, "stat=").is_some_and(|s| !s.starts_with('Z'))
    }

    pub(super) fn group_alive(pgid: u32) -> bool {
        match i32::try_from(pgid) {
            Ok(raw) if raw > 1 => !matches!(killpg(Pid::from_raw(raw), None::<Signal>), Err(Errno::ESRCH)),
            _ => false,
        }
    }

    pub(super) fn polite(pgid: u32) {
        signal(pgid, Signal::SIGTERM)
    }

    pub(super) fn force(pgid: u32) {
        signal(pgid, Signal::SIGKILL)
    }

    fn signal(pgid: u32, signal: Signal) {
        // 0 and 1 would mean "our own group" and init: never a host process's group.
        match i32::try_from(pgid) {
            Ok(raw) if raw > 1 => drop(killpg(Pid::from_raw(raw), signal)),
            _ => {}
        }
    }
}

#[cfg(windows)]
mod imp {
    //! Windows (untested here): PowerShell for start times, `taskkill /T` for the tree. A child whose
    //! parent already exited is not found by `/T`; a job object would be, and is the next step.

    use std::process::{Command, Stdio};

    pub(super) fn identity(pid: u32) -> Option<String> {
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
        (out.status.success() && !text.is_empty()).then(|| format!("windows:{text}"))
    }

    pub(super) fn leader_alive(pid: u32) -> bool {
        identity(pid).is_some()
    }

    pub(super) fn group_alive(pid: u32) -> bool {
        leader_alive(pid)
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

    pub(super) fn polite(pid: u32) {
        taskkill(pid, false)
    }

    pub(super) fn force(pid: u32) {
        taskkill(pid, true)
    }
}

/// The running processes of a process group (Linux): what tests check is empty after a stop.
#[cfg(target_os = "linux")]
pub fn members(pgid: u32) -> Vec<u32> {
    imp::members(pgid)
}
