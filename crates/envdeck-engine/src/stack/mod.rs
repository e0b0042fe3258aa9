//! The stack: one Environment's containers, networks and volumes on a Docker engine. `up` applies a
//! Plan, `down` removes what the labels say is ours, `ps`/`logs`/`stats`/`exec`/`events` watch it.

mod down;
mod probe;
mod ready;
mod up;

use std::sync::Arc;

use bollard::Docker;
use envdeck_core::compose::ComposeModel;
use envdeck_core::progress::{Health, Progress};
use envdeck_core::secret::Masker;
use futures_util::future::join_all;
use futures_util::stream::{BoxStream, Stream, StreamExt};

use crate::containers;
use crate::error::EngineError;
pub use crate::labels::StackId;
pub use crate::ports::PortCheck;
use crate::status::{LogLine, LogOptions, PublishedPort, ServiceEvent, ServiceStatus, StatsSample};

pub use down::{DownReport, RemoveVolumes};
pub use up::UpReport;

/// Where progress goes: the CLI prints it, the desktop forwards it to a Channel.
pub type Sink = Arc<dyn Fn(Progress) + Send + Sync>;

/// A connection to the Docker engine that runs stacks.
#[derive(Clone)]
pub struct Engine {
    docker: Docker,
    /// Its address (a socket, `ssh://…`, `context:NAME`), for the message of a lost connection.
    place: String,
}

/// What [`Engine::preflight`] found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Preflight {
    pub ports: Vec<PortCheck>,
    pub images: Vec<ImageCheck>,
    /// What a Start would do to each Service's containers, as `up` decides it.
    pub services: Vec<ServiceChange>,
}

/// What a Start would do to one Service's containers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ServiceChange {
    pub service: String,
    pub change: ChangeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ChangeKind {
    /// No container yet: made.
    Create,
    /// Its settings or its image changed (or its number of replicas): made again.
    Replace,
    /// As the model says, but stopped: started.
    Start,
    /// Running as the model says: left alone.
    Keep,
    /// No longer in the model: its containers go (its volumes stay).
    Remove,
}

/// A Service's image: there already, or what a Start will do about it (build it, or pull it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ImageCheck {
    pub service: String,
    pub image: String,
    pub present: bool,
    /// Built from the project (`build:`) rather than pulled.
    pub build: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Engine")
    }
}

impl Engine {
    /// Connects with the platform defaults (or `DOCKER_HOST`); the error says what to do when Docker is
    /// missing, stopped, or refuses this user.
    pub async fn connect() -> Result<Self, EngineError> {
        Ok(Self {
            docker: crate::docker::connect().await?,
            place: crate::docker::endpoint(),
        })
    }

    /// Connects to the engine `endpoint` names: this machine's, or a server's (never the local one in
    /// its place); the error names the host and what to fix.
    pub async fn connect_to(endpoint: &envdeck_core::project::Endpoint) -> Result<Self, EngineError> {
        Ok(Self {
            docker: crate::docker::connect_to(endpoint).await?,
            place: match endpoint {
                envdeck_core::project::Endpoint::Local => crate::docker::endpoint(),
                other => other.to_string(),
            },
        })
    }

    /// The engine's version and API: that it answers at all, for the doctor of a server's environment.
    pub async fn info(&self) -> Result<crate::docker::EngineInfo, EngineError> {
        self.at(async { Ok(crate::docker::info(&self.docker).await?) })
            .await
    }

    /// Brings the Environment up: ports checked first, then network, volumes, images, and Services in
    /// dependency order (independent ones in parallel), waiting for each `depends_on` condition.
    /// Idempotent: unchanged containers are kept, changed ones recreated, stopped ones started.
    /// Dropping the future cancels cleanly; a later `up` continues from what exists.
    pub async fn up(
        &self,
        stack: &StackId,
        model: &ComposeModel,
        sink: Sink,
    ) -> Result<UpReport, EngineError> {
        if model.name != stack.name {
            return Err(EngineError::Plan(format!(
                "the model names stack {} but {} was asked for",
                model.name, stack.name
            )));
        }
        self.at(up::up(&self.docker, stack, model, sink)).await
    }

    /// Stops and removes the stack's containers and networks. Volumes stay unless `volumes` is
    /// `Confirmed` with the Environment's name typed back exactly.
    pub async fn down(
        &self,
        project: &StackId,
        volumes: RemoveVolumes,
        sink: Sink,
    ) -> Result<DownReport, EngineError> {
        self.at(down::down(&self.docker, project, volumes, sink)).await
    }

    /// Restarts every container of the stack, or only those of one Service.
    pub async fn restart(
        &self,
        project: &StackId,
        service: Option<&str>,
    ) -> Result<Vec<String>, EngineError> {
        self.at(down::restart(&self.docker, project, service)).await
    }

