//! Host processes: an Environment that runs a command on this machine instead of Docker (the sample's
//! `sqlite`: `uvicorn src.main:app --reload`). Its program is looked up first (a missing interpreter
//! is a sentence, not a crash); it starts in its own process group so its whole tree stops together;
//! its output is masked into a log file; it is healthy once its `health_url` answers; and a state file
//! records its pid, group and start time so another EnvDeck process can show and stop it.
//!
//! The EnvDeck process that starts it owns it: a task reaps it and records how it ended. The desktop
//! stops what it owns when it quits ([`stop_owned`]); the CLI's `up` stays in the foreground.
//! Progress uses the Docker flow's Steps: `CheckPorts`, `Service` (spawned), `Ready` (health).

mod health;
mod logfile;
mod output;
mod program;
pub mod state;
mod task;
mod tree;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use envdeck_core::plan::{Plan, Step};
use envdeck_core::progress::{Health, Outcome, Progress};
use envdeck_core::secret::Masker;
use futures_util::stream::{self, BoxStream, StreamExt};
use tokio::sync::{mpsc, watch};

use crate::error::{EngineError, Failure};
use crate::stack::{Sink, UpReport};
use crate::status::{Change, LogLine, LogOptions, OutputStream, PublishedPort, ServiceEvent, ServiceStatus};
pub use program::{Install, install_hint};
pub use state::{ExitRecord, Files, RunRecord};
pub use task::run_to_end;
pub use tree::kill_now;

/// One host-process Environment, ready to run.
#[derive(Clone)]
pub struct HostSpec {
    /// Names its files in the state folder: the Environment's stack name (`<project>-<environment>`).
    pub key: String,
    /// What the timeline, `ps` and the logs call it (the program: `uvicorn`).
    pub service: String,
    pub command: Vec<String>,
    pub cwd: PathBuf,
    /// Added to the inherited environment, last wins. Carries secret values: never printed.
    pub env: Vec<(String, String)>,
    pub health_url: Option<String>,
}

impl std::fmt::Debug for HostSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostSpec")
            .field("key", &self.key)
            .field("service", &self.service)
            .field("command", &self.command)
            .field("cwd", &self.cwd)
            .field("env", &self.env.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("health_url", &self.health_url)
            .finish()
    }
}

/// How long a start may take to become healthy, and how long a stopping tree gets after SIGTERM.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub startup: Duration,
    pub grace: Duration,
}

impl Default for Timing {
    /// Two minutes to start (a first `poetry run` may install), ten seconds to stop (as `docker stop`).
    fn default() -> Self {
        Self {
            startup: Duration::from_secs(120),
            grace: Duration::from_secs(10),
        }
    }
}

/// Ready without a health URL once the process has run this long.
const NO_HEALTH_SETTLE: Duration = Duration::from_secs(1);
/// How long the output of an exited process may take to drain once its group is gone.
const DRAIN: Duration = Duration::from_millis(500);

/// The processes this EnvDeck process started and reaps, by key.
static OWNED: LazyLock<Mutex<HashMap<String, Owned>>> = LazyLock::new(Default::default);

#[derive(Debug, Clone)]
struct Owned {
    pid: u32,
    exited: watch::Receiver<Option<ExitRecord>>,
}

fn owned() -> std::sync::MutexGuard<'static, HashMap<String, Owned>> {
    OWNED.lock().unwrap_or_else(|p| p.into_inner())
}

/// The PATH the process will see: its own `env` first, then EnvDeck's.
fn path_of(spec: &HostSpec) -> Option<OsString> {
    spec.env
        .iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| OsString::from(v))
        .or_else(|| std::env::var_os("PATH"))
}

/// Checks that the working folder exists and the program is installed; returns the program's path.
pub fn check_program(spec: &HostSpec) -> Result<PathBuf, EngineError> {
    let program = spec.command.first().ok_or_else(|| EngineError::Spawn {
        program: String::new(),
        detail: "the command is empty".into(),
    })?;
    if !spec.cwd.is_dir() {
        return Err(EngineError::WorkingDirMissing {
            dir: spec.cwd.display().to_string(),
        });
    }
    program::find(program, &spec.cwd, path_of(spec).as_ref()).ok_or_else(|| EngineError::ProgramNotFound {
        program: program.clone(),
        hint: install_hint(program, &spec.cwd),
    })
}

