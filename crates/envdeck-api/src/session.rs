//! One open project while EnvDeck works on it. The desktop app answers many calls about one project (a
//! card refresh, a Start, the logs), and each used to read the manifest, list the folder and look the
//! project up in EnvDeck's list of projects afresh. A Session holds the project read and identified once,
//! and reads it again as soon as one of the files it came from changes (the manifest, a compose or env
//! file, the folder's list of files, or EnvDeck's list of projects, which another EnvDeck may change).
//!
//! Each environment runs one way or the other (containers on an engine, or a command on this machine):
//! [`Session::runtime`] gives the one that applies, so callers ask it and never branch on the kind.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::SystemTime;

use envdeck_core::compose::ComposeModel;
use envdeck_core::progress::Progress;
use envdeck_core::secret::{Conflict, Masker};
use envdeck_core::{EnvironmentKind, Project};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use crate::environment;
use crate::error::ApiError;
use crate::links::ServiceLink;
use crate::secrets::StartSecrets;
use crate::stack::{
    self, DownReport, LogLine, LogOptions, RemoveVolumes, ServiceEvent, ServiceStatus, StackId, StatsSample,
    UpReport,
};

/// The sessions of this process, by the project's canonical folder.
static OPEN: LazyLock<Mutex<HashMap<PathBuf, Arc<Session>>>> = LazyLock::new(Default::default);

/// A project read and identified, with what it was read from.
#[derive(Debug)]
pub struct Session {
    project: Project,
    read_from: Fingerprint,
}

/// Size and modification time of each file (and folder) the project was read from; `None` for one
/// that did not exist.
#[derive(Debug, PartialEq, Eq)]
struct Fingerprint(Vec<(PathBuf, Option<(u64, SystemTime)>)>);

impl Fingerprint {
    fn of(project: &Project) -> Self {
        let mut paths = vec![
            project.dir.clone(),
            project.dir.join(envdeck_core::project::manifest::FILE_NAME),
        ];
        paths.extend(crate::identity::list_file());
        for environment in project.environments() {
            if let EnvironmentKind::Docker {
                compose_files,
                env_files,
                ..
            } = &environment.kind
            {
                paths.extend(compose_files.iter().cloned());
                paths.extend(env_files.iter().cloned());
            }
            paths.extend(environment.env_template.iter().cloned());
        }
        Self(
            paths
                .into_iter()
                .map(|path| {
                    let seen = std::fs::metadata(&path)
                        .ok()
                        .map(|m| (m.len(), m.modified().unwrap_or(SystemTime::UNIX_EPOCH)));
                    (path, seen)
                })
                .collect(),
        )
    }
}

/// The session of the project at `dir`: the one already open while its files are unchanged, else the
/// project read and identified again. A folder EnvDeck must ask about is an error with code
/// `ProjectIdentity`, as [`crate::project::open_identified`] says.
pub async fn open(dir: &Path) -> Result<Arc<Session>, ApiError> {
    let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let open = OPEN.lock().unwrap_or_else(|p| p.into_inner()).get(&key).cloned();
    if let Some(session) = open
        && session.read_from == Fingerprint::of(&session.project)
    {
        return Ok(session);
    }
    let project = crate::project::open_identified(dir).await?;
    let session = Arc::new(Session {
        read_from: Fingerprint::of(&project),
        project,
    });
    OPEN.lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, Arc::clone(&session));
    Ok(session)
}

impl Session {
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// How the environment runs; an unknown environment is an error naming the ones there are.
    pub(crate) fn runtime<'s>(&'s self, env: &'s str) -> Result<Runtime<'s>, ApiError> {
        Runtime::of(&self.project, env)
    }
}

/// How one environment runs: its containers on the engine it names, or its command on this machine.
pub(crate) enum Runtime<'s> {
    Containers { project: &'s Project, stack: StackId },
    HostProcess { project: &'s Project, env: &'s str },
}

