//! Start, stop and watch an Environment's stack: what the desktop's commands and the CLI's `up`, `down`,
//! `ps`, `logs`, `restart` and `exec` call. Takes a resolved compose model; finding it is the project's job.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use envdeck_core::compose::ComposeModel;
use envdeck_core::progress::Progress;
use envdeck_core::project::Endpoint;
use envdeck_core::secret::Masker;
use envdeck_core::{Environment, Identity};
use envdeck_engine::{Engine, EngineError};
use futures_util::stream::{BoxStream, Stream, StreamExt};

use crate::error::{ApiError, ErrorCode};
use crate::reason::Reason;

pub use envdeck_engine::status::{
    Change, LogLine, LogOptions, OutputStream, PublishedPort, ServiceEvent, ServiceStatus, StatsSample,
};
pub use envdeck_engine::{
    ChangeKind, DownReport, ImageCheck, PortCheck, Preflight, RemoveVolumes, ServiceChange, StackId, UpReport,
};

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        let code = match e {
            EngineError::Connect(_) => ErrorCode::DockerUnavailable,
            EngineError::Plan(_) | EngineError::Project(_) | EngineError::WorkingDirMissing { .. } => {
                ErrorCode::InvalidProject
            }
            EngineError::NotRunning { .. } => ErrorCode::NotRunning,
            _ if e.is_lost() => ErrorCode::DockerUnavailable,
            _ => ErrorCode::Internal,
        };
        ApiError {
            reason: Reason::of(&e),
            ..ApiError::new(code, e.to_string())
        }
    }
}

/// One connection per server for the life of the process: an ssh handshake takes a fifth of a second,
/// and hyper's pool keeps the connections of one engine open. This machine's engine is connected afresh
/// each time (a socket costs nothing, and a restarted Docker is found again).
static SERVERS: LazyLock<tokio::sync::Mutex<HashMap<Endpoint, Engine>>> = LazyLock::new(Default::default);

/// The engine the stack runs on: a server's when its environment names one, never this machine's in
/// its place.
async fn engine(stack: &StackId) -> Result<Engine, ApiError> {
    if stack.engine.is_local() {
        return Ok(Engine::connect().await?);
    }
    let mut servers = SERVERS.lock().await;
    if let Some(engine) = servers.get(&stack.engine) {
        return Ok(engine.clone());
    }
    let engine = Engine::connect_to(&stack.engine).await?;
    servers.insert(stack.engine.clone(), engine.clone());
    Ok(engine)
}

/// `result` as the API says it; a server's engine that stopped answering is forgotten, so the next call
/// connects afresh (a dropped ssh connection, a restarted Docker there) instead of failing the same way.
async fn answered<T>(stack: &StackId, result: Result<T, EngineError>) -> Result<T, ApiError> {
    if let Err(e) = &result {
        forget_if_gone(stack, e).await;
    }
    Ok(result?)
}

/// Forgets a server's engine whose connection failed, so the next call connects afresh.
async fn forget_if_gone(stack: &StackId, e: &EngineError) {
    if (matches!(e, EngineError::Connect(_)) || e.is_lost()) && !stack.engine.is_local() {
        SERVERS.lock().await.remove(&stack.engine);
    }
}

/// Brings the Environment up, reporting each Step to `on_progress`. Cancel by dropping the future
/// (Ctrl-C in the CLI, the window's Stop button): a later `up` continues from what exists.
pub async fn up(
    stack: &StackId,
    model: &ComposeModel,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<UpReport, ApiError> {
    let engine = engine(stack).await?;
    if stack.engine.is_local() {
        return answered(stack, engine.up(stack, model, Arc::new(on_progress)).await).await;
    }
    // On a server, what this Start made is kept as it goes: if the connection drops midway, the error
    // says what exists there, without asking a server that may not answer.
    let made = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&made);
    let on_progress = move |p: Progress| {
        if let Progress::StepFinished { step, .. } = &p
            && let Some(thing) = Made::by(step)
        {
            record.lock().unwrap_or_else(|p| p.into_inner()).push(thing);
        }
        on_progress(p)
    };
    let result = engine.up(stack, model, Arc::new(on_progress)).await;
    let Err(e) = result else {
        return answered(stack, result).await;
    };
    forget_if_gone(stack, &e).await;
    let made = std::mem::take(&mut *made.lock().unwrap_or_else(|p| p.into_inner()));
    Err(stopped_on_server(
        ApiError::from(e),
        stack.engine.host().unwrap_or_default().to_owned(),
        made,
    ))
}

