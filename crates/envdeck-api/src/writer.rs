//! One writer per Environment, across processes: the app and any number of CLIs may start, stop, wipe,
//! restore and change the secrets of one environment, and two of them at once would each generate a
//! password (the database keeps one, the keychain the other). Every such operation holds the
//! environment's [`Writer`] lock for as long as it runs; a second one waits, saying who holds it (a
//! Start or Stop as a `Progress::Waiting` event, other operations through [`announce`]), and gives up
//! after a time limit with the same words.
//!
//! The lock is an OS file lock (`std::fs::File::lock`: `flock` on Unix, `LockFileEx` on Windows) on a
//! file in EnvDeck's state folder, so a holder that crashes or is killed releases it with its last
//! handle: there is no stale lock to clean. Who holds it (client, pid, operation, since when) is written
//! beside it for the message only; a lock is never judged by that file.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use envdeck_core::progress::{self, Progress, WaitingFor};

use crate::error::{ApiError, ErrorCode};

/// Overrides how long a second writer waits, in seconds (tests; a slow first pull may want more).
pub const WAIT_VAR: &str = "ENVDECK_LOCK_WAIT";
/// Long enough for a Start that pulls or builds; then the waiter says who is busy and stops.
const DEFAULT_WAIT: Duration = Duration::from_secs(600);
const POLL: Duration = Duration::from_millis(100);

/// What a writer is doing, in the words of the message a waiter shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Start,
    Stop,
    Wipe,
    Restore,
    Secrets,
}

impl Operation {
    fn doing(self) -> &'static str {
        match self {
            Operation::Start => "starting",
            Operation::Stop => "stopping",
            Operation::Wipe => "wiping",
            Operation::Restore => "restoring a backup into",
            Operation::Secrets => "changing the secrets of",
        }
    }

    /// Its name in a [`crate::reason::Reason`] (a word of the window's catalog).
    fn word(self) -> &'static str {
        match self {
            Operation::Start => "start",
            Operation::Stop => "stop",
            Operation::Wipe => "wipe",
            Operation::Restore => "restore",
            Operation::Secrets => "secrets",
        }
    }
}

/// Which EnvDeck program holds a lock, for a waiter's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Client {
    App,
    Cli,
}

impl Client {
    fn phrase(self) -> &'static str {
        match self {
            Client::App => "the EnvDeck app",
            Client::Cli => "the envdeck CLI",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Client::App => "app",
            Client::Cli => "cli",
        }
    }
}

/// Which EnvDeck program this process is, for a waiter's message ("the EnvDeck app", "the envdeck CLI").
static CLIENT: OnceLock<Client> = OnceLock::new();
/// Where the waiting message of an operation without a progress stream goes.
type WaitHook = Box<dyn Fn(&str) + Send + Sync>;

/// That an operation waits for another EnvDeck: the sentence in English, and its facts for the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub message: String,
    /// `None` for a holder that gave its pid but not which program it is (said in English only).
    pub facts: Option<WaitingFor>,
}

impl Waiting {
    /// As a Start's or a Stop's progress event.
    pub fn progress(&self) -> Progress {
        Progress::Waiting {
            message: self.message.clone(),
            facts: self.facts.clone(),
        }
    }
}
/// Set by a client that can show it (the CLI prints it to stderr); otherwise the log alone has it.
static ON_WAIT: OnceLock<WaitHook> = OnceLock::new();

/// Names this process in the lock's holder record; the first call wins.
pub fn set_client(client: Client) {
    let _ = CLIENT.set(client);
}

/// Where [`announce`] sends a waiting message (besides the log); the first call wins.
pub fn on_wait(hook: impl Fn(&str) + Send + Sync + 'static) {
    let _ = ON_WAIT.set(Box::new(hook));
}

/// Tells the person a waiting message the process's own way (see [`on_wait`]): for operations that have
/// no progress stream of their own (a secret change, a restore).
pub fn announce(waiting: &Waiting) {
    if let Some(hook) = ON_WAIT.get() {
        hook(&waiting.message);
    }
}

/// Who holds an environment's lock, as it wrote when it took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Holder {
    /// `None`: a program that did not say (a test, a library caller).
    client: Option<Client>,
    pid: u32,
    operation: Operation,
    /// Seconds since the Unix epoch.
    since: u64,
}

/// The environment's writer lock, held until dropped (or until the process ends, however it ends).
#[derive(Debug)]
pub struct Writer {
    _file: File,
}

/// Takes the writer lock of `env` of the project known to the keychain as `project_id`, waiting while
/// another operation (this process or another) holds it: at most [`WAIT_VAR`] seconds (10 minutes by
/// default), then an error naming the holder. `on_wait` hears once that it waits, and for whom.
pub async fn lock(
    project_id: &str,
    env: &str,
    operation: Operation,
    on_wait: impl Fn(&Waiting),
) -> Result<Writer, ApiError> {
    lock_in(&folder()?, project_id, env, operation, wait_limit(), on_wait).await
}