impl<'s> Runtime<'s> {
    /// How `env` of `project` runs.
    pub(crate) fn of(project: &'s Project, env: &'s str) -> Result<Self, ApiError> {
        let environment = project.environment(env).map_err(ApiError::from)?;
        Ok(match environment.kind {
            EnvironmentKind::Process { .. } => Runtime::HostProcess { project, env },
            EnvironmentKind::Docker { .. } => Runtime::Containers {
                project,
                stack: crate::environment::stack_of(project, env)?,
            },
        })
    }

    /// What would run, with the secrets filled in; and every other value of a managed secret found
    /// elsewhere, which is not used (the keychain's wins).
    pub(crate) fn model(&self, secrets: &StartSecrets) -> Result<(ComposeModel, Vec<Conflict>), ApiError> {
        match self {
            Runtime::Containers { project, stack } => {
                crate::environment::resolve_reporting(project, &stack.environment, secrets)
            }
            Runtime::HostProcess { project, env } => Ok((
                crate::host::as_model(project, env, secrets)?,
                crate::host::conflicts(project, env, secrets)?,
            )),
        }
    }

    /// Brings the environment up from its `model` (see [`Runtime::model`]).
    pub(crate) async fn up(
        &self,
        model: &ComposeModel,
        secrets: &StartSecrets,
        on_progress: impl Fn(Progress) + Send + Sync + 'static,
    ) -> Result<UpReport, ApiError> {
        match self {
            Runtime::Containers { stack, .. } => stack::up(stack, model, on_progress).await,
            Runtime::HostProcess { project, env } => {
                crate::host::start(project, env, secrets, on_progress).await
            }
        }
    }

    /// Stops it; volumes go only with `RemoveVolumes::Confirmed` (a host process has none: its data is
    /// the project's own files).
    pub(crate) async fn down(
        &self,
        volumes: RemoveVolumes,
        on_progress: impl Fn(Progress) + Send + Sync + 'static,
    ) -> Result<DownReport, ApiError> {
        match self {
            Runtime::Containers { stack, .. } => stack::down(stack, volumes, on_progress).await,
            Runtime::HostProcess { project, env } => crate::host::stop(project, env, on_progress).await,
        }
    }

    /// Its containers, or its host process (one row while it is recorded).
    pub(crate) async fn ps(&self) -> Result<Vec<ServiceStatus>, ApiError> {
        match self {
            Runtime::Containers { stack, .. } => stack::ps(stack).await,
            Runtime::HostProcess { project, env } => crate::host::ps(project, env).await,
        }
    }

    /// The volumes holding its data: a secret is never generated over them. None for a host process.
    pub(crate) async fn data_volumes(&self) -> Result<Vec<String>, ApiError> {
        match self {
            Runtime::Containers { stack, .. } => stack::volumes(stack).await,
            Runtime::HostProcess { .. } => Ok(Vec::new()),
        }
    }