/// A Start on a server that stopped midway: what stopped it, and what it made there before.
pub(crate) fn stopped_on_server(error: ApiError, host: String, made: Vec<Made>) -> ApiError {
    let exists = if made.is_empty() {
        format!("this Start made nothing on {host} yet")
    } else {
        let list: Vec<String> = made.iter().map(Made::message).collect();
        format!("on {host} it made {}", list.join(", "))
    };
    let message = format!(
        "the Start on the server {host} stopped: {}. Before that, {exists}. Start it again to continue: what \
         exists there is kept and reused",
        error.message
    );
    error.around(message, |cause| {
        if made.is_empty() {
            Reason::ServerStartStoppedEarly { host, cause }
        } else {
            Reason::ServerStartStopped { host, cause, made }
        }
    })
}

/// Something a Start made on a server (`reason.made.<kind>` in the window).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Made {
    Network { name: String },
    Volume { name: String },
    Service { name: String },
}

impl Made {
    /// What a finished Step made, if it made something.
    fn by(step: &envdeck_core::plan::Step) -> Option<Made> {
        use envdeck_core::plan::Step;
        match step {
            Step::Network { name } => Some(Made::Network { name: name.clone() }),
            Step::Volume { name } => Some(Made::Volume { name: name.clone() }),
            Step::Service { service } => Some(Made::Service {
                name: service.clone(),
            }),
            Step::CheckPorts | Step::Image { .. } | Step::Ready { .. } => None,
        }
    }

    fn message(&self) -> String {
        match self {
            Made::Network { name } => format!("the network {name}"),
            Made::Volume { name } => format!("the volume {name}"),
            Made::Service { name } => format!("the service {name}"),
        }
    }
}