/// Where any EnvDeck process finds the run's tree again.
fn tree_of<'a>(key: &'a str, run: &RunRecord) -> tree::Tree<'a> {
    tree::Tree { key, pgid: run.pgid }
}

fn container_of(pid: u32) -> String {
    format!("pid {pid}")
}

fn plan_of(spec: &HostSpec) -> Plan {
    Plan {
        project: spec.key.clone(),
        steps: vec![
            Step::CheckPorts,
            Step::Service {
                service: spec.service.clone(),
            },
            Step::Ready {
                service: spec.service.clone(),
            },
        ],
        levels: vec![vec![spec.service.clone()]],
    }
}

/// The run recorded for `key` and whether it still runs (a reused pid counts as not running).
pub fn status(dir: &Path, key: &str) -> Option<(RunRecord, bool)> {
    let files = Files::new(dir, key);
    let run = state::read_run(&files)?;
    let running = tree::liveness(tree_of(key, &run), run.identity.as_deref()) == tree::Liveness::Running;
    Some((run, running))
}

/// How the run `pid` ended, when it ended by itself and its owner recorded it.
pub fn read_exit(dir: &Path, key: &str, pid: u32) -> Option<ExitRecord> {
    state::read_exit(&Files::new(dir, key), pid)
}

/// Starts the Environment's process and waits until it is healthy. Already running: `Unchanged`.
/// A failed start (early exit, no answer in time) stops the tree and reports its last output lines.
pub async fn start(
    spec: &HostSpec,
    dir: &Path,
    masker: Masker,
    timing: Timing,
    sink: Sink,
) -> Result<UpReport, EngineError> {
    let service = spec.service.clone();
    let client = health::client();
    // Already up (started by this or another EnvDeck process, maybe with another PATH): nothing to do.
    if let Some((run, true)) = status(dir, &spec.key) {
        return already_running(spec, &run, client.as_ref(), &sink).await;
    }
    let program = check_program(spec)?;
    state::ensure_dir(dir)?;
    let files = Files::new(dir, &spec.key);
    // A record of a run that ended (or whose pid was reused) is history: forget it.
    state::remove_run(&files)?;

    run_step(&sink, Step::CheckPorts, async {
        match spec.health_url.as_deref().and_then(health::local_port) {
            Some((host, port)) if health::port_answers(&host, port).await => {
                Err(EngineError::HostPortTaken {
                    service: service.clone(),
                    url: spec.health_url.clone().unwrap_or_default(),
                    port,
                })
            }
            _ => Ok(Outcome::Unchanged),
        }
    })
    .await?;

    let service_step = Step::Service {
        service: service.clone(),
    };
    let started = run_step(&sink, service_step, spawn(spec, &program, &files, masker)).await;
    let (run, exited, recent) = match started {
        Ok(outcome) => outcome,
        Err(e) => return Err(e),
    };

    let ready = Step::Ready {
        service: service.clone(),
    };
    sink(Progress::StepStarted { step: ready.clone() });
    match wait_ready(spec, &run, exited, &recent, client.as_ref(), timing, &sink).await {
        Ok(()) => {
            sink(Progress::StepFinished {
                step: ready,
                outcome: Outcome::Ready,
            });
            Ok(UpReport {
                plan: plan_of(spec),
                services: vec![(service, Outcome::Started)],
            })
        }
        Err(e) => {
            sink(Progress::StepFailed {
                step: ready,
                message: e.to_string(),
            });
            // Nothing half-started stays behind a failed start.
            if let Err(stop) = tree::terminate(tree_of(&spec.key, &run), timing.grace).await {
                tracing::warn!("stopping {service} after a failed start: {stop}");
            }
            let _ = state::remove_run(&files);
            owned().remove(&spec.key);
            Err(e)
        }
    }
}

