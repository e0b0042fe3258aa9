//! Windows (run under Wine 8 by tests/host_process_windows.rs, all but the CTRL_BREAK delivery, which
//! Wine lacks: docs/windows.md): a host process's tree lives in a named job object, so any
//! EnvDeck process can end all of it, grandchildren whose parent already exited included (`taskkill /T`
//! follows parent links and misses those).
//!
//! - Spawn: the child starts suspended in a new process group, is put in the job
//!   `Local\envdeck-<key>-<pid>`, and only then runs, so nothing it starts is outside the job.
//! - The job ends its processes when its last handle closes (KILL_ON_JOB_CLOSE), and the only lasting
//!   handle is the owner's (the EnvDeck process that started and reaps it): when the owner ends, crash
//!   included, so does the tree. Nothing else would reap it or mask its output, and a job's name lasts
//!   only as long as a handle to it, so an ownerless tree could not be found by name anyway. (On Unix
//!   the tree outlives a crashed owner and any EnvDeck stops it by its group.)
//! - Polite stop: Windows has no SIGTERM. The nearest for a console program is CTRL_BREAK to its
//!   process group (uvicorn shuts down on it), which only a process on the tree's console can send, and
//!   `envdeck down` in another terminal is not. So the owner waits on a named event
//!   (`Local\envdeck-<key>-<pid>-stop`): `polite` sets it from any process, and the owner sends
//!   CTRL_BREAK, directly when the tree shares its console (the CLI started it), after attaching to the
//!   tree's hidden console when it has none (the desktop app).
//! - Forced stop: TerminateJobObject.
//! - A run without a job (started by an older EnvDeck, or the job could not be made) is stopped the old
//!   way, with `taskkill /T` then `/T /F`. So is one started in another logon session (over SSH): the
//!   names live in the session's `Local\` namespace.

// The Win32 calls below are EnvDeck's only unsafe code; each says why it is sound.
#![allow(unsafe_code)]

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_ALREADY_EXISTS, FILETIME, GetLastError, HANDLE, INVALID_HANDLE_VALUE, WAIT_OBJECT_0,
    WAIT_TIMEOUT,
};
use windows_sys::Win32::System::Console::{
    AttachConsole, CTRL_BREAK_EVENT, FreeConsole, GenerateConsoleCtrlEvent, GetConsoleProcessList,
};
use windows_sys::Win32::System::Diagnostics::ToolHelp::{
    CreateToolhelp32Snapshot, TH32CS_SNAPTHREAD, THREADENTRY32, Thread32First, Thread32Next,
};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
    JobObjectBasicAccountingInformation, JobObjectBasicProcessIdList, JobObjectExtendedLimitInformation,
    OpenJobObjectW, QueryInformationJobObject, SetInformationJobObject, TerminateJobObject,
};
use windows_sys::Win32::System::SystemServices::{JOB_OBJECT_QUERY, JOB_OBJECT_TERMINATE};
use windows_sys::Win32::System::Threading::{
    CREATE_NEW_PROCESS_GROUP, CREATE_NO_WINDOW, CREATE_SUSPENDED, CreateEventW, EVENT_MODIFY_STATE,
    GetProcessTimes, INFINITE, OpenEventW, OpenProcess, OpenThread, PROCESS_QUERY_LIMITED_INFORMATION,
    PROCESS_SYNCHRONIZE, ResumeThread, SetEvent, THREAD_SUSPEND_RESUME, WaitForSingleObject,
};

use super::{Seen, Tree};

/// The exit code a forced stop gives the tree's processes (as `taskkill /F` does).
const KILLED: u32 = 1;
/// How many of a job's (or a console's) processes are looked at to find the tree's console.
const MEMBERS_LISTED: usize = 64;

/// An open kernel handle, closed when dropped.
struct Handle(HANDLE);

// SAFETY: a kernel handle is a process-wide value; the kernel serialises what is done through it.
unsafe impl Send for Handle {}
// SAFETY: as above; every use through `&Handle` is a kernel call.
unsafe impl Sync for Handle {}

impl Handle {
    /// `None` for what a failed call returns (null, or INVALID_HANDLE_VALUE for a snapshot).
    fn new(raw: HANDLE) -> Option<Self> {
        (!raw.is_null() && raw != INVALID_HANDLE_VALUE).then_some(Self(raw))
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle is open and this value alone owns it.
        unsafe { CloseHandle(self.0) };
    }
}

/// The owner's part of a running tree: its job (closed, and so the tree ended, when the last holder
/// drops it) and the listener for polite stops.
pub(super) struct Hold {
    _job: Option<Arc<Handle>>,
    _listener: Option<Listener>,
}