/// Stops and removes the stack; volumes only with `RemoveVolumes::Confirmed` naming the Environment.
pub async fn down(
    stack: &StackId,
    volumes: RemoveVolumes,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<DownReport, ApiError> {
    let engine = engine(stack).await?;
    answered(stack, engine.down(stack, volumes, Arc::new(on_progress)).await).await
}

/// "Docker VERSION (API X)" of the engine the stack runs on: whether it answers.
pub async fn engine_answers(stack: &StackId) -> Result<String, ApiError> {
    let info = answered(stack, engine(stack).await?.info().await).await?;
    Ok(format!("Docker {} (API {})", info.version, info.api_version))
}

/// What a Start would meet (ports, images), changing nothing.
pub async fn preflight(stack: &StackId, model: &ComposeModel) -> Result<Preflight, ApiError> {
    answered(stack, engine(stack).await?.preflight(stack, model).await).await
}

/// The stack of one environment of a project with this identity, on the engine the environment names.
pub fn stack_id(identity: &Identity, environment: &Environment) -> StackId {
    StackId {
        name: identity.stack_name(&environment.id),
        project_id: identity.label(),
        environment: environment.id.clone(),
        legacy: identity.is_legacy(),
        engine: environment.engine.clone(),
    }
}

/// Whether the stack has any container or volume (an earlier EnvDeck's data, for adoption).
pub async fn exists(stack: &StackId) -> Result<bool, ApiError> {
    let engine = engine(stack).await?;
    Ok(!engine.ps(stack).await?.is_empty() || !engine.volumes(stack).await?.is_empty())
}

pub async fn ps(stack: &StackId) -> Result<Vec<ServiceStatus>, ApiError> {
    answered(stack, engine(stack).await?.ps(stack).await).await
}

/// The volumes carrying the stack's label: what "Wipe data" lists before asking.
pub async fn volumes(stack: &StackId) -> Result<Vec<String>, ApiError> {
    answered(stack, engine(stack).await?.volumes(stack).await).await
}

/// Restarts the whole stack, or one Service; returns the containers restarted.
pub async fn restart(stack: &StackId, service: Option<&str>) -> Result<Vec<String>, ApiError> {
    answered(stack, engine(stack).await?.restart(stack, service).await).await
}

/// Copies changed files into a Service's container and removes the deleted ones there (a watch's sync).
pub async fn sync(
    stack: &StackId,
    service: &str,
    copies: &[envdeck_core::watch::Copy],
    removes: &[String],
) -> Result<usize, ApiError> {
    answered(
        stack,
        engine(stack).await?.sync(stack, service, copies, removes).await,
    )
    .await
}

/// Builds a Service's image again and brings the stack up with it (a watch's rebuild).
pub async fn rebuild(
    stack: &StackId,
    model: &ComposeModel,
    service: &str,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<UpReport, ApiError> {
    let engine = engine(stack).await?;
    answered(
        stack,
        engine.rebuild(stack, model, service, Arc::new(on_progress)).await,
    )
    .await
}

/// The stack's log lines, each masked with `masker` once whole.
pub async fn logs(
    stack: &StackId,
    options: LogOptions,
    masker: &Masker,
) -> Result<impl Stream<Item = Result<LogLine, ApiError>> + Send + use<>, ApiError> {
    let lines = engine(stack).await?.logs(stack, options, masker).await?;
    Ok(lines.map(|l| l.map_err(ApiError::from)))
}

pub async fn stats(
    stack: &StackId,
    service: Option<&str>,
) -> Result<impl Stream<Item = Result<StatsSample, ApiError>> + Send + use<>, ApiError> {
    let samples = engine(stack).await?.stats(stack, service).await?;
    Ok(samples.map(|s| s.map_err(ApiError::from)))
}

/// State and health changes of the stack's containers, for the service cards (reconnects by itself).
pub async fn events(stack: &StackId) -> Result<BoxStream<'static, Result<ServiceEvent, ApiError>>, ApiError> {
    let events = engine(stack).await?.events(stack);
    Ok(events.map(|e| e.map_err(ApiError::from)).boxed())
}

/// Runs a command in a Service (tasks, "open terminal" without a TTY); returns its exit code.
pub async fn exec(
    stack: &StackId,
    service: &str,
    command: &[String],
    on_output: impl FnMut(LogLine) + Send,
) -> Result<i64, ApiError> {
    Ok(engine(stack)
        .await?
        .exec(stack, service, command, on_output)
        .await?)
}

/// Runs a command whose stdout is data (a database dump): bytes go to `on_stdout` unsplit; returns the
/// exit code and stderr.
pub async fn exec_raw(
    stack: &StackId,
    service: &str,
    command: &[String],
    on_stdout: impl FnMut(&[u8]) -> std::io::Result<()> + Send,
) -> Result<(i64, String), ApiError> {
    Ok(engine(stack)
        .await?
        .exec_raw(stack, service, command, on_stdout)
        .await?)
}

/// Runs a command in a Service's running container with `input` on its stdin (a dump to restore).
pub async fn exec_fed(
    stack: &StackId,
    service: &str,
    command: &[String],
    input: impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send + Unpin,
) -> Result<(i64, String), ApiError> {
    Ok(engine(stack)
        .await?
        .exec_fed(stack, service, command, input)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use envdeck_engine::error::Detail;

    #[test]
    fn an_engine_that_stopped_answering_is_docker_unavailable_whatever_it_was_doing() {
        let lost = EngineError::Inspect {
            what: "container shop-app-1".into(),
            detail: Detail {
                text: "Docker stopped answering at ssh://deploy@host".into(),
                lost_at: Some("ssh://deploy@host".into()),
            },
        };
        assert_eq!(ApiError::from(lost).code, ErrorCode::DockerUnavailable);
        let answered = EngineError::Inspect {
            what: "container shop-app-1".into(),
            detail: "no such container".into(),
        };
        assert_eq!(
            ApiError::from(answered).code,
            ErrorCode::Internal,
            "an answer of the engine is not the engine gone"
        );
    }
}