/// Reports a run that is already up: nothing started, health checked once.
async fn already_running(
    spec: &HostSpec,
    run: &RunRecord,
    client: Option<&reqwest::Client>,
    sink: &Sink,
) -> Result<UpReport, EngineError> {
    let service = spec.service.clone();
    for step in [
        Step::Service {
            service: service.clone(),
        },
        Step::Ready {
            service: service.clone(),
        },
    ] {
        sink(Progress::StepStarted { step: step.clone() });
        let probe = match (&step, &run.health_url, client) {
            (Step::Ready { .. }, Some(url), Some(client)) => Some((url, client)),
            _ => None,
        };
        if let Some((url, client)) = probe {
            let health = if health::healthy(client, url).await {
                Health::Healthy
            } else {
                Health::Unhealthy
            };
            sink(Progress::Health {
                service: service.clone(),
                container: container_of(run.pid),
                health,
            });
        }
        sink(Progress::StepFinished {
            step,
            outcome: Outcome::Unchanged,
        });
    }
    Ok(UpReport {
        plan: plan_of(spec),
        services: vec![(service, Outcome::Unchanged)],
    })
}

async fn run_step<T>(
    sink: &Sink,
    step: Step,
    work: impl Future<Output = Result<T, EngineError>>,
) -> Result<T, EngineError>
where
    T: StepOutcome,
{
    sink(Progress::StepStarted { step: step.clone() });
    match work.await {
        Ok(value) => {
            sink(Progress::StepFinished {
                step,
                outcome: value.outcome(),
            });
            Ok(value)
        }
        Err(e) => {
            sink(Progress::StepFailed {
                step,
                message: e.to_string(),
            });
            Err(e)
        }
    }
}

trait StepOutcome {
    fn outcome(&self) -> Outcome;
}

impl StepOutcome for Outcome {
    fn outcome(&self) -> Outcome {
        *self
    }
}

type Spawned = (RunRecord, watch::Receiver<Option<ExitRecord>>, output::Recent);

impl StepOutcome for Spawned {
    fn outcome(&self) -> Outcome {
        Outcome::Started
    }
}