    /// Its log lines, each masked once whole. A host process's lines were masked when written and are
    /// masked again on reading (the file may predate a secret, or an older EnvDeck's masking).
    pub(crate) async fn logs(
        &self,
        options: LogOptions,
        masker: Masker,
    ) -> Result<BoxStream<'static, Result<LogLine, ApiError>>, ApiError> {
        match self {
            Runtime::Containers { stack, .. } => Ok(stack::logs(stack, options, &masker).await?.boxed()),
            Runtime::HostProcess { project, env } => Ok(crate::host::logs(project, env, options)?
                .map(move |line| {
                    line.map(|mut l| {
                        l.text = masker.mask(&l.text);
                        l
                    })
                })
                .boxed()),
        }
    }

    /// State and health changes of its services, for the cards (reconnects by itself).
    pub(crate) async fn events(
        &self,
    ) -> Result<BoxStream<'static, Result<ServiceEvent, ApiError>>, ApiError> {
        match self {
            Runtime::Containers { stack, .. } => stack::events(stack).await,
            Runtime::HostProcess { project, env } => crate::host::events(project, env),
        }
    }

    /// CPU and memory samples of its running containers, about one a second each; a host process has none.
    pub(crate) async fn stats(&self) -> Result<BoxStream<'static, Result<StatsSample, ApiError>>, ApiError> {
        match self {
            Runtime::Containers { stack, .. } => Ok(stack::stats(stack, None).await?.boxed()),
            Runtime::HostProcess { .. } => Ok(futures_util::stream::empty().boxed()),
        }
    }

    /// What the service cards show beside `ps`: the links that work now, for its services as `ps` found
    /// them, and the services a watch keeps in step. A port a server publishes is on the server, not here: such a link opens through a local port forwarded over ssh
    /// ([`crate::desktop::link_to_open`]), never whatever listens on this machine's port.
    pub(crate) async fn cards(&self, services: &[ServiceStatus]) -> Result<Cards, ApiError> {
        match self {
            Runtime::HostProcess { project, env } => Ok(Cards {
                links: crate::links::host_links(env, &project.links, services),
                watchable: Vec::new(),
            }),
            Runtime::Containers { project, stack } => {
                let env = &stack.environment;
                let (id, specs) = (
                    environment::project_id(project)?,
                    environment::specs(project, env)?,
                );
                let values = crate::secrets::stored_values(id, env, &specs).await?;
                let model = environment::resolve_masked(project, env, &values)?;
                let mut links = crate::links::service_links(env, &model, &project.links, services);
                crate::links::place_on_server(&mut links, &stack.engine);
                Ok(Cards {
                    links,
                    watchable: crate::develop::watchable(project, env, &model)?,
                })
            }
        }
    }

    /// The stack, for what only containers have (exec in a service, images, a server's engine).
    pub(crate) fn stack(&self) -> Option<&StackId> {
        match self {
            Runtime::Containers { stack, .. } => Some(stack),
            Runtime::HostProcess { .. } => None,
        }
    }
}

/// What the service cards show beside each service's state.
pub(crate) struct Cards {
    pub links: Vec<ServiceLink>,
    /// The services with `develop.watch` rules a watch may keep in step (none on staging or production).
    pub watchable: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `text` so that its modification time surely differs from the last write's.
    fn rewrite(path: &Path, text: &str) {
        std::fs::write(path, text).expect("write");
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_modified(later))
            .expect("set the modification time");
    }

    #[test]
    fn a_session_is_read_again_when_a_file_it_came_from_changes_and_not_otherwise() {
        let tmp = tempfile::tempdir().expect("a folder");
        let dir = tmp.path();
        rewrite(
            &dir.join("docker-compose.yml"),
            "services:\n  web:\n    image: busybox\n",
        );
        rewrite(
            &dir.join("envdeck.toml"),
            "[environments.local]\nlabel = \"Local\"\n",
        );
        let project = Project::open(dir).expect("the project");
        let first = Fingerprint::of(&project);
        assert_eq!(
            first,
            Fingerprint::of(&project),
            "nothing changed: the session is kept"
        );

        rewrite(
            &dir.join("envdeck.toml"),
            "[environments.local]\nlabel = \"Here\"\n",
        );
        assert_ne!(first, Fingerprint::of(&project), "the manifest changed");

        let project = Project::open(dir).expect("the project");
        let before = Fingerprint::of(&project);
        rewrite(
            &dir.join("docker-compose.yml"),
            "services:\n  web:\n    image: busybox:1\n",
        );
        assert_ne!(before, Fingerprint::of(&project), "a compose file changed");

        let project = Project::open(dir).expect("the project");
        let before = Fingerprint::of(&project);
        std::fs::write(dir.join("docker-compose.staging.yml"), "services: {}\n").expect("an overlay");
        let folder = std::fs::File::open(dir).expect("the folder");
        folder
            .set_modified(SystemTime::now() + std::time::Duration::from_secs(10))
            .expect("the folder's time");
        assert_ne!(
            before,
            Fingerprint::of(&project),
            "a new overlay is a new environment: the folder's list changed"
        );
    }
}
