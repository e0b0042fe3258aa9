//! The engine's one error enum. Docker's own errors are not user-friendly, so each variant says what
//! EnvDeck was doing, keeps Docker's words as detail, and says what to do next.

use crate::docker::ConnectError;

#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// Docker is missing, stopped, or refuses this user; a server that cannot be reached or verified.
    #[error("{0}")]
    Connect(ConnectError),
    /// The project's files cannot be planned (a dependency cycle, an unknown dependency): the core's
    /// own error, with its facts, so the window words it as it words any wrong project file.
    #[error("{0}")]
    Project(std::sync::Arc<envdeck_core::CoreError>),
    /// A request the model cannot answer (a model of another stack, a rebuild with no `build:`).
    #[error("{0}")]
    Plan(String),
    /// A published host port is already used by another program: found before anything was created.
    #[error(
        "port {host_ip}:{port} (service `{service}`) is already in use by another program; stop that program or change the port in the compose file"
    )]
    PortTaken {
        service: String,
        host_ip: String,
        port: u16,
    },
    /// The image is absent and cannot be downloaded.
    #[error(
        "image {image} is not on this machine and the registry cannot be reached; connect to the network, or build/load the image, then run up again"
    )]
    ImageOffline { image: String, detail: Detail },
    /// The registry answered, but has no such image (or refuses it).
    #[error(
        "image {image} could not be pulled: {detail}; check the image name and tag, and `docker login` if it is private"
    )]
    Pull { image: String, detail: Detail },
    /// `docker build` of a Service with `build:` failed.
    #[error("building the image of service `{service}` failed: {detail}")]
    Build { service: String, detail: Detail },
    #[error("creating network {network} failed: {detail}")]
    CreateNetwork { network: String, detail: Detail },
    #[error("creating volume {volume} failed: {detail}")]
    CreateVolume { volume: String, detail: Detail },
    /// A container, network or volume with our name exists but is not EnvDeck's: we never touch it.
    #[error(
        "a {kind} named {name} already exists and does not belong to this environment; EnvDeck will not touch it: rename or remove it yourself, then run up again"
    )]
    Foreign { kind: &'static str, name: String },
    #[error("creating container {container} failed: {detail}")]
    CreateContainer { container: String, detail: Detail },
    #[error("starting container {container} failed: {detail}")]
    StartContainer { container: String, detail: Detail },
    #[error("stopping container {container} failed: {detail}")]
    StopContainer { container: String, detail: Detail },
    #[error("removing {kind} {name} failed: {detail}")]
    Remove {
        kind: &'static str,
        name: String,
        detail: Detail,
    },
    /// Listing or inspecting what Docker has for this environment failed.
    #[error("reading the state of {what} from Docker failed: {detail}")]
    Inspect { what: String, detail: Detail },
    /// A Service others wait for became unhealthy, exited or crash-looped.
    #[error("service `{service}` {why}. Its last log lines:\n{logs}")]
    ServiceFailed {
        service: String,
        why: Failure,
        logs: String,
    },
    /// Docker's events stream could not be read (and reconnecting did not help).
    #[error("watching Docker's events failed: {detail}")]
    Events { detail: Detail },
    #[error("reading the logs of {container} failed: {detail}")]
    Logs { container: String, detail: Detail },
    #[error("reading the resource usage of {container} failed: {detail}")]
    Stats { container: String, detail: Detail },
    #[error("running `{command}` in service `{service}` failed: {detail}")]
    Exec {
        service: String,
        command: String,
        detail: Detail,
    },
    /// The named Service has no running container in this environment.
    #[error("service `{service}` has no running container in project {project}; start it with `up` first")]
    NotRunning { project: String, service: String },
    /// Volumes are removed only when the environment's name is typed back exactly.
    #[error(
        "volumes were NOT removed: you typed `{typed}` but the environment is `{expected}`; type its name exactly to delete its data"
    )]
    ConfirmationMismatch { expected: String, typed: String },
    /// The program of a host-process Environment is not on PATH (an interpreter not installed).
    #[error("{program} is not installed (not found on PATH): {hint}")]
    ProgramNotFound {
        program: String,
        hint: crate::process::Install,
    },
    /// The `cwd` of a host-process Environment does not exist.
    #[error("the working folder {dir} does not exist; check `cwd` in envdeck.toml")]
    WorkingDirMissing { dir: String },
    /// The operating system refused to start a host process.
    #[error("starting `{program}` failed: {detail}")]
    Spawn { program: String, detail: Detail },
    /// The health URL's port already answers before the host process started: another program holds it.
    #[error(
        "port {port} of {url} (`{service}`) is already in use by another program; stop that program (or the environment that runs it) or change the port in envdeck.toml"
    )]
    HostPortTaken { service: String, url: String, port: u16 },
    /// EnvDeck's own record of a host process (state folder) could not be read or written.
    #[error("keeping EnvDeck's record of a host process in {path} failed: {detail}")]
    ProcessState { path: String, detail: Detail },
    /// Some processes of a host process's tree survived SIGTERM and SIGKILL.
    #[error("stopping `{service}` failed: {detail}")]
    StopProcess { service: String, detail: Detail },
    /// `develop.watch`'s copy of changed files into a service's container failed.
    #[error("copying the changed files into service `{service}` failed: {detail}")]
    Sync { service: String, detail: Detail },
    /// A `build:` context could not be packed.
    #[error("packing the build context {context} failed: {detail}")]
    BuildContext { context: String, detail: Detail },
}