/// Spawns the process as its own group's leader, records it, and starts the tasks that read its output
/// and reap it.
async fn spawn(
    spec: &HostSpec,
    program: &Path,
    files: &Files,
    masker: Masker,
) -> Result<Spawned, EngineError> {
    let log = logfile::Writer::create(files, logfile::MAX_BYTES)?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(&spec.command[1..])
        .current_dir(&spec.cwd)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    // Python buffers a pipe's output in blocks: the logs view would stay empty for minutes.
    if std::env::var_os("PYTHONUNBUFFERED").is_none() {
        cmd.env("PYTHONUNBUFFERED", "1");
    }
    cmd.envs(spec.env.iter().map(|(k, v)| (k, v)));
    tree::configure(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => EngineError::ProgramNotFound {
            program: spec.command[0].clone(),
            hint: install_hint(&spec.command[0], &spec.cwd),
        },
        _ => EngineError::Spawn {
            program: spec.command[0].clone(),
            detail: e.to_string().into(),
        },
    })?;
    let Some(pid) = child.id() else {
        return Err(EngineError::Spawn {
            program: spec.command[0].clone(),
            detail: "it ended before its pid could be read".into(),
        });
    };
    let hold = match tree::adopt(&spec.key, &child) {
        Ok(hold) => hold,
        Err(detail) => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            return Err(EngineError::Spawn {
                program: spec.command[0].clone(),
                detail: detail.into(),
            });
        }
    };
    let run = RunRecord {
        pid,
        pgid: pid,
        identity: tree::identity(pid),
        started_at: state::now_unix(),
        owner: std::process::id(),
        service: spec.service.clone(),
        command: spec.command.clone(),
        cwd: spec.cwd.clone(),
        health_url: spec.health_url.clone(),
    };
    if let Err(e) = state::write_run(files, &run) {
        tree::kill_now(&spec.key, pid);
        let _ = child.wait().await;
        return Err(e);
    }
    tracing::info!(service = %spec.service, pid, "host process started");

    let (tx, rx) = mpsc::unbounded_channel();
    let recent = output::Recent::default();
    let readers = [
        child.stdout.take().map(|out| {
            tokio::spawn(output::pump(
                out,
                OutputStream::Stdout,
                masker.clone(),
                tx.clone(),
            ))
        }),
        child
            .stderr
            .take()
            .map(|err| tokio::spawn(output::pump(err, OutputStream::Stderr, masker, tx))),
    ];
    let recorder = tokio::spawn(output::record(
        log,
        pid,
        spec.service.clone(),
        container_of(pid),
        recent.clone(),
        rx,
    ));

    let (exit_tx, exit_rx) = watch::channel(None);
    owned().insert(
        spec.key.clone(),
        Owned {
            pid,
            exited: exit_rx.clone(),
        },
    );
    let (key, reaper_files, service) = (spec.key.clone(), files.clone(), spec.service.clone());
    tokio::spawn(async move {
        // Held for as long as this task runs, i.e. until the tree is gone and its output is in (Windows:
        // closing the job also ends whatever might still be in it).
        let _hold = hold;
        let status = child.wait().await;
        let code = status.as_ref().ok().and_then(|s| s.code());
        tracing::info!(service = %service, pid, ?code, "host process exited");
        // A `stop` in progress said so first: the end keeps that mark.
        let stopped = state::read_exit(&reaper_files, pid).is_some_and(|e| e.stopped);
        let record = ExitRecord { pid, code, stopped };
        // Only while the record is still this run's: `stop` removes it, a new start replaces it.
        if state::read_run(&reaper_files).is_some_and(|r| r.pid == pid) {
            let _ = state::write_exit(&reaper_files, &record);
        }
        // The leader is gone: children it left behind must not outlive the Environment.
        let tree = tree::Tree { key: &key, pgid: pid };
        if let Err(e) = tree::terminate(tree, Timing::default().grace).await {
            tracing::warn!(service = %service, "children of an exited host process: {e}");
        }
        // Its pipes close once the whole group is gone, and the log then has every line; a process
        // that left the group (a daemon) may hold them open: it gets a moment, not forever.
        for reader in readers.into_iter().flatten() {
            let abort = reader.abort_handle();
            if tokio::time::timeout(DRAIN, reader).await.is_err() {
                abort.abort();
            }
        }
        let _ = recorder.await;
        let _ = exit_tx.send(Some(record));
        let mut owned = owned();
        if owned.get(&key).is_some_and(|o| o.pid == pid) {
            owned.remove(&key);
        }
    });
    Ok((run, exit_rx, recent))
}

/// Polls the health URL with backoff until it answers 2xx, the process exits, or time runs out.
async fn wait_ready(
    spec: &HostSpec,
    run: &RunRecord,
    mut exited: watch::Receiver<Option<ExitRecord>>,
    recent: &output::Recent,
    client: Option<&reqwest::Client>,
    timing: Timing,
    sink: &Sink,
) -> Result<(), EngineError> {
    let service = spec.service.clone();
    let container = container_of(run.pid);
    let health = |health| Progress::Health {
        service: service.clone(),
        container: container.clone(),
        health,
    };
    let failed = |why: Failure| EngineError::ServiceFailed {
        service: service.clone(),
        why,
        logs: recent.text(),
    };
    let exit_reason = |record: Option<ExitRecord>, url: Option<&str>| {
        let code = record.and_then(|r| r.code);
        match (code, url) {
            (Some(code), Some(url)) => Failure::ExitedBeforeAnswer {
                code,
                url: url.to_owned(),
            },
            (None, Some(url)) => Failure::SignalledBeforeAnswer { url: url.to_owned() },
            (Some(code), None) => Failure::ExitedAtOnce { code },
            (None, None) => Failure::SignalledAtOnce,
        }
    };
    let deadline = Instant::now() + timing.startup;
    let Some(url) = spec.health_url.as_deref() else {
        let ended = tokio::time::timeout(NO_HEALTH_SETTLE, exited.wait_for(Option::is_some))
            .await
            .is_ok();
        if ended {
            let record = *exited.borrow();
            return Err(failed(exit_reason(record, None)));
        }
        sink(health(Health::None));
        return Ok(());
    };
    let client = client.ok_or_else(|| failed(Failure::Unchecked))?;
    sink(health(Health::Starting));
    let mut waits = health::backoff();
    loop {
        if exited.borrow().is_some() {
            let record = *exited.borrow();
            return Err(failed(exit_reason(record, Some(url))));
        }
        if health::healthy(client, url).await {
            sink(health(Health::Healthy));
            return Ok(());
        }
        if Instant::now() >= deadline {
            sink(health(Health::Unhealthy));
            return Err(failed(Failure::NoAnswer {
                url: url.to_owned(),
                seconds: timing.startup.as_secs(),
            }));
        }
        let wait = waits.next().unwrap_or(Duration::from_secs(1));
        // An exit ends the wait at once; the reaper reports it once the output is in the log.
        let _ = tokio::time::timeout(wait, exited.wait_for(Option::is_some)).await;
    }
}