    /// What a Start would meet, without changing anything: each published port (free or taken) and
    /// each image (present, or to be pulled or built). The doctor's per-environment lines.
    pub async fn preflight(&self, stack: &StackId, model: &ComposeModel) -> Result<Preflight, EngineError> {
        self.at(self.preflight_here(stack, model)).await
    }

    async fn preflight_here(&self, stack: &StackId, model: &ComposeModel) -> Result<Preflight, EngineError> {
        let ours = containers::list(&self.docker, stack).await?;
        let host = crate::ports::Host::of(&self.docker, stack).await?;
        let ports = crate::ports::probe(model, &ours, &host);
        let mut images = Vec::new();
        let mut services = Vec::new();
        for (name, service) in &model.services {
            let image = envdeck_core::plan::image_of(&model.name, name, service);
            let image_id = crate::images::id_of(&self.docker, &image).await?;
            services.push(ServiceChange {
                service: name.clone(),
                change: up::change_of(name, service, image_id.as_deref(), &ours),
            });
            images.push(ImageCheck {
                service: name.clone(),
                present: image_id.is_some(),
                image,
                build: service.build.is_some(),
            });
        }
        services.extend(
            up::orphans(model, &ours)
                .into_iter()
                .map(|service| ServiceChange {
                    service: service.to_owned(),
                    change: ChangeKind::Remove,
                }),
        );
        Ok(Preflight {
            ports,
            images,
            services,
        })
    }

    /// The volumes carrying this stack's label: what "Wipe data" would delete, listed before asking.
    pub async fn volumes(&self, project: &StackId) -> Result<Vec<String>, EngineError> {
        self.at(crate::volumes::list(&self.docker, project)).await
    }

    /// The stack's containers: Service, name, state, health and published ports.
    pub async fn ps(&self, project: &StackId) -> Result<Vec<ServiceStatus>, EngineError> {
        let found = self.at(containers::list(&self.docker, project)).await?;
        // A container Docker still calls "starting" is ready if its own test passed (run by this
        // process's `up`, or now, once): what the card and `envdeck ps` say right after a Start.
        let healths = join_all(found.iter().map(|c| async {
            match health_from_status(&c.status) {
                Health::Starting if probe::passes_now(&self.docker, &c.id).await => Health::Checked,
                Health::Starting => Health::Starting,
                decided => {
                    probe::was_checked(&c.id, decided != Health::None);
                    decided
                }
            }
        }));
        let healths = self.at(healths).await;
        Ok(found
            .into_iter()
            .zip(healths)
            .map(|(c, health)| ServiceStatus {
                health,
                service: c.service,
                id: c.id,
                container: c.name,
                number: c.number,
                state: c.state,
                ports: c
                    .ports
                    .into_iter()
                    .map(|(host_ip, host_port, container_port, protocol)| PublishedPort {
                        host_ip,
                        host_port,
                        container_port,
                        protocol,
                    })
                    .collect(),
            })
            .collect())
    }

    /// The stack's container events (state and health changes), reconnecting when the stream drops.
    pub fn events(
        &self,
        project: &StackId,
    ) -> impl Stream<Item = Result<ServiceEvent, EngineError>> + Send + use<> {
        crate::events::watch(self.docker.clone(), project.clone())
    }

