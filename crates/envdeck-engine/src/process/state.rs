//! The files a host process leaves in EnvDeck's state folder, so any EnvDeck process (the app, the CLI
//! in another terminal, the next run after a crash) can find it: `<key>.json` (pid, process group,
//! start time, owner) while it is up, `<key>.exit` once it ended by itself, `<key>.log` and, once that
//! grew past its limit, `<key>.log.1` (its masked output, one JSON line per line, kept until the next
//! start; see `logfile`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// One start of a host process, as recorded on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub pid: u32,
    /// The process group (Unix: the leader's pid).
    pub pgid: u32,
    /// The leader's start time, so a reused pid is never mistaken for ours.
    pub identity: Option<String>,
    /// UNIX seconds.
    pub started_at: u64,
    /// The EnvDeck process that started it and reaps it (it stops the tree when it quits).
    pub owner: u32,
    pub service: String,
    pub command: Vec<String>,
    pub cwd: PathBuf,
    pub health_url: Option<String>,
}

/// How a host process ended: by itself, or because `stop` (a `down` from any EnvDeck) asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitRecord {
    pub pid: u32,
    /// The exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    /// `stop` ended it: written before the signals, so whoever sees the end knows it was asked for.
    #[serde(default)]
    pub stopped: bool,
}

/// The state folder and the names of one environment's files in it.
#[derive(Debug, Clone)]
pub struct Files {
    /// The Environment's key (`<project>-<environment>`), which names the files.
    pub key: String,
    pub run: PathBuf,
    pub exit: PathBuf,
    pub log: PathBuf,
    /// The log's older generation, once it was rotated.
    pub previous_log: PathBuf,
}

impl Files {
    pub fn new(dir: &Path, key: &str) -> Self {
        Self {
            key: key.to_owned(),
            run: dir.join(format!("{key}.json")),
            exit: dir.join(format!("{key}.exit")),
            log: dir.join(format!("{key}.log")),
            previous_log: dir.join(format!("{key}.log.1")),
        }
    }
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> EngineError {
    EngineError::ProcessState {
        path: path.display().to_string(),
        detail: e.to_string().into(),
    }
}

/// Creates the state folder, private to this user.
pub fn ensure_dir(dir: &Path) -> Result<(), EngineError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| io_error(dir, e))?;
    }
    Ok(())
}

/// Writes through a temporary file and a rename: a reader never sees half a record.
fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), EngineError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| io_error(path, e))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| io_error(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_error(path, e))
}

/// A record that is missing is `None`; one that cannot be parsed is treated as missing too (a file
/// from an older EnvDeck, or a crash mid-write before renames were atomic), with a log line.
fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str(&text) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(file = %path.display(), "ignoring an unreadable state file: {e}");
            None
        }
    }
}

pub fn write_run(files: &Files, record: &RunRecord) -> Result<(), EngineError> {
    write_json(&files.run, record)
}

pub fn read_run(files: &Files) -> Option<RunRecord> {
    read_json(&files.run)
}

pub fn write_exit(files: &Files, record: &ExitRecord) -> Result<(), EngineError> {
    write_json(&files.exit, record)
}

/// The exit of the run `pid`, if it was recorded (an older run's record does not count).
pub fn read_exit(files: &Files, pid: u32) -> Option<ExitRecord> {
    read_json::<ExitRecord>(&files.exit).filter(|e| e.pid == pid)
}

/// Forgets the run (its output log stays until the next start).
pub fn remove_run(files: &Files) -> Result<(), EngineError> {
    // The record first, then the exit: a reader that finds the record after reading no exit knows the run
    // was not forgotten meanwhile (`envdeck-api::host::exit_code` relies on this order).
    for path in [&files.run, &files.exit] {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(path, e)),
        }
    }
    Ok(())
}

pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