/// What `stop` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    pub service: String,
    pub pid: u32,
    /// `false` when the record was stale (the process had ended, or its pid belongs to another program
    /// now): nothing was signalled.
    pub was_running: bool,
}

/// Stops the Environment's whole process tree (SIGTERM, then SIGKILL after `grace`) and forgets the run.
/// A pid that now belongs to another program is never signalled. `None`: nothing was recorded.
pub async fn stop(
    dir: &Path,
    key: &str,
    grace: Duration,
    sink: Sink,
) -> Result<Option<Stopped>, EngineError> {
    let files = Files::new(dir, key);
    let Some(run) = state::read_run(&files) else {
        return Ok(None);
    };
    let step = Step::Service {
        service: run.service.clone(),
    };
    sink(Progress::StepStarted { step: step.clone() });
    let liveness = tree::liveness(tree_of(key, &run), run.identity.as_deref());
    let was_running = liveness == tree::Liveness::Running;
    if liveness == tree::Liveness::Reused {
        tracing::info!(
            pid = run.pid,
            "the recorded pid belongs to another program now: not signalled"
        );
    }
    let terminated = if was_running {
        // Before any signal: whoever watches this run (a foreground `envdeck up`) learns it was asked to end.
        let asked = ExitRecord {
            pid: run.pid,
            code: None,
            stopped: true,
        };
        let _ = state::write_exit(&files, &asked);
        tree::terminate(tree_of(key, &run), grace).await
    } else {
        Ok(())
    };
    if let Err(detail) = terminated {
        let e = EngineError::StopProcess {
            service: run.service.clone(),
            detail: detail.into(),
        };
        sink(Progress::StepFailed {
            step,
            message: e.to_string(),
        });
        return Err(e);
    }
    state::remove_run(&files)?;
    let ours = owned().get(key).filter(|o| o.pid == run.pid).cloned();
    if let Some(mut o) = ours {
        // Our reaper has then collected the exit status and the last output lines.
        let _ = tokio::time::timeout(Duration::from_secs(2), o.exited.wait_for(Option::is_some)).await;
    }
    sink(Progress::StepFinished {
        step,
        outcome: if was_running {
            Outcome::Stopped
        } else {
            Outcome::Removed
        },
    });
    tracing::info!(service = %run.service, pid = run.pid, was_running, "host process stopped");
    Ok(Some(Stopped {
        service: run.service,
        pid: run.pid,
        was_running,
    }))
}

/// Stops every process this EnvDeck process started (the desktop app, when it quits).
pub async fn stop_owned(dir: &Path, grace: Duration) -> Vec<String> {
    let keys: Vec<String> = owned().keys().cloned().collect();
    let mut stopped = Vec::new();
    for key in keys {
        match stop(dir, &key, grace, std::sync::Arc::new(|_| {})).await {
            Ok(_) => stopped.push(key),
            Err(e) => tracing::error!(key, "stopping a host process on quit failed: {e}"),
        }
    }
    stopped
}