pub(super) fn configure(cmd: &mut tokio::process::Command) {
    // Suspended until it is in its job (`adopt`); its own process group, for CTRL_BREAK. Without a
    // console of its own (the desktop app), EnvDeck gives it a hidden one instead of a window. (Were the
    // app attached to another tree's console for a break at this moment, the child would share that
    // console: harmless, a break reaches only its own group.)
    let mut flags = CREATE_SUSPENDED | CREATE_NEW_PROCESS_GROUP;
    if !has_console() {
        flags |= CREATE_NO_WINDOW;
    }
    cmd.creation_flags(flags);
}

/// Puts the suspended child in its job, lets it run, and listens for polite stops. Without a job (it
/// could not be made) the child still runs, and stops fall back to `taskkill`; an error means it could
/// not be let run, and the caller kills it.
pub(super) fn adopt(key: &str, child: &tokio::process::Child) -> Result<Hold, String> {
    let ended = || "it ended before it could be put in its job object".to_owned();
    let pid = child.id().ok_or_else(ended)?;
    let process = child.raw_handle().ok_or_else(ended)?;
    let tree = Tree { key, pgid: pid };
    let job = match new_job(tree, process) {
        Ok(job) => Some(Arc::new(job)),
        Err(e) => {
            tracing::warn!(
                pid,
                "host process runs without a job object; a stop may miss children whose parent ended: {e}"
            );
            None
        }
    };
    // Listening before it runs: a stop right after the start is polite too.
    let listener = job.as_ref().and_then(|job| match listen(tree, job.clone()) {
        Ok(listener) => Some(listener),
        Err(e) => {
            tracing::warn!(pid, "a stop of this host process will not be polite: {e}");
            None
        }
    });
    resume(pid)?;
    Ok(Hold {
        _job: job,
        _listener: listener,
    })
}

/// Start time and state from the process itself: no PowerShell, cheap enough for every look.
pub(super) fn look(pid: u32) -> Option<Seen> {
    let access = PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_SYNCHRONIZE;
    // SAFETY: no pointers; the handle is owned below.
    let process = Handle::new(unsafe { OpenProcess(access, 0, pid) })?;
    let (mut created, mut exited, mut kernel, mut user) = (
        FILETIME::default(),
        FILETIME::default(),
        FILETIME::default(),
        FILETIME::default(),
    );
    // SAFETY: the handle is open with query access; the four pointers are to FILETIMEs on this stack.
    let timed = unsafe { GetProcessTimes(process.0, &mut created, &mut exited, &mut kernel, &mut user) };
    if timed == 0 {
        return None;
    }
    // SAFETY: the handle is open with SYNCHRONIZE access; a zero timeout only asks whether it ended.
    let running = unsafe { WaitForSingleObject(process.0, 0) } == WAIT_TIMEOUT;
    let started = (u64::from(created.dwHighDateTime) << 32) | u64::from(created.dwLowDateTime);
    Some(Seen {
        identity: format!("windows:{started}"),
        running,
    })
}

pub(super) fn group_alive(tree: Tree<'_>) -> bool {
    match open_job(tree, JOB_OBJECT_QUERY) {
        // A job that cannot be asked is taken as still running: the stop then ends it by force.
        Some(job) => active_processes(&job).is_none_or(|n| n > 0),
        // No job (an older EnvDeck's run, or the owner has ended and the job with it): the leader tells.
        None => look(tree.pgid).is_some_and(|seen| seen.running),
    }
}

pub(super) fn polite(tree: Tree<'_>) {
    let name = wide(&stop_event_name(tree));
    // SAFETY: `name` is NUL-terminated and outlives the call; the handle is owned below.
    let event = Handle::new(unsafe { OpenEventW(EVENT_MODIFY_STATE, 0, name.as_ptr()) });
    match event {
        // SAFETY: the handle is open with EVENT_MODIFY_STATE access.
        Some(event) => drop(unsafe { SetEvent(event.0) }),
        None => taskkill(tree.pgid, false),
    }
}

pub(super) fn force(tree: Tree<'_>) {
    match open_job(tree, JOB_OBJECT_TERMINATE) {
        // SAFETY: the handle is open with JOB_OBJECT_TERMINATE access.
        Some(job) => drop(unsafe { TerminateJobObject(job.0, KILLED) }),
        None => taskkill(tree.pgid, true),
    }
}

/// `Local\envdeck-<key>-<pid>`: in this logon session, one name per run. The key keeps letters,
/// digits, `-`, `_` and `.`; the pid tells apart keys that became the same.
fn job_name(tree: Tree<'_>) -> String {
    let key: String = tree
        .key
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("Local\\envdeck-{key}-{}", tree.pgid)
}

fn stop_event_name(tree: Tree<'_>) -> String {
    format!("{}-stop", job_name(tree))
}

