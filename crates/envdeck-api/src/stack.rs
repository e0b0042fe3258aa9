//! Start, stop and watch an Environment's stack: what the desktop's commands and the CLI's `up`, `down`,
//! `ps`, `logs`, `restart` and `exec` call. Takes a resolved compose model; finding it is the project's job.

use std::sync::Arc;

use envdeck_core::compose::ComposeModel;
use envdeck_core::progress::Progress;
use envdeck_core::secret::Masker;
use envdeck_engine::{Engine, EngineError};
use futures_util::stream::{BoxStream, Stream, StreamExt};

use crate::error::{ApiError, ErrorCode};

pub use envdeck_engine::status::{
    Change, LogLine, LogOptions, OutputStream, PublishedPort, ServiceEvent, ServiceStatus, StatsSample,
};
pub use envdeck_engine::{DownReport, ImageCheck, PortCheck, Preflight, RemoveVolumes, UpReport};

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        let code = match e {
            EngineError::Connect(_) => ErrorCode::DockerUnavailable,
            EngineError::Plan(_) | EngineError::WorkingDirMissing { .. } => ErrorCode::InvalidProject,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

async fn engine() -> Result<Engine, ApiError> {
    Ok(Engine::connect().await?)
}

/// Brings the Environment up, reporting each Step to `on_progress`. Cancel by dropping the future
/// (Ctrl-C in the CLI, the window's Stop button): a later `up` continues from what exists.
pub async fn up(
    model: &ComposeModel,
    environment: &str,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<UpReport, ApiError> {
    Ok(engine()
        .await?
        .up(model, environment, Arc::new(on_progress))
        .await?)
}

/// Stops and removes the stack; volumes only with `RemoveVolumes::Confirmed` naming the Environment.
pub async fn down(
    project: &str,
    environment: &str,
    volumes: RemoveVolumes,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<DownReport, ApiError> {
    Ok(engine()
        .await?
        .down(project, environment, volumes, Arc::new(on_progress))
        .await?)
}

/// What a Start would meet (ports, images), changing nothing.
pub async fn preflight(model: &ComposeModel) -> Result<Preflight, ApiError> {
    Ok(engine().await?.preflight(model).await?)
}

pub async fn ps(project: &str) -> Result<Vec<ServiceStatus>, ApiError> {
    Ok(engine().await?.ps(project).await?)
}

/// The volumes carrying the stack's label: what "Wipe data" lists before asking.
pub async fn volumes(project: &str) -> Result<Vec<String>, ApiError> {
    Ok(engine().await?.volumes(project).await?)
}

/// Restarts the whole stack, or one Service; returns the containers restarted.
pub async fn restart(project: &str, service: Option<&str>) -> Result<Vec<String>, ApiError> {
    Ok(engine().await?.restart(project, service).await?)
}

/// The stack's log lines, each masked with `masker` once whole.
pub async fn logs(
    project: &str,
    options: LogOptions,
    masker: &Masker,
) -> Result<impl Stream<Item = Result<LogLine, ApiError>> + Send + use<>, ApiError> {
    let lines = engine().await?.logs(project, options, masker).await?;
    Ok(lines.map(|l| l.map_err(ApiError::from)))
}

pub async fn stats(
    project: &str,
    service: Option<&str>,
) -> Result<impl Stream<Item = Result<StatsSample, ApiError>> + Send + use<>, ApiError> {
    let samples = engine().await?.stats(project, service).await?;
    Ok(samples.map(|s| s.map_err(ApiError::from)))
}

/// State and health changes of the stack's containers, for the service cards (reconnects by itself).
pub async fn events(project: &str) -> Result<BoxStream<'static, Result<ServiceEvent, ApiError>>, ApiError> {
    let events = engine().await?.events(project);
    Ok(events.map(|e| e.map_err(ApiError::from)).boxed())
}

/// Runs a command in a Service (tasks, "open terminal" without a TTY); returns its exit code.
pub async fn exec(
    project: &str,
    service: &str,
    command: &[String],
    on_output: impl FnMut(LogLine) + Send,
) -> Result<i64, ApiError> {
    Ok(engine().await?.exec(project, service, command, on_output).await?)
}

/// Runs a command whose stdout is data (a database dump): bytes go to `on_stdout` unsplit; returns the
/// exit code and stderr.
pub async fn exec_raw(
    project: &str,
    service: &str,
    command: &[String],
    on_stdout: impl FnMut(&[u8]) -> std::io::Result<()> + Send,
) -> Result<(i64, String), ApiError> {
    Ok(engine()
        .await?
        .exec_raw(project, service, command, on_stdout)
        .await?)
}

/// Copies one file into a Service's running container (a dump to restore).
pub async fn copy_into(project: &str, service: &str, path: &str, contents: Vec<u8>) -> Result<(), ApiError> {
    Ok(engine()
        .await?
        .copy_into(project, service, path, contents)
        .await?)
}
