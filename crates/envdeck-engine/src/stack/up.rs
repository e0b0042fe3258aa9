//! `up`: apply the Plan to what Docker already has (read from the labels), changing only what differs.

use std::collections::HashMap;
use std::future::Future;

use bollard::Docker;
use envdeck_core::compose::{ComposeModel, Condition, Service};
use envdeck_core::plan::{self, Plan, Step};
use envdeck_core::progress::{Outcome, Progress};
use futures_util::future::{BoxFuture, FutureExt, Shared, join_all, try_join_all};
use serde::Serialize;

use super::ready::{self, Pulse};
use super::{ChangeKind, Sink};
use crate::containers::{self, Existing};
use crate::error::EngineError;
use crate::labels::StackId;
use crate::{images, networks, ports, volumes};

/// What `up` did to each Service (`Unchanged` everywhere after an idempotent second `up`).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct UpReport {
    pub plan: Plan,
    pub services: Vec<(String, Outcome)>,
}

/// A Service's half of `up`, shared by its dependents: its containers, and what changed.
type Applied<'a> = Shared<BoxFuture<'a, Result<(Vec<String>, Outcome), EngineError>>>;

/// A network, a volume or an image, made once and awaited by every Service that needs it.
type Work<'a> = Shared<BoxFuture<'a, Result<(), EngineError>>>;

