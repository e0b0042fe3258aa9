//! Wine's gap, shown without EnvDeck: a console program starts a child in a new process group on the
//! console they share, and sends it CTRL_BREAK with GenerateConsoleCtrlEvent, as EnvDeck's polite stop
//! of a host process does on Windows. On Windows the child's handler runs and it exits with 7. Under
//! Debian 12's Wine 8.0 the call returns FALSE and the child never hears of it (run by
//! scripts/windows-tests.sh; output in docs/windows.md).
//!
//! Run: `cargo build --target x86_64-pc-windows-gnu` here, then `wine target/.../ctrl-break-repro.exe`.

use std::os::windows::process::CommandExt;
use std::process::Command;
use std::time::Duration;

use windows_sys::Win32::System::Console::{
    AllocConsole, CTRL_BREAK_EVENT, FreeConsole, GenerateConsoleCtrlEvent, GetConsoleProcessList,
    SetConsoleCtrlHandler,
};
use windows_sys::Win32::System::Threading::CREATE_NEW_PROCESS_GROUP;

/// Output goes to a file: a fresh console takes over the standard handles.
fn say(line: &str) {
    use std::io::Write;
    let path = std::env::var("REPRO_LOG").unwrap_or_else(|_| "ctrl-break-repro.log".into());
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("log");
    writeln!(file, "{line}").expect("log");
}

fn console_processes() -> u32 {
    let mut pids = [0u32; 8];
    // SAFETY: the buffer holds the 8 entries the call may write.
    unsafe { GetConsoleProcessList(pids.as_mut_ptr(), 8) }
}

unsafe extern "system" fn on_break(kind: u32) -> i32 {
    say(&format!("child: got console event {kind}"));
    std::process::exit(7);
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("child") {
        // SAFETY: the handler is a function of this program, valid for its whole run.
        unsafe { SetConsoleCtrlHandler(Some(on_break), 1) };
        say(&format!("child: {} processes on its console", console_processes()));
        std::thread::sleep(Duration::from_secs(3));
        say("child: no event in 3 s");
        std::process::exit(0);
    }
    // A console of its own, whatever Wine started it with; the child inherits it.
    // SAFETY: no arguments.
    unsafe {
        FreeConsole();
        AllocConsole();
    }
    say(&format!("parent: {} processes on its console", console_processes()));
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .arg("child")
        .creation_flags(CREATE_NEW_PROCESS_GROUP)
        .spawn()
        .expect("the child starts");
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: no pointers.
    let sent = unsafe { GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, child.id()) };
    say(&format!("parent: GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, {}) returned {sent}", child.id()));
    let status = child.wait().expect("the child ends");
    say(&format!("parent: the child exited with {:?} (7: it got the break)", status.code()));
}