/// A NUL-terminated UTF-16 copy, for the `W` functions.
fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

fn last_error(doing: &str) -> String {
    format!("{doing} failed: {}", std::io::Error::last_os_error())
}

/// Creates the run's job (ending its processes when its last handle closes) and puts `process` in it.
fn new_job(tree: Tree<'_>, process: HANDLE) -> Result<Handle, String> {
    let name = wide(&job_name(tree));
    // SAFETY: `name` is NUL-terminated and outlives the call; no security attributes.
    let raw = unsafe { CreateJobObjectW(std::ptr::null(), name.as_ptr()) };
    // SAFETY: no arguments; read at once, before another call can change it.
    let existed = unsafe { GetLastError() } == ERROR_ALREADY_EXISTS;
    let job = Handle::new(raw).ok_or_else(|| last_error("creating the job object"))?;
    if existed {
        // Someone else's job: our process must not join it (its end would end ours).
        return Err(format!("a job object named {} exists already", job_name(tree)));
    }
    let mut limits = JOBOBJECT_EXTENDED_LIMIT_INFORMATION::default();
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    // SAFETY: the pointer and size describe `limits`, of the type this information class reads.
    let set = unsafe {
        SetInformationJobObject(
            job.0,
            JobObjectExtendedLimitInformation,
            std::ptr::from_ref(&limits).cast(),
            size_of_val(&limits) as u32,
        )
    };
    if set == 0 {
        return Err(last_error("setting the job object's limits"));
    }
    // SAFETY: both handles are open; the process handle stays the child's.
    if unsafe { AssignProcessToJobObject(job.0, process) } == 0 {
        return Err(last_error("putting the process in its job object"));
    }
    Ok(job)
}

fn open_job(tree: Tree<'_>, access: u32) -> Option<Handle> {
    let name = wide(&job_name(tree));
    // SAFETY: `name` is NUL-terminated and outlives the call; the handle is owned below.
    Handle::new(unsafe { OpenJobObjectW(access, 0, name.as_ptr()) })
}

fn active_processes(job: &Handle) -> Option<u32> {
    let mut info = JOBOBJECT_BASIC_ACCOUNTING_INFORMATION::default();
    // SAFETY: the pointer and size describe `info`, of the type this information class writes.
    let asked = unsafe {
        QueryInformationJobObject(
            job.0,
            JobObjectBasicAccountingInformation,
            std::ptr::from_mut(&mut info).cast(),
            size_of_val(&info) as u32,
            std::ptr::null_mut(),
        )
    };
    (asked != 0).then_some(info.ActiveProcesses)
}

/// JOBOBJECT_BASIC_PROCESS_ID_LIST with room for more than its one declared id.
#[repr(C)]
struct ProcessIds {
    assigned: u32,
    listed: u32,
    ids: [usize; MEMBERS_LISTED],
}

/// Some of the job's processes (up to [`MEMBERS_LISTED`]).
fn job_members(job: &Handle) -> Vec<u32> {
    let mut list = ProcessIds {
        assigned: 0,
        listed: 0,
        ids: [0; MEMBERS_LISTED],
    };
    // SAFETY: the pointer and size describe `list`, laid out as the list this class writes, with room
    // for MEMBERS_LISTED ids. With more members the call fails (ERROR_MORE_DATA) yet the ids it
    // wrote, counted in `listed`, are good.
    unsafe {
        QueryInformationJobObject(
            job.0,
            JobObjectBasicProcessIdList,
            std::ptr::from_mut(&mut list).cast(),
            size_of::<ProcessIds>() as u32,
            std::ptr::null_mut(),
        )
    };
    let listed = (list.listed as usize).min(MEMBERS_LISTED);
    tracing::debug!(assigned = list.assigned, listed, "job members");
    list.ids[..listed]
        .iter()
        .filter_map(|&id| u32::try_from(id).ok())
        .collect()
}