pub(super) async fn up(
    docker: &Docker,
    stack: &StackId,
    model: &ComposeModel,
    sink: Sink,
) -> Result<UpReport, EngineError> {
    let plan = plan::plan(model)?;
    let project = stack;
    let existing = containers::list(docker, project).await?;

    step(&sink, Step::CheckPorts, async {
        ports::check(model, &existing, &ports::Host::of(docker, stack).await?)?;
        check_names(docker, stack, model, &existing).await?;
        Ok(Outcome::Unchanged)
    })
    .await?;

    // Listening starts before any container starts, so no health change can be missed.
    let pulse = Pulse::start(docker, project, sink.clone());

    // Networks, volumes and images do not depend on each other, and a Service needs only its own: each is
    // one piece of work begun at once, and a Service is created as soon as its own pieces are done (a
    // database starts while the API's image is still being pulled or built).
    let networks: HashMap<String, Work<'_>> = network_keys(model)
        .into_iter()
        .filter(|key| !model.networks.get(key).is_some_and(|n| n.external))
        .map(|key| {
            let network = model.networks.get(&key);
            let name = plan::network_name(model, &key);
            let driver = network.and_then(|n| n.driver.clone());
            let sink = sink.clone();
            let work = {
                let key = key.clone();
                async move {
                    step(&sink, Step::Network { name: name.clone() }, async {
                        networks::ensure(docker, project, &key, &name, driver.as_deref()).await
                    })
                    .await
                    .map(drop)
                }
            };
            (key, work.boxed().shared())
        })
        .collect();
    let volumes: HashMap<String, Work<'_>> = volume_keys(model)
        .into_iter()
        .filter(|key| !model.volumes.get(key).is_some_and(|v| v.external))
        .map(|key| {
            let volume = model.volumes.get(&key);
            let name = plan::volume_name(model, &key);
            let driver = volume.and_then(|v| v.driver.clone());
            let sink = sink.clone();
            let work = {
                let key = key.clone();
                async move {
                    step(&sink, Step::Volume { name: name.clone() }, async {
                        volumes::ensure(docker, project, &key, &name, driver.as_deref()).await
                    })
                    .await
                    .map(drop)
                }
            };
            (key, work.boxed().shared())
        })
        .collect();
    let images: HashMap<String, Work<'_>> = plan
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Image { image, build_for } => Some((s.clone(), image.clone(), build_for.clone())),
            _ => None,
        })
        .map(|(s, image, build_for)| {
            let sink = sink.clone();
            let work = {
                let image = image.clone();
                async move {
                    step(&sink, s, async {
                        let built = build_for
                            .as_ref()
                            .and_then(|svc| model.services.get(svc).map(|s| (svc, s)))
                            .and_then(|(svc, service)| service.build.as_ref().map(|b| (svc, b)));
                        match built {
                            Some((svc, build)) => {
                                images::ensure_built(docker, &image, svc, build, &sink).await
                            }
                            None => images::ensure_pulled(docker, &image, &sink).await,
                        }
                    })
                    .await
                    .map(drop)
                }
            };
            (image, work.boxed().shared())
        })
        .collect();

    // A Service no longer in the model (renamed, or dropped from the compose files) would keep running
    // unseen by the app: its containers go (its volumes stay), as `docker compose up --remove-orphans`.
    // Beside the rest; only the starts wait for it (an orphan may hold a port a Service publishes).
    let orphans_removed = remove_orphans(docker, model, &existing, &sink).boxed().shared();

    // Each Service is created as soon as its own network, volumes and image are there, and started as
    // soon as its own dependencies are ready: the health waits along the critical path are the only
    // waits, as with compose's own create-then-start. Shared futures let every dependent await the same
    // start.
    let outcomes: std::sync::Mutex<HashMap<String, Outcome>> = std::sync::Mutex::new(HashMap::new());
    let mut applied: HashMap<&str, Applied<'_>> = HashMap::new();
    for name in plan.levels.iter().flatten() {
        let Some(service) = model.services.get(name) else {
            continue;
        };
        let deps: Vec<(String, Condition, bool, Applied<'_>)> = service
            .depends_on
            .iter()
            .filter_map(|(d, spec)| {
                applied
                    .get(d.as_str())
                    .map(|f| (d.clone(), spec.condition, spec.restart, f.clone()))
            })
            .collect();
        let image = plan::image_of(&model.name, name, service);
        let needs: Vec<Work<'_>> = plan::service_networks(service)
            .iter()
            .filter_map(|key| networks.get(key))
            .chain(
                service
                    .volumes
                    .iter()
                    .filter(|m| m.kind == envdeck_core::compose::MountType::Volume)
                    .filter_map(|m| m.source.as_ref().and_then(|key| volumes.get(key))),
            )
            .chain(images.get(&image))
            .cloned()
            .collect();
        let orphans_removed = orphans_removed.clone();
        let (sink, pulse, existing, outcomes) = (sink.clone(), &pulse, &existing, &outcomes);
        let future = async move {
            try_join_all(needs).await?;
            let service_step = Step::Service {
                service: name.clone(),
            };
            let prepared = match prepare(docker, model, stack, name, service, existing).await {
                Ok(prepared) => prepared,
                Err(e) => {
                    sink(Progress::StepStarted {
                        step: service_step.clone(),
                    });
                    sink(Progress::StepFailed {
                        step: service_step,
                        message: e.to_string(),
                    });
                    return Err(e);
                }
            };
            orphans_removed.await?;
            // `depends_on: {db: {restart: true}}`: a dependency that changed restarts its dependent.
            let mut restart = false;
            for (dep, condition, restart_with_it, dep_applied) in deps {
                let (containers, dep_outcome) = dep_applied.await?;
                restart |= restart_with_it && dep_outcome != Outcome::Unchanged;
                for container in containers {
                    ready::wait(docker, pulse, &dep, &container, condition).await?;
                }
            }
            step(&sink, service_step, async {
                let outcome = start_prepared(docker, &prepared, restart).await?;
                if let Ok(mut map) = outcomes.lock() {
                    map.insert(name.clone(), outcome);
                }
                Ok(outcome)
            })
            .await?;
            let outcome = outcomes
                .lock()
                .ok()
                .and_then(|m| m.get(name).copied())
                .unwrap_or(Outcome::Unchanged);
            Ok((prepared.into_iter().map(|p| p.container).collect(), outcome))
        }
        .boxed()
        .shared();
        applied.insert(name.as_str(), future);
    }

    // Up is done when every Service is as ready as it can say: healthy when it has a healthcheck.
    let finals = plan.levels.iter().flatten().filter_map(|name| {
        let service = model.services.get(name)?;
        let future = applied.get(name.as_str())?.clone();
        let (sink, pulse) = (sink.clone(), &pulse);
        Some(async move {
            let (names, _) = future.await?;
            step(
                &sink,
                Step::Ready {
                    service: name.clone(),
                },
                async {
                    for container in &names {
                        ready::wait(docker, pulse, name, container, own_condition(service)).await?;
                    }
                    Ok(Outcome::Ready)
                },
            )
            .await
        })
    });
    let done = try_join_all(finals).await;
    drop(applied);
    drop(pulse);
    // Networks and volumes always run to their end, even when a Service failed: a create dropped
    // half-way can still land in Docker after `up` has returned its error, where a `down` run straight
    // after would not see it. Images stop at the first failure (a dropped pull leaves nothing behind).
    if let Err(e) = done {
        join_all(networks.into_values().chain(volumes.into_values())).await;
        return Err(e);
    }
    drop(images);
    let orphans = orphans_removed.await?;

    let outcomes = outcomes.lock().map(|m| m.clone()).unwrap_or_default();
    let mut services: Vec<(String, Outcome)> = outcomes.into_iter().chain(orphans).collect();
    services.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(UpReport { plan, services })
}