/// `ps` of a host-process Environment: one row (running, or exited until `stop` forgets it), its
/// health asked from the health URL now, and the health URL's port as its published port.
pub async fn ps(dir: &Path, key: &str) -> Vec<ServiceStatus> {
    let Some((run, running)) = status(dir, key) else {
        return Vec::new();
    };
    let health = match (&run.health_url, running) {
        (Some(url), true) => match health::client() {
            Some(client) if health::healthy(&client, url).await => Health::Healthy,
            _ => Health::Unhealthy,
        },
        _ => Health::None,
    };
    vec![row(&run, running, health)]
}

fn row(run: &RunRecord, running: bool, health: Health) -> ServiceStatus {
    let ports = run
        .health_url
        .as_deref()
        .and_then(health::local_port)
        .map(|(host, port)| PublishedPort {
            host_ip: if host == "localhost" {
                "127.0.0.1".into()
            } else {
                host
            },
            host_port: port,
            container_port: port,
            protocol: "tcp".into(),
        })
        .into_iter()
        .collect();
    ServiceStatus {
        service: run.service.clone(),
        id: run.pid.to_string(),
        container: container_of(run.pid),
        number: 1,
        state: if running { "running" } else { "exited" }.into(),
        health,
        ports,
    }
}

/// The run's output lines (masked when written), and with `follow` new ones until the run ends.
pub fn logs(dir: &Path, key: &str, options: LogOptions) -> BoxStream<'static, Result<LogLine, EngineError>> {
    logfile::read(Files::new(dir, key), options)
}

/// State and health changes of the host process, for the service cards: started, exited (with its code),
/// healthy or not. Looked at every half second (the state file may be another process's).
pub fn events(dir: &Path, key: &str) -> BoxStream<'static, Result<ServiceEvent, EngineError>> {
    const EVERY: Duration = Duration::from_millis(500);
    const HEALTH_EVERY: u32 = 4;
    struct Seen {
        dir: PathBuf,
        key: String,
        /// The run last seen: pid, running, service name.
        run: Option<(u32, bool, String)>,
        health: Option<Health>,
        tick: u32,
        client: Option<reqwest::Client>,
        pending: Vec<ServiceEvent>,
    }
    let seen = Seen {
        dir: dir.to_path_buf(),
        key: key.to_owned(),
        run: status(dir, key).map(|(r, running)| (r.pid, running, r.service)),
        health: None,
        tick: 0,
        client: health::client(),
        pending: Vec::new(),
    };
    stream::unfold(seen, |mut s| async move {
        loop {
            if let Some(event) = s.pending.pop() {
                return Some((Ok(event), s));
            }
            tokio::time::sleep(EVERY).await;
            s.tick += 1;
            let now = status(&s.dir, &s.key);
            let event = |run: &RunRecord, change| ServiceEvent {
                service: run.service.clone(),
                container: container_of(run.pid),
                change,
            };
            let before = s.run.as_ref().map(|(pid, running, _)| (*pid, *running));
            match (&now, &s.run) {
                (Some((run, running)), _) if before != Some((run.pid, *running)) => {
                    let change = if *running {
                        Change::Started
                    } else {
                        let files = Files::new(&s.dir, &s.key);
                        Change::Died {
                            exit_code: state::read_exit(&files, run.pid)
                                .and_then(|e| e.code)
                                .map(i64::from),
                        }
                    };
                    s.pending.push(event(run, change));
                    s.health = None;
                }
                (None, Some((pid, _, service))) => s.pending.push(ServiceEvent {
                    service: service.clone(),
                    container: container_of(*pid),
                    change: Change::Removed,
                }),
                _ => {}
            }
            s.run = now
                .as_ref()
                .map(|(r, running)| (r.pid, *running, r.service.clone()));
            let probe = match (&now, &s.client) {
                (Some((run, true)), Some(client)) if s.tick % HEALTH_EVERY == 0 => {
                    run.health_url.clone().map(|url| (run, url, client))
                }
                _ => None,
            };
            if let Some((run, url, client)) = probe {
                let health = if health::healthy(client, &url).await {
                    Health::Healthy
                } else {
                    Health::Unhealthy
                };
                if s.health != Some(health) {
                    s.health = Some(health);
                    s.pending.insert(0, event(run, Change::Health { health }));
                }
            }
        }
    })
    .boxed()
}
