//! Readiness: waiting until a Service is started, healthy or completed, as `depends_on` asks. Woken by
//! Docker's events (health_status, die) and by EnvDeck's own run of a starting Service's healthcheck
//! test (`probe`), never by a sleep loop; failures carry the container's last logs, and say "out of
//! memory" when the kernel killed the container for its memory limit.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use bollard::Docker;
use bollard::models::{ContainerStateStatusEnum, HealthStatusEnum};
use bollard::query_parameters::InspectContainerOptions;
use envdeck_core::compose::Condition;
use envdeck_core::progress::{Health, Progress};
use futures_util::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::{EngineError, Failure, detail};
use crate::events;
use crate::labels::StackId;
use crate::logs;
use crate::stack::Sink;
use crate::stack::probe::{self, Test};
use crate::status::Change;

/// A container restarting this many times while we wait is crash-looping.
const CRASH_LOOP_RESTARTS: i64 = 3;
/// How many log lines a failure message carries.
const FAILURE_LOG_LINES: u32 = 20;
/// How long an exit by SIGKILL (137) waits for Docker to say whether it was the OOM killer.
const OOM_REPORT_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Listens to the stack's events for the duration of one `up`; every container event bumps a counter
/// that waiters watch. Dropping it stops the listener (an `up` that is cancelled leaves nothing running).
pub(crate) struct Pulse {
    docker: Docker,
    sink: Sink,
    tick: watch::Receiver<u64>,
    bump: Arc<watch::Sender<u64>>,
    task: JoinHandle<()>,
    /// Containers Docker reported an `oom` event for during this `up`: a crash-looping container is
    /// running again (its OOMKilled flag reset) by the time we inspect it, the event stays.
    oom_killed: Arc<Mutex<HashSet<String>>>,
    /// One probe per starting container with a healthcheck, however many dependents wait on it; each
    /// ends at its test's first pass, and with the `up`.
    probes: Mutex<HashMap<String, JoinHandle<()>>>,
    /// Containers whose test passed during this `up`.
    checked: Arc<Mutex<HashSet<String>>>,
}

impl Drop for Pulse {
    fn drop(&mut self) {
        self.task.abort();
        if let Ok(probes) = self.probes.lock() {
            probes.values().for_each(JoinHandle::abort);
        }
    }
}