/// Reports a Step's start and end around its work.
async fn step<F>(sink: &Sink, step: Step, work: F) -> Result<Outcome, EngineError>
where
    F: Future<Output = Result<Outcome, EngineError>>,
{
    sink(Progress::StepStarted { step: step.clone() });
    match work.await {
        Ok(outcome) => {
            sink(Progress::StepFinished { step, outcome });
            Ok(outcome)
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

/// The Services that have containers but are no longer in the model, each once, by name.
pub(super) fn orphans<'a>(model: &ComposeModel, existing: &'a [Existing]) -> Vec<&'a str> {
    let mut orphans: Vec<&str> = existing
        .iter()
        .map(|c| c.service.as_str())
        .filter(|s| !model.services.contains_key(*s))
        .collect();
    orphans.sort_unstable();
    orphans.dedup();
    orphans
}

/// Stops and removes the containers of Services the model no longer has; returns them as `Removed`.
async fn remove_orphans(
    docker: &Docker,
    model: &ComposeModel,
    existing: &[Existing],
    sink: &Sink,
) -> Result<Vec<(String, Outcome)>, EngineError> {
    let mut removed = Vec::new();
    for service in orphans(model, existing) {
        let step_name = Step::Service {
            service: service.to_string(),
        };
        step(sink, step_name, async {
            for c in existing.iter().filter(|c| c.service == service) {
                containers::stop(docker, &c.name, None).await?;
                containers::remove(docker, &c.name).await?;
            }
            Ok(Outcome::Removed)
        })
        .await?;
        removed.push((service.to_string(), Outcome::Removed));
    }
    Ok(removed)
}

/// A replica after the first half of `up`: its container exists and is current; `pending` says whether
/// it still has to be started once the Service's dependencies are ready.
struct Prepared {
    container: String,
    outcome: Outcome,
    pending: bool,
}

/// What `prepare` will do to a Service's containers: the same test of "current" (settings and image),
/// asked without changing anything. `image_id` is the image's id here, `None` when it is not here yet.
pub(super) fn change_of(
    name: &str,
    service: &Service,
    image_id: Option<&str>,
    existing: &[Existing],
) -> ChangeKind {
    let hash = plan::config_hash(service);
    let mine: Vec<&Existing> = existing.iter().filter(|c| c.service == name).collect();
    let current = |c: &&Existing| c.config_hash == hash && image_id.is_none_or(|id| id == c.image_id);
    if mine.is_empty() {
        ChangeKind::Create
    } else if !mine.iter().all(current) || mine.len() != service.replicas() as usize {
        ChangeKind::Replace
    } else if mine.iter().all(|c| c.state == "running") {
        ChangeKind::Keep
    } else {
        ChangeKind::Start
    }
}

/// The half of `up` that needs no dependency: makes the Service's containers match the model (created,
/// or recreated when their config or image changed) without starting them.
async fn prepare(
    docker: &Docker,
    model: &ComposeModel,
    stack: &StackId,
    name: &str,
    service: &Service,
    existing: &[Existing],
) -> Result<Vec<Prepared>, EngineError> {
    let hash = plan::config_hash(service);
    // The same tag may now name another image (rebuilt, re-pulled): that is a change too.
    let image = plan::image_of(&model.name, name, service);
    let image_id = images::id_of(docker, &image).await?;
    let replicas = service.replicas();
    let mine: Vec<&Existing> = existing.iter().filter(|c| c.service == name).collect();
    let replicas_work = (1..=replicas).map(|number| {
        let found = mine.iter().find(|c| c.number == number).copied();
        let hash = hash.as_str();
        let image_id = image_id.as_deref();
        async move {
            let current = |c: &Existing| c.config_hash == hash && image_id.is_none_or(|id| id == c.image_id);
            let container = containers::container_name(&model.name, name, service, number);
            let (outcome, pending) = match found {
                Some(c) if current(c) && c.state == "running" => (Outcome::Unchanged, false),
                // A container left "created" by a cancelled `up` may miss its extra networks: remade below.
                Some(c) if current(c) && c.state != "created" => (Outcome::Started, true),
                Some(c) => {
                    containers::stop(docker, &c.name, None).await?;
                    containers::remove(docker, &c.name).await?;
                    create(docker, model, stack, name, service, number, hash, &container).await?;
                    (Outcome::Recreated, true)
                }
                None => {
                    create(docker, model, stack, name, service, number, hash, &container).await?;
                    (Outcome::Created, true)
                }
            };
            Ok::<_, EngineError>(Prepared {
                container,
                outcome,
                pending,
            })
        }
    });
    let prepared = try_join_all(replicas_work).await?;
    // Scaled down: replicas above the count go.
    for extra in mine.iter().filter(|c| c.number > replicas) {
        containers::stop(docker, &extra.name, None).await?;
        containers::remove(docker, &extra.name).await?;
    }
    Ok(prepared)
}

/// The second half: starts the replicas that wait for it (and, with `restart`, restarts the running
/// ones); returns what changed for the Service.
async fn start_prepared(
    docker: &Docker,
    prepared: &[Prepared],
    restart: bool,
) -> Result<Outcome, EngineError> {
    try_join_all(prepared.iter().map(|p| async move {
        if p.pending {
            containers::start(docker, &p.container).await?;
            Ok(p.outcome)
        } else if restart {
            containers::stop(docker, &p.container, None).await?;
            containers::start(docker, &p.container).await?;
            Ok(Outcome::Started)
        } else {
            Ok(p.outcome)
        }
    }))
    .await
    .map(|outcomes| outcomes.into_iter().fold(Outcome::Unchanged, merge))
}

#[allow(clippy::too_many_arguments)]
async fn create(
    docker: &Docker,
    model: &ComposeModel,
    stack: &StackId,
    name: &str,
    service: &Service,
    number: u32,
    hash: &str,
    container: &str,
) -> Result<(), EngineError> {
    let body = containers::create_body(model, stack, name, service, number, hash);
    containers::create(docker, container, body).await?;
    containers::connect_extra_networks(docker, model, name, service, container).await
}

/// The most telling outcome of a Service's replicas.
fn merge(a: Outcome, b: Outcome) -> Outcome {
    let rank = |o: Outcome| match o {
        Outcome::Recreated => 3,
        Outcome::Created => 2,
        Outcome::Started => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// What "ready" means for a Service at the end of `up`: healthy if it has a healthcheck, else started.
fn own_condition(service: &Service) -> Condition {
    match &service.healthcheck {
        Some(h) if !h.disable => Condition::ServiceHealthy,
        _ => Condition::ServiceStarted,
    }
}

/// A container name that exists but is not ours would make `create` fail halfway: find it first.
/// A container name the stack needs may be taken: by a container of this stack made since `ours` was
/// listed (another Start, a race: fine), or by a foreign one (refused, never touched).
async fn check_names(
    docker: &Docker,
    stack: &StackId,
    model: &ComposeModel,
    ours: &[Existing],
) -> Result<(), EngineError> {
    let wanted = model.services.iter().flat_map(|(name, service)| {
        (1..=service.replicas())
            .map(move |number| containers::container_name(&model.name, name, service, number))
    });
    let foreign = wanted
        .filter(|container| !ours.iter().any(|c| &c.name == container))
        .map(|container| async move {
            let options = None::<bollard::query_parameters::InspectContainerOptions>;
            match docker.inspect_container(&container, options).await {
                Ok(found)
                    if crate::labels::is_ours(
                        found.config.as_ref().and_then(|c| c.labels.as_ref()),
                        stack,
                    ) =>
                {
                    Ok(())
                }
                Ok(_) => Err(EngineError::Foreign {
                    kind: "container",
                    name: container,
                }),
                Err(_) => Ok(()),
            }
        });
    try_join_all(foreign).await.map(|_| ())
}

fn network_keys(model: &ComposeModel) -> Vec<String> {
    let mut keys: Vec<String> = model.services.values().flat_map(plan::service_networks).collect();
    keys.sort();
    keys.dedup();
    keys
}

fn volume_keys(model: &ComposeModel) -> Vec<String> {
    let mut keys: Vec<String> = model
        .services
        .values()
        .flat_map(|s| s.volumes.iter())
        .filter(|m| m.kind == envdeck_core::compose::MountType::Volume)
        .filter_map(|m| m.source.clone())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use envdeck_core::compose::{Variables, load_str};

    fn container(service: &str, number: u32) -> Existing {
        Existing {
            id: format!("{service}-{number}"),
            name: format!("p-{service}-{number}"),
            service: service.into(),
            number,
            config_hash: String::new(),
            image_id: String::new(),
            state: "running".into(),
            status: String::new(),
            ports: Vec::new(),
        }
    }

    #[test]
    fn each_service_gone_from_the_model_is_an_orphan_once_whatever_the_order_docker_lists() {
        let model = load_str(
            std::path::Path::new("/p/docker-compose.yml"),
            "services:\n  app:\n    image: busybox\n",
            &Variables::default(),
            &[],
        )
        .expect("a model");
        // Docker lists containers newest first: two replicas of `worker` around one of `side`.
        let existing = [
            container("worker", 2),
            container("side", 1),
            container("app", 1),
            container("worker", 1),
        ];
        assert_eq!(orphans(&model, &existing), ["side", "worker"]);
    }
}