/// Why a service did not become ready, as facts: the window words each kind from its catalog
/// (`reason.why.<kind>`), the CLI prints its `Display`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Failure {
    /// Its restart policy restarted it `restarts` times and it kept exiting.
    CrashLoop {
        #[ts(type = "number")]
        restarts: i64,
        #[ts(type = "number")]
        code: i64,
    },
    /// A one-off service (`service_completed_successfully`) that exited with an error.
    NotCompleted {
        #[ts(type = "number")]
        code: i64,
    },
    Exited {
        #[ts(type = "number")]
        code: i64,
    },
    Unhealthy,
    ExitedBeforeHealthy {
        #[ts(type = "number")]
        code: i64,
    },
    /// The kernel killed it for memory: its own limit was too small.
    OutOfMemoryLimit {
        limit: String,
        why: Box<Failure>,
    },
    /// The kernel killed it for memory: the machine (or Docker's VM) ran out.
    OutOfMemory {
        why: Box<Failure>,
    },
    /// A host process that exited before its health URL answered.
    ExitedBeforeAnswer {
        code: i32,
        url: String,
    },
    /// A host process ended by a signal before its health URL answered.
    SignalledBeforeAnswer {
        url: String,
    },
    /// A host process (no health URL) that exited right after it started.
    ExitedAtOnce {
        code: i32,
    },
    SignalledAtOnce,
    /// EnvDeck had no HTTP client to ask a host process's health URL with.
    Unchecked,
    /// A host process whose health URL did not answer in time.
    NoAnswer {
        url: String,
        #[ts(type = "number")]
        seconds: u64,
    },
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use Failure::*;
        match self {
            CrashLoop { restarts, code } => write!(
                f,
                "keeps crashing (restarted {restarts} times, last exit code {code})"
            ),
            NotCompleted { code } => write!(f, "did not complete successfully (exit code {code})"),
            Exited { code } => write!(f, "exited with code {code}"),
            Unhealthy => f.write_str("became unhealthy (its healthcheck kept failing)"),
            ExitedBeforeHealthy { code } => write!(f, "exited (code {code}) before it became healthy"),
            OutOfMemoryLimit { limit, why } => write!(
                f,
                "was killed by the kernel: out of memory, it needed more than its memory limit of {limit} (it {why}); \
                 raise deploy.resources.limits.memory in the compose file, or make the service use less"
            ),
            OutOfMemory { why } => write!(
                f,
                "was killed by the kernel: out of memory, the machine (or Docker's VM) ran out (it {why}); close \
                 other programs or give Docker more memory"
            ),
            ExitedBeforeAnswer { code, url } => write!(f, "exited with code {code} before {url} answered"),
            SignalledBeforeAnswer { url } => write!(f, "was ended by a signal before {url} answered"),
            ExitedAtOnce { code } => write!(f, "exited with code {code} right after it started"),
            SignalledAtOnce => f.write_str("was ended by a signal right after it started"),
            Unchecked => f.write_str("could not be checked: no HTTP client"),
            NoAnswer { url, seconds } => write!(f, "did not answer {url} within {seconds} s"),
        }
    }
}

/// What Docker (or the system) said about a failure, and where the engine stopped answering when it
/// did: decided once from the client's error kinds ([`is_lost`]), so no caller reads it from the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub text: String,
    /// The engine's address (`unix://…`, `ssh://…`) when the failure is that it stopped answering.
    pub lost_at: Option<String>,
}

impl Detail {
    /// Whether the engine stopped answering (rather than answered with an error).
    pub fn lost(&self) -> bool {
        self.lost_at.is_some()
    }
}

