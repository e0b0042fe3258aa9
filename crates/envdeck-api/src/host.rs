//! Host-process Environments (the sample's `sqlite`: a command from `envdeck.toml`, no Docker) behind
//! the same calls as Docker ones: [`crate::environment`] and [`crate::watch`] hand a Process
//! environment here, so `start`/`stop`/`ps`/`logs` and the Progress events are the same for both
//! clients. Its keychain secrets are injected into the process's environment, never logged.
//!
//! Who owns the process: the EnvDeck process that started it (the desktop app until it quits, the
//! CLI's foreground `envdeck up`). Any EnvDeck process finds it through the state folder
//! ([`state_dir`]), so `envdeck ps`/`logs`/`down` work beside the app.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use envdeck_core::compose::{ComposeModel, Layer, Service};
use envdeck_core::progress::Progress;
use envdeck_core::secret::{Conflict, precedence};
use envdeck_core::{EnvironmentKind, Project};
use envdeck_engine::process::{self, HostSpec, Timing};
use futures_util::stream::{BoxStream, StreamExt};
use serde::Serialize;

use crate::app_info::Reachability;
use crate::error::{ApiError, ErrorCode};
use crate::secrets::StartSecrets;
use crate::stack::{DownReport, LogLine, LogOptions, ServiceEvent, ServiceStatus, UpReport};

/// Overrides the folder of host-process records (tests, portable installs).
pub const STATE_DIR_VAR: &str = "ENVDECK_STATE_DIR";

/// Where host processes are recorded: `$XDG_STATE_HOME/envdeck/processes` (or
/// `~/.local/state/envdeck/processes`) on Linux, `~/Library/Application Support/EnvDeck/processes` on
/// macOS, `%LOCALAPPDATA%\EnvDeck\processes` on Windows; `ENVDECK_STATE_DIR` wins everywhere.
pub fn state_dir() -> Option<PathBuf> {
    let macos = ["Library", "Application Support", "EnvDeck", "processes"];
    crate::folders::folder(STATE_DIR_VAR, "processes", crate::folders::Xdg::State, &macos)
}

fn dir() -> Result<PathBuf, ApiError> {
    state_dir().ok_or_else(|| {
        ApiError::new(
            ErrorCode::Internal,
            format!("no folder to record host processes in (HOME is not set); set {STATE_DIR_VAR}"),
        )
    })
}

/// The name a host environment's records go by: its stack name, so it carries the project's identity.
fn key(project: &Project, env: &str) -> Result<String, ApiError> {
    project
        .stack_name(env)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
}

/// Whether the environment runs a host process rather than Docker.
pub fn is_host(project: &Project, env: &str) -> bool {
    project
        .environment(env)
        .is_ok_and(|e| matches!(e.kind, EnvironmentKind::Process { .. }))
}

/// Another value of a managed secret in the shell EnvDeck runs in or in the environment's `env` table:
/// the process gets the keychain's, as a container does (`secret::precedence`).
pub(crate) fn conflicts(
    project: &Project,
    env: &str,
    secrets: &StartSecrets,
) -> Result<Vec<Conflict>, ApiError> {
    let environment = project.environment(env).map_err(ApiError::from)?;
    let EnvironmentKind::Process { env: vars, .. } = &environment.kind else {
        return Ok(Vec::new());
    };
    let table = Layer::new(
        format!("envdeck.toml [environments.{env}] env"),
        vars.iter().map(|(k, v)| (k.clone(), v.clone())),
    );
    let mut conflicts = precedence::in_layers([&Layer::process_env()], &secrets.values);
    conflicts.extend(precedence::in_manifest(env, &table, &secrets.values));
    Ok(conflicts)
}

/// The host process as the security checklist reads a service: one service, with the variables the
/// process gets (the manifest's `env`, then the keychain's secrets) and no published ports.
pub(crate) fn as_model(
    project: &Project,
    env: &str,
    secrets: &StartSecrets,
) -> Result<ComposeModel, ApiError> {
    let spec = spec(project, env, Some(secrets))?;
    let service = Service {
        environment: spec.env.into_iter().map(|(k, v)| (k, Some(v))).collect(),
        ..Service::default()
    };
    Ok(ComposeModel {
        name: spec.key,
        services: std::collections::BTreeMap::from([(spec.service, service)]),
        networks: std::collections::BTreeMap::new(),
        volumes: std::collections::BTreeMap::new(),
        warnings: Vec::new(),
    })
}

/// The engine's description of the environment's process; `secrets` are added to its variables last.
fn spec(project: &Project, env: &str, secrets: Option<&StartSecrets>) -> Result<HostSpec, ApiError> {
    let environment = project.environment(env).map_err(ApiError::from)?;
    let EnvironmentKind::Process {
        command,
        cwd,
        env: vars,
        health_url,
    } = &environment.kind
    else {
        return Err(ApiError::new(
            ErrorCode::Internal,
            format!("environment `{env}` runs on Docker, not as a host process"),
        ));
    };
    let mut variables: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some(secrets) = secrets {
        variables.extend(
            secrets
                .values
                .iter()
                .map(|(k, v)| (k.clone(), v.expose().to_owned())),
        );
    }
    Ok(HostSpec {
        // Checking the program (the doctor, no secrets) needs no identity; a run's records do.
        key: match secrets {
            Some(_) => key(project, env)?,
            None => String::new(),
        },
        service: environment
            .services
            .first()
            .cloned()
            .unwrap_or_else(|| env.to_owned()),
        command: command.clone(),
        cwd: cwd.clone(),
        env: variables,
        health_url: health_url.clone(),
    })
}