impl Pulse {
    pub(crate) fn start(docker: &Docker, project: &StackId, sink: Sink) -> Self {
        let (tx, tick) = watch::channel(0u64);
        let bump = Arc::new(tx);
        let tx = bump.clone();
        let events_sink = sink.clone();
        let mut stream = Box::pin(events::watch(docker.clone(), project.clone()));
        let oom_killed = Arc::new(Mutex::new(HashSet::new()));
        let seen = oom_killed.clone();
        let task = tokio::spawn(async move {
            while let Some(item) = stream.next().await {
                if let Ok(event) = item {
                    match event.change {
                        Change::Health { health } => events_sink(Progress::Health {
                            service: event.service,
                            container: event.container,
                            health,
                        }),
                        Change::Other { action } if action == "oom" => {
                            if let Ok(mut set) = seen.lock() {
                                set.insert(event.container);
                            }
                        }
                        _ => {}
                    }
                }
                tx.send_modify(|n| *n += 1);
            }
        });
        Self {
            docker: docker.clone(),
            sink,
            tick,
            bump,
            task,
            oom_killed,
            probes: Mutex::new(HashMap::new()),
            checked: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// Runs `test` in `container` until it first passes (once per container), then says so and wakes
    /// the waiters.
    fn probe(&self, service: &str, container: &str, id: &str, test: Test) {
        let Ok(mut probes) = self.probes.lock() else {
            return;
        };
        if probes.contains_key(container) {
            return;
        }
        let (docker, sink, bump, checked) = (
            self.docker.clone(),
            self.sink.clone(),
            self.bump.clone(),
            self.checked.clone(),
        );
        let (service, name, id) = (service.to_owned(), container.to_owned(), id.to_owned());
        let task = tokio::spawn(async move {
            if !probe::until_passed(&docker, &id, &test).await {
                return;
            }
            probe::record(&id);
            if let Ok(mut set) = checked.lock() {
                set.insert(name.clone());
            }
            sink(Progress::Health {
                service,
                container: name,
                health: Health::Checked,
            });
            bump.send_modify(|n| *n += 1);
        });
        probes.insert(container.to_owned(), task);
    }

    fn was_checked(&self, container: &str) -> bool {
        self.checked
            .lock()
            .map(|set| set.contains(container))
            .unwrap_or(false)
    }

    fn was_oom_killed(&self, container: &str) -> bool {
        self.oom_killed
            .lock()
            .map(|set| set.contains(container))
            .unwrap_or(false)
    }
}

enum Verdict {
    Ready,
    Pending,
    Failed(Failure),
}

/// Waits until `container` meets `condition`. Subscribing before inspecting means no event is missed
/// between the two: any change after the inspect wakes us, and we inspect again.
pub(crate) async fn wait(
    docker: &Docker,
    pulse: &Pulse,
    service: &str,
    container: &str,
    condition: Condition,
) -> Result<(), EngineError> {
    let mut tick = pulse.tick.clone();
    let mut waited_for_oom = false;
    loop {
        tick.borrow_and_update();
        let seen = inspect(docker, container, condition, pulse).await?;
        if let Some((id, test)) = seen.probe {
            pulse.probe(service, container, &id, test);
        }
        let unexplained_kill = seen.unexplained_kill;
        match seen.verdict {
            Verdict::Ready => return Ok(()),
            // Docker can report the exit before the kernel's OOM kill reaches the container's state or
            // the `oom` event: a kill with no reason yet gets a moment for one to arrive.
            Verdict::Failed(_) if unexplained_kill && !waited_for_oom => {
                waited_for_oom = true;
                let _ = tokio::time::timeout(OOM_REPORT_GRACE, tick.changed()).await;
                continue;
            }
            Verdict::Failed(why) => {
                let logs = logs::last_lines(docker, container, FAILURE_LOG_LINES).await;
                return Err(EngineError::ServiceFailed {
                    service: service.to_string(),
                    why,
                    logs,
                });
            }
            Verdict::Pending => {}
        }
        if tick.changed().await.is_err() {
            return Err(EngineError::Events {
                detail: "the events stream ended".into(),
            });
        }
    }
}

/// What one inspect of a waited-for container says.
struct Seen {
    verdict: Verdict,
    /// Killed with no reason known yet: the kernel's OOM report may still come.
    unexplained_kill: bool,
    /// A running container Docker still calls "starting", and the test to probe it with (its id first).
    probe: Option<(String, Test)>,
}

async fn inspect(
    docker: &Docker,
    container: &str,
    condition: Condition,
    pulse: &Pulse,
) -> Result<Seen, EngineError> {
    let info = docker
        .inspect_container(container, None::<InspectContainerOptions>)
        .await
        .map_err(|e| EngineError::Inspect {
            what: format!("container {container}"),
            detail: detail(&e),
        })?;
    let limit = info
        .host_config
        .as_ref()
        .and_then(|h| h.memory)
        .filter(|m| *m > 0);
    let state = info.state.unwrap_or_default();
    let status = state.status.unwrap_or(ContainerStateStatusEnum::EMPTY);
    let exit_code = state.exit_code.unwrap_or(0);
    // Exit code 137 alone says only "SIGKILL"; Docker's OOMKilled flag (or its `oom` event) says why.
    let oom = pulse.was_oom_killed(container) || state.oom_killed == Some(true);
    let health = health_of(state.health.and_then(|h| h.status));
    let running = status == ContainerStateStatusEnum::RUNNING;
    let starting = running && health == Health::Starting && condition == Condition::ServiceHealthy;
    // Docker still says "starting" but the Service's own test has passed: ready for its dependents.
    let health = if starting && pulse.was_checked(container) {
        Health::Checked
    } else {
        health
    };
    let probe = match (&info.id, &info.config) {
        (Some(id), Some(config)) if starting && health == Health::Starting => {
            Test::of(config).map(|test| (id.clone(), test))
        }
        _ => None,
    };
    let restarts = info.restart_count.unwrap_or(0);
    let exited = matches!(
        status,
        ContainerStateStatusEnum::EXITED | ContainerStateStatusEnum::DEAD
    );

    let verdict = if restarts >= CRASH_LOOP_RESTARTS && condition != Condition::ServiceCompletedSuccessfully {
        Verdict::Failed(Failure::CrashLoop {
            restarts,
            code: exit_code,
        })
    } else {
        verdict(condition, status, exited, exit_code, health)
    };
    // A SIGKILL with no reason yet, or a container Docker restarted (its OOMKilled flag reset by the
    // restart; under load the `oom` event can come after its health turned): the kernel may have killed it.
    let unexplained_kill = !oom && ((exited && exit_code == 137) || restarts > 0);
    let verdict = match verdict {
        Verdict::Failed(why) if oom => Verdict::Failed(out_of_memory(limit, why)),
        other => other,
    };
    Ok(Seen {
        verdict,
        unexplained_kill,
        probe,
    })
}

fn verdict(
    condition: Condition,
    status: ContainerStateStatusEnum,
    exited: bool,
    exit_code: i64,
    health: Health,
) -> Verdict {
    match condition {
        Condition::ServiceCompletedSuccessfully if exited && exit_code == 0 => Verdict::Ready,
        Condition::ServiceCompletedSuccessfully if exited => {
            Verdict::Failed(Failure::NotCompleted { code: exit_code })
        }
        Condition::ServiceCompletedSuccessfully => Verdict::Pending,
        _ if exited && exit_code != 0 => Verdict::Failed(Failure::Exited { code: exit_code }),
        Condition::ServiceHealthy => match health {
            Health::Healthy | Health::Checked => Verdict::Ready,
            Health::Unhealthy => Verdict::Failed(Failure::Unhealthy),
            // No healthcheck: running is the best Docker can tell us.
            Health::None if status == ContainerStateStatusEnum::RUNNING => Verdict::Ready,
            // A stopped container never becomes healthy: waiting longer would hang `up`.
            _ if exited => Verdict::Failed(Failure::ExitedBeforeHealthy { code: exit_code }),
            _ => Verdict::Pending,
        },
        Condition::ServiceStarted if status == ContainerStateStatusEnum::RUNNING || exited => Verdict::Ready,
        Condition::ServiceStarted => Verdict::Pending,
    }
}

/// A failure of a container the kernel killed for memory: that cause first, then what Docker saw, then
/// what to do about it.
fn out_of_memory(limit: Option<i64>, why: Failure) -> Failure {
    let why = Box::new(why);
    match limit {
        Some(bytes) => Failure::OutOfMemoryLimit {
            limit: if bytes % (1 << 20) == 0 {
                format!("{} MiB", bytes >> 20)
            } else {
                format!("{bytes} bytes")
            },
            why,
        },
        None => Failure::OutOfMemory { why },
    }
}

fn health_of(status: Option<HealthStatusEnum>) -> Health {
    match status {
        Some(HealthStatusEnum::HEALTHY) => Health::Healthy,
        Some(HealthStatusEnum::UNHEALTHY) => Health::Unhealthy,
        Some(HealthStatusEnum::STARTING) => Health::Starting,
        _ => Health::None,
    }
}