async fn lock_in(
    dir: &Path,
    project_id: &str,
    env: &str,
    operation: Operation,
    limit: Duration,
    on_wait: impl Fn(&Waiting),
) -> Result<Writer, ApiError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error("creating", dir, &e))?;
    let (lock_path, holder_path) = paths(dir, project_id, env);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| io_error("opening", &lock_path, &e))?;
    let started = tokio::time::Instant::now();
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(io_error("locking", &lock_path, &e)),
        }
        let (holder, at) = (holder(&holder_path), now());
        let busy = busy_message(env, holder.as_ref(), at);
        if started.elapsed() >= limit {
            return Err(gave_up(env, &busy, holder.as_ref(), limit.as_secs(), at));
        }
        if !told {
            told = true;
            let waiting = waiting(env, &busy, holder.as_ref(), limit.as_secs(), at);
            tracing::info!(environment = env, "{}", waiting.message);
            on_wait(&waiting);
        }
        tokio::time::sleep(POLL).await;
    }
    record_holder(&holder_path, operation);
    Ok(Writer { _file: file })
}

/// The lock file and its holder record.
fn paths(dir: &Path, project_id: &str, env: &str) -> (PathBuf, PathBuf) {
    let stem = crate::folders::environment_stem(project_id, env);
    (
        dir.join(format!("{stem}.lock")),
        dir.join(format!("{stem}.holder")),
    )
}

/// The holder's record, when it wrote one that can be read (one from another version cannot).
fn holder(holder_path: &Path) -> Option<Holder> {
    let bytes = std::fs::read(holder_path).ok()?;
    serde_json::from_slice::<Holder>(&bytes).ok()
}

/// "local is busy: the envdeck CLI (pid 4242) has been starting it for 12 s".
fn busy_message(env: &str, holder: Option<&Holder>, at: u64) -> String {
    match holder {
        Some(h) => format!(
            "{env} is busy: {} (pid {}) has been {} it for {} s",
            h.client.map_or("another EnvDeck", Client::phrase),
            h.pid,
            h.operation.doing(),
            at.saturating_sub(h.since)
        ),
        None => format!("{env} is busy: another EnvDeck is changing it"),
    }
}

/// The holder as the window's facts; `None` for one that gave its pid but not which program it is
/// (said in English only).
fn named(holder: &Holder, at: u64) -> Option<progress::Holder> {
    Some(progress::Holder {
        client: holder.client?.word().to_owned(),
        pid: holder.pid,
        operation: holder.operation.word().to_owned(),
        seconds: at.saturating_sub(holder.since),
    })
}

/// That a waiter waits (up to `limit` seconds), with its facts for the window.
fn waiting(env: &str, busy: &str, holder: Option<&Holder>, limit: u64, at: u64) -> Waiting {
    let env = env.to_owned();
    let facts = match holder {
        Some(holder) => named(holder, at).map(|holder| WaitingFor::Waiting { env, holder, limit }),
        None => Some(WaitingFor::WaitingUnknown { env, limit }),
    };
    Waiting {
        message: format!("{busy}; waiting for it to finish (up to {limit} s)"),
        facts,
    }
}

/// The error of a waiter that waited `waited` seconds, with its facts for the window when the holder is
/// known by name.
fn gave_up(env: &str, busy: &str, holder: Option<&Holder>, waited: u64, at: u64) -> ApiError {
    let message = format!(
        "{busy}; waited {waited} s and gave up, nothing was changed. Try again when it has finished \
         ({WAIT_VAR} sets how long to wait)"
    );
    let (env, var) = (env.to_owned(), WAIT_VAR.to_owned());
    let reason = match holder {
        Some(holder) => named(holder, at).map(|holder| crate::reason::Reason::Busy {
            env,
            holder,
            waited,
            var,
        }),
        None => Some(crate::reason::Reason::BusyUnknown { env, waited, var }),
    };
    ApiError {
        reason,
        ..ApiError::new(ErrorCode::Busy, message)
    }
}

/// One waiting notice of each kind, as `{message, reason}` for the window's catalog test (`reason::tests`):
/// the window words their facts as it words a reason.
#[cfg(test)]
pub(crate) fn waiting_samples() -> Vec<serde_json::Value> {
    let holder = Holder {
        client: Some(Client::Cli),
        pid: 4242,
        operation: Operation::Start,
        since: 1_000,
    };
    [Some(&holder), None]
        .into_iter()
        .map(|h| {
            let waiting = waiting("local", &busy_message("local", h, 1_003), h, 600, 1_003);
            serde_json::json!({ "code": "busy", "message": waiting.message, "reason": waiting.facts })
        })
        .collect()
}