    /// Logs of all Services (or one), merged as they arrive; stdout and stderr marked apart. Each
    /// line is masked with `masker` once whole (Docker delivers a long line in several frames).
    pub async fn logs(
        &self,
        project: &StackId,
        options: LogOptions,
        masker: &Masker,
    ) -> Result<BoxStream<'static, Result<LogLine, EngineError>>, EngineError> {
        let targets = self.targets(project, options.service.as_deref()).await?;
        let streams = targets.into_iter().map(|(service, container)| {
            crate::logs::container_lines(
                &self.docker,
                service,
                container,
                &options,
                masker.clone(),
                envdeck_core::secret::lines::MAX_LINE,
            )
            .boxed()
        });
        Ok(futures_util::stream::select_all(streams).boxed())
    }

    /// CPU and memory samples of every running container (or one Service's), about once a second each.
    pub async fn stats(
        &self,
        project: &StackId,
        service: Option<&str>,
    ) -> Result<BoxStream<'static, Result<StatsSample, EngineError>>, EngineError> {
        let targets = self.targets(project, service).await?;
        let streams = targets
            .into_iter()
            .map(|(service, container)| crate::stats::samples(&self.docker, service, container).boxed());
        Ok(futures_util::stream::select_all(streams).boxed())
    }

    /// Runs a command in the first running container of a Service; output goes to `on_output` as it
    /// comes, and the command's exit code is returned.
    pub async fn exec(
        &self,
        project: &StackId,
        service: &str,
        command: &[String],
        on_output: impl FnMut(LogLine) + Send,
    ) -> Result<i64, EngineError> {
        let running = containers::list(&self.docker, project).await?;
        let Some(container) = running
            .into_iter()
            .find(|c| c.service == service && c.state == "running")
        else {
            return Err(EngineError::NotRunning {
                project: project.to_string(),
                service: service.to_string(),
            });
        };
        self.at(crate::exec::run(
            &self.docker,
            service,
            &container.name,
            command,
            on_output,
        ))
        .await
    }

    /// Copies changed files into the Service's running container and removes there the ones deleted
    /// here (`develop.watch`'s sync); returns how many files went.
    pub async fn sync(
        &self,
        project: &StackId,
        service: &str,
        copies: &[envdeck_core::watch::Copy],
        removes: &[String],
    ) -> Result<usize, EngineError> {
        let container = self.running(project, service).await?;
        self.at(async {
            let sent = crate::sync::copy_in(&self.docker, service, &container, copies).await?;
            if !removes.is_empty() {
                let mut command = vec!["rm".to_owned(), "-rf".to_owned(), "--".to_owned()];
                command.extend(removes.iter().cloned());
                let code = crate::exec::run(&self.docker, service, &container, &command, |_| {}).await?;
                if code != 0 {
                    return Err(EngineError::Sync {
                        service: service.to_owned(),
                        detail: format!("`rm` of {} files exited with code {code}", removes.len()).into(),
                    });
                }
            }
            Ok(sent)
        })
        .await
    }

    /// Builds the Service's image again from its context and brings the stack up with it (the
    /// Service's container is replaced, the others kept): `develop.watch`'s `rebuild`.
    pub async fn rebuild(
        &self,
        stack: &StackId,
        model: &ComposeModel,
        service: &str,
        sink: Sink,
    ) -> Result<UpReport, EngineError> {
        let Some((spec, build)) = model
            .services
            .get(service)
            .and_then(|s| s.build.as_ref().map(|b| (s, b)))
        else {
            return Err(EngineError::Plan(format!(
                "service `{service}` has no `build:` to rebuild from"
            )));
        };
        let image = envdeck_core::plan::image_of(&model.name, service, spec);
        self.at(crate::images::build_now(
            &self.docker,
            &image,
            service,
            build,
            &sink,
        ))
        .await?;
        self.up(stack, model, sink).await
    }

    /// Like [`Engine::exec`] for a command whose stdout is data (a database dump): bytes go to
    /// `on_stdout` unsplit; returns the exit code and stderr.
    pub async fn exec_raw(
        &self,
        project: &StackId,
        service: &str,
        command: &[String],
        on_stdout: impl FnMut(&[u8]) -> std::io::Result<()> + Send,
    ) -> Result<(i64, String), EngineError> {
        let container = self.running(project, service).await?;
        self.at(crate::exec::run_raw(
            &self.docker,
            service,
            &container,
            command,
            on_stdout,
        ))
        .await
    }

    /// Like [`Engine::exec_raw`] for a command that reads data on its stdin (a dump to restore):
    /// `input`'s chunks are written to it as they come; returns the exit code and stderr.
    pub async fn exec_fed(
        &self,
        project: &StackId,
        service: &str,
        command: &[String],
        input: impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send + Unpin,
    ) -> Result<(i64, String), EngineError> {
        let container = self.running(project, service).await?;
        self.at(crate::exec::run_fed(
            &self.docker,
            service,
            &container,
            command,
            input,
        ))
        .await
    }

    /// Runs `work` with this engine's address at hand for the message of a lost connection.
    async fn at<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        crate::error::PLACE.scope(self.place.clone(), work).await
    }

    /// The name of the first running container of a Service.
    async fn running(&self, project: &StackId, service: &str) -> Result<String, EngineError> {
        containers::list(&self.docker, project)
            .await?
            .into_iter()
            .find(|c| c.service == service && c.state == "running")
            .map(|c| c.name)
            .ok_or_else(|| EngineError::NotRunning {
                project: project.to_string(),
                service: service.to_string(),
            })
    }

    /// (service, container name) of the stack's containers, optionally of one Service.
    async fn targets(
        &self,
        project: &StackId,
        service: Option<&str>,
    ) -> Result<Vec<(String, String)>, EngineError> {
        let found = containers::list(&self.docker, project).await?;
        let targets: Vec<_> = found
            .into_iter()
            .filter(|c| service.is_none_or(|s| c.service == s))
            .map(|c| (c.service, c.name))
            .collect();
        if let (Some(s), true) = (service, targets.is_empty()) {
            return Err(EngineError::NotRunning {
                project: project.to_string(),
                service: s.to_string(),
            });
        }
        Ok(targets)
    }
}

/// `docker ps` status words carry the health: "Up 3 seconds (healthy)".
fn health_from_status(status: &str) -> Health {
    if status.contains("(unhealthy)") {
        Health::Unhealthy
    } else if status.contains("(healthy)") {
        Health::Healthy
    } else if status.contains("health: starting") {
        Health::Starting
    } else {
        Health::None
    }
}