/// Lets the suspended child run: resumes its thread, found in a snapshot of the system's threads (the
/// standard library hands out the process, not its thread).
fn resume(pid: u32) -> Result<(), String> {
    // SAFETY: no pointers; the snapshot handle is owned below.
    let snapshot = Handle::new(unsafe { CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0) })
        .ok_or_else(|| last_error("listing threads to resume the process"))?;
    let mut entry = THREADENTRY32 {
        dwSize: size_of::<THREADENTRY32>() as u32,
        ..Default::default()
    };
    let mut resumed = 0;
    // SAFETY: the snapshot is open; `entry` is a THREADENTRY32 with its size set, as the call needs.
    let mut more = unsafe { Thread32First(snapshot.0, &mut entry) } != 0;
    while more {
        if entry.th32OwnerProcessID == pid {
            // SAFETY: no pointers; the thread handle is owned below.
            let thread = Handle::new(unsafe { OpenThread(THREAD_SUSPEND_RESUME, 0, entry.th32ThreadID) });
            // SAFETY: the handle is open with THREAD_SUSPEND_RESUME access.
            if thread.is_some_and(|t| unsafe { ResumeThread(t.0) } != u32::MAX) {
                resumed += 1;
            }
        }
        // SAFETY: as for Thread32First.
        more = unsafe { Thread32Next(snapshot.0, &mut entry) } != 0;
    }
    if resumed == 0 {
        return Err(format!(
            "it was created suspended and could not be resumed: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// The owner's end of polite stops: a thread waits on the run's named stop event and, each time it is
/// set, sends CTRL_BREAK to the tree's process group. Dropping this ends the thread.
struct Listener {
    event: Arc<Handle>,
    closing: Arc<AtomicBool>,
}

fn listen(tree: Tree<'_>, job: Arc<Handle>) -> Result<Listener, String> {
    let name = wide(&stop_event_name(tree));
    // SAFETY: `name` is NUL-terminated and outlives the call; auto-reset, not set; no security
    // attributes. An event of that name left by someone is shared, which only means an extra break.
    let raw = unsafe { CreateEventW(std::ptr::null(), 0, 0, name.as_ptr()) };
    let event = Arc::new(Handle::new(raw).ok_or_else(|| last_error("creating the stop event"))?);
    let closing = Arc::new(AtomicBool::new(false));
    let (woken_by, ends, pgid) = (event.clone(), closing.clone(), tree.pgid);
    std::thread::Builder::new()
        .name(format!("envdeck-stop-{pgid}"))
        .spawn(move || {
            loop {
                // SAFETY: the event stays open while this thread holds its Arc.
                let woke = unsafe { WaitForSingleObject(woken_by.0, INFINITE) };
                if woke != WAIT_OBJECT_0 || ends.load(Ordering::Acquire) {
                    break;
                }
                if !send_break(pgid, &job) {
                    tracing::info!(
                        pgid,
                        "CTRL_BREAK could not be sent: the stop ends the job after its grace period"
                    );
                }
            }
        })
        .map_err(|e| format!("starting the stop listener failed: {e}"))?;
    Ok(Listener { event, closing })
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.closing.store(true, Ordering::Release);
        // SAFETY: the event is open (this value holds an Arc to it).
        unsafe { SetEvent(self.event.0) };
    }
}

/// Attaching to another console changes this whole process: one at a time.
static CONSOLE: Mutex<()> = Mutex::new(());

fn console() -> MutexGuard<'static, ()> {
    CONSOLE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether this process is attached to a console (the CLI is; the desktop app is not).
fn has_console() -> bool {
    let mut pids = [0u32; 1];
    // SAFETY: the buffer holds the one entry the call is told it may write.
    unsafe { GetConsoleProcessList(pids.as_mut_ptr(), 1) > 0 }
}

/// Sends CTRL_BREAK to process group `pgid`. Only a process on the tree's console can: the owner shares
/// it when it has a console of its own, and otherwise attaches to it for the moment of the call.
fn send_break(pgid: u32, job: &Handle) -> bool {
    let _console = console();
    // The leader may have ended: any process left in the job is on the tree's console.
    let members = job_members(job);
    if has_console() {
        // Only while the tree is on this console: for a group id none of its processes carries, the
        // console falls back to the group of the pid's parent, which would be EnvDeck's own.
        if !on_this_console(&members) {
            return false;
        }
        // SAFETY: no pointers.
        return unsafe { GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, pgid) } != 0;
    }
    // SAFETY: no pointers; this process has no console, so attaching takes none away.
    let attached = members.iter().any(|&pid| unsafe { AttachConsole(pid) } != 0);
    if !attached {
        return false;
    }
    // SAFETY: no pointers; the event goes to group `pgid`, which is on this console.
    let sent = unsafe { GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, pgid) } != 0;
    // SAFETY: no pointers; detaches from the console attached to just above.
    unsafe { FreeConsole() };
    sent
}

/// Whether one of `pids` is attached to this process's console.
fn on_this_console(pids: &[u32]) -> bool {
    let mut attached = [0u32; MEMBERS_LISTED];
    // SAFETY: the buffer holds the MEMBERS_LISTED entries the call is told it may write; with more
    // processes on the console it writes none and returns the count it would need.
    let count = unsafe { GetConsoleProcessList(attached.as_mut_ptr(), MEMBERS_LISTED as u32) };
    let count = (count as usize).min(MEMBERS_LISTED);
    attached[..count].iter().any(|pid| pids.contains(pid))
}

/// The stop for a run without a job: `taskkill /T` over the parent links (`/F`: by force).
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