/// One error of each "busy" kind, for the window's catalog test (`reason::tests`).
#[cfg(test)]
pub(crate) fn busy_samples() -> Vec<ApiError> {
    let holder = Holder {
        client: Some(Client::App),
        pid: 4242,
        operation: Operation::Restore,
        since: 1_000,
    };
    let known = busy_message("local", Some(&holder), 1_012);
    let unknown = busy_message("local", None, 1_012);
    vec![
        gave_up("local", &known, Some(&holder), 600, 1_012),
        gave_up("local", &unknown, None, 600, 1_012),
    ]
}

/// Best effort: the record only words a waiter's message, so failing to write it costs nothing else.
fn record_holder(path: &Path, operation: Operation) {
    let holder = Holder {
        client: CLIENT.get().copied(),
        pid: std::process::id(),
        operation,
        since: now(),
    };
    let write = || -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer(&mut file, &holder)?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    };
    if let Err(e) = write() {
        tracing::debug!("the lock's holder record {} was not written: {e}", path.display());
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn wait_limit() -> Duration {
    std::env::var(WAIT_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(DEFAULT_WAIT, Duration::from_secs)
}

/// `locks` beside the host-process records in EnvDeck's state folder.
fn folder() -> Result<PathBuf, ApiError> {
    crate::folders::state_folder("locks")
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("{what} the lock {} failed: {e}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    async fn take(
        dir: &Path,
        project: &str,
        env: &str,
        op: Operation,
        limit: Duration,
    ) -> Result<Writer, ApiError> {
        lock_in(dir, project, env, op, limit, |_| {}).await
    }

    #[tokio::test]
    async fn a_second_writer_waits_for_the_first_says_so_once_and_then_proceeds() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = take(
            dir.path(),
            "p1",
            "local",
            Operation::Start,
            Duration::from_secs(5),
        )
        .await
        .expect("the first takes it");
        let heard = Arc::new(Mutex::new(Vec::<String>::new()));
        let second = tokio::spawn({
            let (dir, heard) = (dir.path().to_owned(), heard.clone());
            async move {
                let on_wait = move |w: &Waiting| heard.lock().expect("not poisoned").push(w.message.clone());
                lock_in(
                    &dir,
                    "p1",
                    "local",
                    Operation::Secrets,
                    Duration::from_secs(5),
                    on_wait,
                )
                .await
            }
        });
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(!second.is_finished(), "the second waits while the first holds it");
        drop(first);
        let taken = tokio::time::timeout(Duration::from_secs(2), second).await;
        assert!(
            matches!(taken, Ok(Ok(Ok(_)))),
            "the second takes it once the first is dropped"
        );
        let heard = heard.lock().expect("not poisoned");
        assert_eq!(heard.len(), 1, "told once: {heard:?}");
        assert!(
            heard[0].starts_with("local is busy") && heard[0].contains("starting it"),
            "{heard:?}"
        );
    }

    #[tokio::test]
    async fn a_waiter_gives_up_after_the_limit_naming_the_holder() {
        let dir = tempfile::tempdir().expect("temp dir");
        set_client(Client::Cli);
        let _first = take(
            dir.path(),
            "p1",
            "local",
            Operation::Start,
            Duration::from_secs(5),
        )
        .await
        .expect("the first takes it");
        let err = take(
            dir.path(),
            "p1",
            "local",
            Operation::Stop,
            Duration::from_millis(300),
        )
        .await
        .expect_err("the second gives up");
        assert_eq!(err.code, ErrorCode::Busy);
        let pid = std::process::id().to_string();
        assert!(
            err.message.contains("local is busy")
                && err.message.contains(&pid)
                && err.message.contains("starting")
                && err.message.contains(WAIT_VAR),
            "{}",
            err.message
        );
    }

    #[tokio::test]
    async fn other_environments_and_projects_do_not_wait() {
        let dir = tempfile::tempdir().expect("temp dir");
        let _held = take(
            dir.path(),
            "p1",
            "local",
            Operation::Start,
            Duration::from_secs(5),
        )
        .await
        .expect("taken");
        for (project, env) in [("p1", "dev"), ("p2", "local")] {
            take(dir.path(), project, env, Operation::Start, Duration::ZERO)
                .await
                .unwrap_or_else(|e| panic!("{project}/{env} is free: {}", e.message));
        }
    }

    #[test]
    fn lock_names_stay_in_their_folder() {
        let dir = Path::new("/state/locks");
        let (lock, holder) = paths(dir, "../../x", "../../etc/passwd");
        assert_eq!(lock.parent(), Some(dir));
        assert_eq!(holder.parent(), Some(dir));
        assert_ne!(paths(dir, "a", "b-c").0, paths(dir, "a-b", "c").0);
    }
}