/// A host Task of the environment: `command` instead of the environment's own, in the same folder with
/// the same variables and keychain secrets.
pub(crate) fn task_spec(
    project: &Project,
    env: &str,
    secrets: &StartSecrets,
    command: Vec<String>,
) -> Result<HostSpec, ApiError> {
    let spec = spec(project, env, Some(secrets))?;
    Ok(HostSpec {
        service: command.first().cloned().unwrap_or_default(),
        command,
        ..spec
    })
}

/// Starts the process with the environment's `env` table and its keychain secrets, and waits for its
/// health URL. Errors and events are masked by the caller.
pub(crate) async fn start(
    project: &Project,
    env: &str,
    secrets: &StartSecrets,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<UpReport, ApiError> {
    if let Some(missing) = secrets.to_enter.first() {
        return Err(ApiError::new(
            ErrorCode::InvalidProject,
            format!(
                "{missing} of environment `{env}` must be entered first: `envdeck secrets enter {env} {missing}`"
            ),
        ));
    }
    let spec = spec(project, env, Some(secrets))?;
    let dir = dir()?;
    Ok(process::start(
        &spec,
        &dir,
        secrets.masker(),
        Timing::default(),
        Arc::new(on_progress),
    )
    .await?)
}

/// Stops the process's whole tree. The report names it as `<program> (pid N)` where a container would be.
pub(crate) async fn stop(
    project: &Project,
    env: &str,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<DownReport, ApiError> {
    let stopped = process::stop(
        &dir()?,
        &key(project, env)?,
        Timing::default().grace,
        Arc::new(on_progress),
    )
    .await?;
    Ok(DownReport {
        containers: stopped
            .filter(|s| s.was_running)
            .map(|s| format!("{} (pid {})", s.service, s.pid))
            .into_iter()
            .collect(),
        networks: Vec::new(),
        volumes: Vec::new(),
    })
}

pub(crate) async fn ps(project: &Project, env: &str) -> Result<Vec<ServiceStatus>, ApiError> {
    Ok(process::ps(&dir()?, &key(project, env)?).await)
}

/// The exit code of the environment's last run when it ended by itself (`Some(None)`: by a signal);
/// `None` while it runs, once forgotten, or when a `stop` ended it.
pub fn exit_code(project: &Project, env: &str) -> Option<Option<i32>> {
    let dir = state_dir()?;
    let key = project.stack_name(env).ok()?;
    let (run, running) = process::status(&dir, &key)?;
    if running {
        return None;
    }
    let exit = process::read_exit(&dir, &key, run.pid);
    // A `stop` (another EnvDeck's `down`) forgets the run, its record first and then its exit: an exit
    // missing because it went while this read is a stop's, not "ended by a signal".
    if process::status(&dir, &key).is_none_or(|(again, _)| again.pid != run.pid) {
        return None;
    }
    match exit {
        Some(e) if e.stopped => None,
        exit => Some(exit.and_then(|e| e.code)),
    }
}

pub(crate) fn logs(
    project: &Project,
    env: &str,
    options: LogOptions,
) -> Result<BoxStream<'static, Result<LogLine, ApiError>>, ApiError> {
    Ok(process::logs(&dir()?, &key(project, env)?, options)
        .map(|l| l.map_err(ApiError::from))
        .boxed())
}

pub(crate) fn events(
    project: &Project,
    env: &str,
) -> Result<BoxStream<'static, Result<ServiceEvent, ApiError>>, ApiError> {
    Ok(process::events(&dir()?, &key(project, env)?)
        .map(|e| e.map_err(ApiError::from))
        .boxed())
}

/// Stops every host process this EnvDeck process started: the desktop app calls it when it quits.
pub async fn stop_owned() -> Vec<String> {
    match state_dir() {
        Some(dir) => process::stop_owned(&dir, Timing::default().grace).await,
        None => Vec::new(),
    }
}

/// One doctor line: whether a host environment's program is installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct HostProgram {
    pub environment: String,
    pub program: String,
    pub status: Reachability,
}

/// The doctor's lines for a project's host environments: "uvicorn is not installed: ...what to do".
pub fn check_programs(dir: &Path) -> Result<Vec<HostProgram>, ApiError> {
    let project = crate::project::open(dir)?;
    let mut lines = Vec::new();
    for environment in project.environments() {
        if !matches!(environment.kind, EnvironmentKind::Process { .. }) {
            continue;
        }
        let spec = spec(&project, &environment.id, None)?;
        let status = match process::check_program(&spec) {
            Ok(path) => Reachability::Reachable {
                detail: path.display().to_string(),
            },
            Err(e) => Reachability::failed(ApiError::from(e)),
        };
        lines.push(HostProgram {
            environment: environment.id.clone(),
            program: spec.command.first().cloned().unwrap_or_default(),
            status,
        });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_names_the_state_folder() {
        // Read-only check of the rule (tests run in threads: the environment is not changed here).
        match std::env::var_os(STATE_DIR_VAR) {
            Some(dir) => assert_eq!(state_dir(), Some(PathBuf::from(dir))),
            None if cfg!(target_os = "linux") && std::env::var_os("HOME").is_some() => {
                let dir = state_dir().unwrap_or_default();
                assert!(dir.ends_with("envdeck/processes"), "{}", dir.display());
            }
            None => {}
        }
    }
}