impl std::fmt::Display for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<String> for Detail {
    fn from(text: String) -> Self {
        Self { text, lost_at: None }
    }
}

impl From<&str> for Detail {
    fn from(text: &str) -> Self {
        text.to_owned().into()
    }
}

impl EngineError {
    /// Whether the failure is the engine no longer answering (stopped, restarted, the connection to it
    /// dropped), rather than an answer it gave.
    pub fn is_lost(&self) -> bool {
        use EngineError::*;
        match self {
            ImageOffline { detail, .. }
            | Pull { detail, .. }
            | Build { detail, .. }
            | CreateNetwork { detail, .. }
            | CreateVolume { detail, .. }
            | CreateContainer { detail, .. }
            | StartContainer { detail, .. }
            | StopContainer { detail, .. }
            | Remove { detail, .. }
            | Inspect { detail, .. }
            | Events { detail }
            | Logs { detail, .. }
            | Stats { detail, .. }
            | Exec { detail, .. }
            | Spawn { detail, .. }
            | ProcessState { detail, .. }
            | StopProcess { detail, .. }
            | BuildContext { detail, .. }
            | Sync { detail, .. } => detail.lost(),
            _ => false,
        }
    }
}

impl From<ConnectError> for EngineError {
    fn from(e: ConnectError) -> Self {
        EngineError::Connect(e)
    }
}

impl From<envdeck_core::CoreError> for EngineError {
    fn from(e: envdeck_core::CoreError) -> Self {
        EngineError::Project(std::sync::Arc::new(e))
    }
}

tokio::task_local! {
    /// The address of the engine an [`crate::Engine`] call works on (its socket, or `ssh://…`), for the
    /// message of a lost connection: set around each call by [`crate::Engine`].
    pub(crate) static PLACE: String;
}

/// Where the engine of the running call is; this machine's when no call set it.
fn place() -> String {
    PLACE
        .try_with(Clone::clone)
        .unwrap_or_else(|_| crate::docker::endpoint())
}

/// Docker's message without bollard's "Docker responded with status code 500:" prefix. When the engine
/// itself went away (stopped, restarted, crashed), that is what the message says, with what to do: the
/// client library's own words ("client error (Connect)") tell a user nothing.
pub(crate) fn detail(e: &bollard::errors::Error) -> Detail {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.trim().into(),
        other if is_lost(other) => {
            let place = place();
            Detail {
                text: format!(
                    "Docker stopped answering at {place} (it was stopped, restarted or crashed, or the connection to \
                     it dropped); start it again, then run the same command again: what was already made is kept \
                     and reused"
                ),
                lost_at: Some(place),
            }
        }
        other => other.to_string().into(),
    }
}

/// Whether the engine stopped answering: nothing listens on its socket any more, or the connection was
/// cut in the middle of a request.
pub(crate) fn is_lost(e: &bollard::errors::Error) -> bool {
    use std::io::ErrorKind;
    let first: &(dyn std::error::Error + 'static) = match e {
        bollard::errors::Error::SocketNotFoundError(_) => return true,
        // `transparent`: the io::Error is not in the source chain, it is the error.
        bollard::errors::Error::IOError { err } => err,
        other => other,
    };
    let mut source = Some(first);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::NotFound
                    | ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        // hyper's "the connection closed before the answer came" carries no io::Error.
        if s.to_string()
            .contains("connection closed before message completed")
        {
            return true;
        }
        source = s.source();
    }
    false
}

/// Whether Docker answered "no such object" (404).
pub(crate) fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }
    )
}

/// Whether Docker answered "already in that state" (304), e.g. stopping a stopped container.
pub(crate) fn is_not_modified(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError { status_code: 304, .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_engine_that_went_away_is_named_with_what_to_do() {
        for kind in [
            std::io::ErrorKind::ConnectionRefused,
            std::io::ErrorKind::NotFound,
            std::io::ErrorKind::ConnectionReset,
        ] {
            let e = bollard::errors::Error::IOError {
                err: std::io::Error::new(kind, "gone"),
            };
            let said = detail(&e);
            assert!(said.lost(), "{kind:?} is the engine gone, known by its kind");
            let text = said.text;
            assert!(
                text.contains("Docker stopped answering") && text.contains("run the same command again"),
                "{kind:?}: {text}"
            );
        }
        let other = bollard::errors::Error::IOError {
            err: std::io::Error::other("disk on fire"),
        };
        assert_eq!(
            detail(&other),
            Detail::from("disk on fire"),
            "other errors keep their own words, and are not the engine gone"
        );
    }
}
