//! The facts of the errors a person meets most (an engine that does not answer or cannot be verified,
//! here or on a server; a port already taken; a keychain that does not answer or is locked), typed, so
//! the window words them in the person's language. A fact that is a word of the sentence (`action`,
//! `client`, `operation`: the keychain's `read`, the holder `cli`, its `start`) is a key of the window's
//! catalog too (`reason.word.<value>`).
//! The error's `message` is the same sentence in English, for the CLI and the logs; the window's English
//! catalog must say exactly that, which a UI test checks against the samples this module writes.

use envdeck_engine::EngineError;
use envdeck_engine::docker::ConnectError;
use envdeck_vault::VaultError;
use envdeck_vault::error::Doing;
use serde::Serialize;

pub mod project;

/// The facts that are words of the sentence, from a fixed vocabulary (never a value of the person's):
/// the window says them from its catalog (`reason.word.<value>`, ui/src/lib/i18n/index.ts).
pub const WORD_FACTS: [&str; 5] = ["action", "client", "operation", "step", "thing"];

/// What went wrong, as facts; the window's catalog has one sentence per kind (`reason.<kind>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Reason {
    DockerNotRunning {
        endpoint: String,
    },
    DockerPermissionDenied {
        endpoint: String,
    },
    DockerOther {
        endpoint: String,
        detail: String,
    },
    ServerUnreachable {
        host: String,
        said: String,
    },
    LoginRefused {
        host: String,
        said: String,
    },
    UnknownHostKey {
        host: String,
        said: String,
    },
    NoDockerOnServer {
        host: String,
        said: String,
    },
    EngineTooOld {
        host: String,
        api: String,
    },
    TcpUnreachable {
        endpoint: String,
        detail: String,
    },
    TlsRefused {
        endpoint: String,
        detail: String,
        ca: String,
        cert: String,
    },
    PortTaken {
        service: String,
        host_ip: String,
        port: u16,
    },
    /// Another EnvDeck holds the environment's writer lock; the waiter gave up after `waited` seconds.
    Busy {
        env: String,
        #[serde(flatten)]
        holder: envdeck_core::progress::Holder,
        #[ts(type = "number")]
        waited: u64,
        var: String,
    },
    /// The same, with a holder that did not say who it is.
    BusyUnknown {
        env: String,
        #[ts(type = "number")]
        waited: u64,
        var: String,
    },
    /// The doctor's keychain row: no keychain answered, or it refused access.
    KeychainNotAvailable {
        detail: String,
    },
    KeychainUnavailable {
        action: String,
        name: String,
        env: String,
        service: String,
        detail: String,
    },
    KeychainLocked {
        action: String,
        name: String,
        env: String,
        service: String,
        detail: String,
    },
    /// A step of the engine's work that Docker refused: `step` is a word (`create_network`), `name` what
    /// it worked on, `detail` Docker's own words.
    StepFailed {
        step: String,
        name: String,
        detail: String,
    },
    /// The same step, cut off because the engine at `place` stopped answering.
    EngineLost {
        step: String,
        name: String,
        place: String,
    },
    ExecFailed {
        command: String,
        service: String,
        detail: String,
    },
    ImageOffline {
        image: String,
    },
    PullFailed {
        image: String,
        detail: String,
    },
    /// A container, network or volume (`thing`, a word) with EnvDeck's name that is not EnvDeck's.
    NotOurs {
        thing: String,
        name: String,
    },
    ServiceNotRunning {
        service: String,
        project: String,
    },
    NameMismatch {
        typed: String,
        expected: String,
    },
    WorkingDirMissing {
        dir: String,
    },
    HostPortTaken {
        port: u16,
        url: String,
        service: String,
    },
    /// A second Start of an environment whose Start is running in this app.
    AlreadyStarting {
        env: String,
    },
    /// The person cancelled the Start.
    StartCancelled {
        env: String,
    },
    /// The environment's data outlived secrets that protected it: nothing was generated.
    SecretLost {
        env: String,
        volumes: String,
        names: String,
        first: String,
    },
    /// No answer from the keychain within `seconds`: most often a prompt waiting for the person.
    KeychainSilent {
        #[ts(type = "number")]
        seconds: u64,
    },
    EnteredNotGenerated {
        name: String,
        env: String,
    },
    EmptyValue {
        name: String,
        env: String,
    },
    TooShort {
        names: String,
        env: String,
        #[ts(type = "number")]
        least: usize,
    },
    TooShortInFile {
        names: String,
        env: String,
        file: String,
        #[ts(type = "number")]
        least: usize,
    },
    NotStoredYet {
        name: String,
        env: String,
    },
    NothingToRotate {
        name: String,
        env: String,
    },
    TaskServiceNotRunning {
        task: String,
        service: String,
        env: String,
    },
    /// A service others wait for did not become ready: `why` is itself worded by the catalog
    /// (`reason.why.<kind>`); `logs` are the service's own last lines.
    ServiceFailed {
        service: String,
        why: envdeck_engine::error::Failure,
        logs: String,
    },
    /// The project's files are wrong: `problem` is worded by the catalog (`reason.problem.<kind>`).
    InvalidProject {
        problem: project::Problem,
    },
    /// A folder may not adopt another project's secrets and data (`reason.refusal.<kind>`).
    AdoptRefused {
        refusal: crate::identity::Refusal,
    },
    /// A Start on a server stopped (the connection dropped, a step failed) before it made anything.
    ServerStartStoppedEarly {
        host: String,
        cause: Cause,
    },
    /// The same, after it made these (`reason.made.<kind>`): the next Start continues.
    ServerStartStopped {
        host: String,
        cause: Cause,
        made: Vec<crate::stack::Made>,
    },
    /// A rotation stopped because the database that keeps the password in its data could not be changed.
    NotRotated {
        name: String,
        service: String,
        env: String,
        cause: Cause,
    },
    /// A backup or restore that could not be made (`reason.trouble.<kind>`).
    Backup {
        trouble: crate::backup::Trouble,
    },
    /// An export of secrets over a file that exists.
    ExportExists {
        file: String,
    },
    /// A secret whose value a `.env` line cannot hold.
    NotExportable {
        name: String,
    },
    /// The engine the manifest names cannot be used as configured (`reason.unusable.<kind>`).
    EngineUnusable {
        unusable: envdeck_engine::unusable::Unusable,
    },
    /// A host environment's program is not installed: `hint` says what to install (`reason.hint.<kind>`).
    ProgramMissing {
        program: String,
        hint: envdeck_engine::process::Install,
    },
}

/// Another error inside a reason's sentence (what stopped a Start on a server): the window words it by
/// its own reason when it has one, else shows its English message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Cause {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<Box<Reason>>,
}

impl From<&crate::ApiError> for Cause {
    fn from(e: &crate::ApiError) -> Self {
        Cause {
            message: e.message.clone(),
            reason: e.reason.clone().map(Box::new),
        }
    }
}

impl Reason {
    /// The facts of an engine error, when it is one the window words itself.
    pub fn of(e: &EngineError) -> Option<Reason> {
        if let Some((step, name, detail)) = step_of(e) {
            return Some(match &detail.lost_at {
                Some(place) => Reason::EngineLost {
                    step: step.to_owned(),
                    name,
                    place: place.clone(),
                },
                None => Reason::StepFailed {
                    step: step.to_owned(),
                    name,
                    detail: detail.text.clone(),
                },
            });
        }
        let s = String::clone;
        Some(match e {
            EngineError::Connect(connect) => return Reason::of_connect(connect),
            EngineError::Project(core) => {
                return project::problem(core).map(|problem| Reason::InvalidProject { problem });
            }
            EngineError::PortTaken {
                service,
                host_ip,
                port,
            } => Reason::PortTaken {
                service: s(service),
                host_ip: s(host_ip),
                port: *port,
            },
            EngineError::Exec {
                service,
                command,
                detail,
            } if !detail.lost() => Reason::ExecFailed {
                command: s(command),
                service: s(service),
                detail: s(&detail.text),
            },
            EngineError::ImageOffline { image, .. } => Reason::ImageOffline { image: s(image) },
            EngineError::Pull { image, detail } if !detail.lost() => Reason::PullFailed {
                image: s(image),
                detail: s(&detail.text),
            },
            EngineError::Foreign { kind, name } => Reason::NotOurs {
                thing: (*kind).to_owned(),
                name: s(name),
            },
            EngineError::NotRunning { project, service } => Reason::ServiceNotRunning {
                service: s(service),
                project: s(project),
            },
            EngineError::ConfirmationMismatch { expected, typed } => Reason::NameMismatch {
                typed: s(typed),
                expected: s(expected),
            },
            EngineError::WorkingDirMissing { dir } => Reason::WorkingDirMissing { dir: s(dir) },
            EngineError::HostPortTaken { service, url, port } => Reason::HostPortTaken {
                port: *port,
                url: s(url),
                service: s(service),
            },
            EngineError::ProgramNotFound { program, hint } => Reason::ProgramMissing {
                program: s(program),
                hint: hint.clone(),
            },
            EngineError::ServiceFailed { service, why, logs } => Reason::ServiceFailed {
                service: s(service),
                why: why.clone(),
                logs: s(logs),
            },
            // A request the model cannot answer, a listing, the events: their sentences are composed of
            // many parts, in English.
            _ => return None,
        })
    }

    /// The facts of a keychain error, when it is one the window words itself.
    pub fn of_vault(e: &VaultError) -> Option<Reason> {
        let (locked, doing, detail) = match e {
            VaultError::Unavailable { doing, detail } => (false, doing, detail),
            VaultError::NoAccess { doing, detail } => (true, doing, detail),
            _ => return None,
        };
        let Doing {
            action,
            name,
            env,
            service,
        } = doing.clone();
        let (action, detail) = (action.verb().to_owned(), detail.clone());
        Some(if locked {
            Reason::KeychainLocked {
                action,
                name,
                env,
                service,
                detail,
            }
        } else {
            Reason::KeychainUnavailable {
                action,
                name,
                env,
                service,
                detail,
            }
        })
    }

    fn of_connect(e: &ConnectError) -> Option<Reason> {
        let e = e.clone();
        Some(match e {
            ConnectError::NotRunning { endpoint } => Reason::DockerNotRunning { endpoint },
            ConnectError::PermissionDenied { endpoint } => Reason::DockerPermissionDenied { endpoint },
            ConnectError::Other { endpoint, detail } => Reason::DockerOther { endpoint, detail },
            ConnectError::Unreachable { host, said } => Reason::ServerUnreachable { host, said },
            ConnectError::LoginRefused { host, said } => Reason::LoginRefused { host, said },
            ConnectError::UnknownHostKey { host, said } => Reason::UnknownHostKey { host, said },
            ConnectError::NoDockerOnServer { host, said } => Reason::NoDockerOnServer { host, said },
            ConnectError::TooOld { host, api } => Reason::EngineTooOld { host, api },
            ConnectError::TcpUnreachable { endpoint, detail } => Reason::TcpUnreachable { endpoint, detail },
            ConnectError::TlsRefused {
                endpoint,
                detail,
                ca,
                cert,
            } => Reason::TlsRefused {
                endpoint,
                detail,
                ca,
                cert,
            },
            ConnectError::Unusable(unusable) => Reason::EngineUnusable { unusable },
            // A kind the engine adds later is said in English until the window has words for it.
            _ => return None,
        })
    }
}

/// An engine error of the shape "STEP NAME failed: DETAIL": the step as a word of the window's
/// catalog (`reason.word.<step>`), what it worked on, and Docker's words.
fn step_of(e: &EngineError) -> Option<(&'static str, String, &envdeck_engine::error::Detail)> {
    let quoted = |name: &str| format!("`{name}`");
    Some(match e {
        EngineError::CreateNetwork { network, detail } => ("create_network", network.clone(), detail),
        EngineError::CreateVolume { volume, detail } => ("create_volume", volume.clone(), detail),
        EngineError::CreateContainer { container, detail } => ("create_container", container.clone(), detail),
        EngineError::StartContainer { container, detail } => ("start_container", container.clone(), detail),
        EngineError::StopContainer { container, detail } => ("stop_container", container.clone(), detail),
        EngineError::Remove { kind, name, detail } => (
            match *kind {
                "container" => "remove_container",
                "network" => "remove_network",
                "volume" => "remove_volume",
                _ => return None,
            },
            name.clone(),
            detail,
        ),
        EngineError::Logs { container, detail } => ("read_logs", container.clone(), detail),
        EngineError::Stats { container, detail } => ("read_stats", container.clone(), detail),
        EngineError::Build { service, detail } => ("build", quoted(service), detail),
        EngineError::BuildContext { context, detail } => ("pack_context", context.clone(), detail),
        EngineError::Spawn { program, detail } => ("spawn", quoted(program), detail),
        EngineError::StopProcess { service, detail } => ("stop_process", quoted(service), detail),
        EngineError::ProcessState { path, detail } => ("keep_record", path.clone(), detail),
        EngineError::Sync { service, detail } => ("sync", quoted(service), detail),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiError;
    use envdeck_engine::error::{Detail, Failure};
    use envdeck_engine::process::Install;
    use envdeck_engine::unusable::{TlsFile, Unusable};

    /// One error of each kind, as the engine makes it.
    fn samples() -> Vec<EngineError> {
        let s = |text: &str| text.to_owned();
        let connect = [
            ConnectError::NotRunning {
                endpoint: s("unix:///var/run/docker.sock"),
            },
            ConnectError::PermissionDenied {
                endpoint: s("unix:///var/run/docker.sock"),
            },
            ConnectError::Other {
                endpoint: s("npipe:////./pipe/docker_engine"),
                detail: s("the pipe is busy"),
            },
            ConnectError::Unreachable {
                host: s("staging.example.com"),
                said: s("ssh: connect to host staging.example.com port 22: Connection refused"),
            },
            ConnectError::LoginRefused {
                host: s("staging.example.com"),
                said: s("deploy@staging.example.com: Permission denied (publickey)."),
            },
            ConnectError::UnknownHostKey {
                host: s("staging.example.com"),
                said: s("Host key verification failed."),
            },
            ConnectError::NoDockerOnServer {
                host: s("staging.example.com"),
                said: s("bash: docker: command not found"),
            },
            ConnectError::TooOld {
                host: s("staging.example.com"),
                api: s("1.40"),
            },
            ConnectError::TcpUnreachable {
                endpoint: s("tcp://10.0.0.5:2376"),
                detail: s("Connection refused (os error 111)"),
            },
            ConnectError::TlsRefused {
                endpoint: s("tcp://10.0.0.5:2376"),
                detail: s("certificate verify failed (hostname mismatch)"),
                ca: s("/home/dev/.docker/ca.pem"),
                cert: s("/home/dev/.docker/cert.pem"),
            },
        ];
        let mut samples: Vec<EngineError> = connect
            .into_iter()
            .chain(unusable_samples().into_iter().map(ConnectError::from))
            .map(EngineError::from)
            .collect();
        samples.push(EngineError::PortTaken {
            service: s("mailhog"),
            host_ip: s("127.0.0.1"),
            port: 8025,
        });
        samples.extend(step_samples());
        let docker_said = || Detail::from("no space left on device");
        samples.extend([
            EngineError::Exec {
                service: s("backend"),
                command: s("alembic upgrade head"),
                detail: docker_said(),
            },
            EngineError::ImageOffline {
                image: s("postgres:16-alpine"),
                detail: docker_said(),
            },
            EngineError::Pull {
                image: s("ghcr.io/acme/api:2.1"),
                detail: Detail::from("manifest unknown"),
            },
            EngineError::Foreign {
                kind: "network",
                name: s("shop-local_default"),
            },
            EngineError::NotRunning {
                project: s("shop-local"),
                service: s("db"),
            },
            EngineError::ConfirmationMismatch {
                expected: s("staging"),
                typed: s("stagin"),
            },
            EngineError::WorkingDirMissing {
                dir: s("/home/dev/shop/backend"),
            },
            EngineError::HostPortTaken {
                service: s("backend"),
                url: s("http://127.0.0.1:8000/health"),
                port: 8000,
            },
        ]);
        let folder = || s("/home/dev/shop/backend");
        samples.extend(
            [
                ("poetry", Install::Poetry { folder: folder() }),
                ("uvicorn", Install::PythonPackages { folder: folder() }),
                ("python3", Install::Python),
                ("npm", Install::Node),
                (
                    "frobnicate",
                    Install::Program {
                        program: s("frobnicate"),
                    },
                ),
            ]
            .into_iter()
            .map(|(program, hint)| EngineError::ProgramNotFound {
                program: s(program),
                hint,
            }),
        );
        samples.extend(
            failure_samples()
                .into_iter()
                .map(|why| EngineError::ServiceFailed {
                    service: s("db"),
                    why,
                    logs: s("FATAL:  password authentication failed for user \"app\""),
                }),
        );
        samples
    }

    /// Each way the engine a manifest names cannot be used.
    fn unusable_samples() -> Vec<Unusable> {
        let s = |text: &str| text.to_owned();
        let (name, meta) = (
            || s("staging"),
            || s("/home/dev/.docker/contexts/meta/9f86d08/meta.json"),
        );
        let endpoint = || s("tcp://10.0.0.5:2376");
        let mut all = vec![
            Unusable::NoConfigFolder {
                var: s("DOCKER_CONFIG"),
            },
            Unusable::ContextMissing {
                name: name(),
                file: meta(),
            },
            Unusable::ContextUnreadable {
                name: name(),
                file: meta(),
                detail: s("Permission denied (os error 13)"),
            },
            Unusable::ContextNotJson {
                name: name(),
                file: meta(),
                detail: s("expected value at line 1 column 1"),
            },
            Unusable::ContextSkipsVerify { name: name() },
            Unusable::ContextNoHost {
                name: name(),
                file: meta(),
            },
            Unusable::ContextNoCertificates {
                name: name(),
                folder: s("/home/dev/.docker/contexts/tls/9f86d08/docker"),
            },
            Unusable::ContextElsewhere {
                name: name(),
                host: s("npipe:////./pipe/docker_engine"),
            },
            Unusable::NotPem {
                file: s("/home/dev/.docker/ca.pem"),
                detail: s("no certificate found"),
            },
            Unusable::NotPkcs8 {
                cert: s("/home/dev/.docker/cert.pem"),
                key: s("/home/dev/.docker/key.pem"),
                detail: s("expected PKCS#8 PEM"),
            },
            Unusable::TlsSettings {
                endpoint: endpoint(),
                detail: s("unsupported protocol"),
            },
            Unusable::Client {
                endpoint: endpoint(),
                detail: s("invalid URI"),
            },
            Unusable::NotForwardable {
                port: 8025,
                endpoint: endpoint(),
            },
            Unusable::ForwardFailed {
                port: 8025,
                host: s("staging.example.com"),
                said: s("bind [127.0.0.1]:41234: Address already in use"),
            },
        ];
        for thing in [
            TlsFile::CaCertificate,
            TlsFile::ClientCertificate,
            TlsFile::ClientKey,
        ] {
            all.push(Unusable::TlsFileMissing {
                endpoint: endpoint(),
                thing,
                file: s("/home/dev/.docker/ca.pem"),
                detail: s("No such file or directory (os error 2)"),
            });
        }
        all
    }

    /// Each way a service fails to become ready, as the engine says it.
    fn failure_samples() -> Vec<Failure> {
        let url = || "http://127.0.0.1:8000/health".to_owned();
        vec![
            Failure::CrashLoop { restarts: 5, code: 3 },
            Failure::NotCompleted { code: 2 },
            Failure::Exited { code: 1 },
            Failure::Unhealthy,
            Failure::ExitedBeforeHealthy { code: 137 },
            Failure::OutOfMemoryLimit {
                limit: "256 MiB".into(),
                why: Box::new(Failure::Exited { code: 137 }),
            },
            Failure::OutOfMemory {
                why: Box::new(Failure::ExitedBeforeHealthy { code: 137 }),
            },
            Failure::ExitedBeforeAnswer { code: 1, url: url() },
            Failure::SignalledBeforeAnswer { url: url() },
            Failure::ExitedAtOnce { code: 2 },
            Failure::SignalledAtOnce,
            Failure::Unchecked,
            Failure::NoAnswer {
                url: url(),
                seconds: 60,
            },
        ]
    }

    /// Every engine error of the shape "STEP NAME failed: DETAIL", each step once, and one of them cut
    /// off by an engine that stopped answering.
    fn step_samples() -> Vec<EngineError> {
        let s = |text: &str| text.to_owned();
        let said = || Detail::from("Conflict. The container name is already in use");
        let mut steps = vec![
            EngineError::CreateNetwork {
                network: s("shop-local_default"),
                detail: said(),
            },
            EngineError::CreateVolume {
                volume: s("shop-local_pgdata"),
                detail: said(),
            },
            EngineError::CreateContainer {
                container: s("shop-local-db-1"),
                detail: said(),
            },
            EngineError::StartContainer {
                container: s("shop-local-db-1"),
                detail: said(),
            },
            EngineError::StopContainer {
                container: s("shop-local-db-1"),
                detail: said(),
            },
            EngineError::Logs {
                container: s("shop-local-db-1"),
                detail: said(),
            },
            EngineError::Stats {
                container: s("shop-local-db-1"),
                detail: said(),
            },
            EngineError::Build {
                service: s("backend"),
                detail: Detail::from(
                    "The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1",
                ),
            },
            EngineError::BuildContext {
                context: s("/home/dev/shop/backend"),
                detail: Detail::from("Permission denied (os error 13)"),
            },
            EngineError::Spawn {
                program: s("uvicorn"),
                detail: Detail::from("Permission denied (os error 13)"),
            },
            EngineError::StopProcess {
                service: s("backend"),
                detail: Detail::from("2 processes survived SIGKILL"),
            },
            EngineError::ProcessState {
                path: s("/home/dev/.local/state/envdeck/processes"),
                detail: Detail::from("Read-only file system (os error 30)"),
            },
            EngineError::Sync {
                service: s("backend"),
                detail: Detail::from("Could not find the file / in container shop-local-backend-1"),
            },
        ];
        for kind in ["container", "network", "volume"] {
            steps.push(EngineError::Remove {
                kind,
                name: format!("shop-local_{kind}"),
                detail: said(),
            });
        }
        steps.push(EngineError::StartContainer {
            container: s("shop-staging-db-1"),
            detail: Detail {
                text: s("Docker stopped answering at ssh://deploy@staging.example.com (it was stopped, restarted or crashed, or the connection to it dropped); start it again, then run the same command again: what was already made is kept and reused"),
                lost_at: Some(s("ssh://deploy@staging.example.com")),
            },
        });
        steps
    }

    /// The doctor's row for a keychain that is not there, as the window receives it in an error's shape.
    fn keychain_row_sample() -> ApiError {
        let row = crate::app_info::keychain_row(envdeck_vault::probe::KeychainStatus::NotAvailable {
            detail: "Platform secure storage failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files".into(),
        });
        let crate::app_info::Reachability::Unreachable { reason, because } = row else {
            panic!("a keychain that is not there is a problem")
        };
        ApiError {
            reason: because,
            ..ApiError::new(crate::error::ErrorCode::KeychainUnavailable, reason)
        }
    }

    /// One keychain error of each kind, as the vault makes it.
    fn vault_samples() -> Vec<VaultError> {
        let doing = |action| Doing {
            action,
            name: "SECRET_KEY".into(),
            env: "local".into(),
            service: "envdeck:3f9a0c:local".into(),
        };
        vec![
            VaultError::Unavailable {
                doing: doing(envdeck_vault::error::Action::Read),
                detail: "DBus error: Unable to autolaunch a dbus-daemon without a $DISPLAY for X11".into(),
            },
            VaultError::NoAccess {
                doing: doing(envdeck_vault::error::Action::Store),
                detail: "DBus error: Cannot create an item in a locked collection".into(),
            },
        ]
    }

    /// One of each error envdeck-api makes itself with a reason.
    fn api_samples() -> Vec<ApiError> {
        use crate::secrets;
        vec![
            crate::starts::already_starting("local"),
            crate::starts::cancelled("local"),
            secrets::lost_over_data(
                "local",
                &["POSTGRES_PASSWORD", "PGADMIN_DEFAULT_PASSWORD"],
                &["shop-local_pgdata".to_owned()],
            ),
            secrets::keychain_silent(30),
            secrets::entered_not_generated("staging", "SMTP_PASSWORD"),
            secrets::empty_value("SMTP_PASSWORD", "staging"),
            secrets::too_short("staging", &["SMTP_PASSWORD"], None),
            secrets::too_short(
                "staging",
                &["SMTP_PASSWORD", "STRIPE_KEY"],
                Some(std::path::Path::new("/home/dev/shop/.env.staging")),
            ),
            secrets::not_stored_yet("SECRET_KEY", "local"),
            crate::environment::nothing_to_rotate("SECRET_KEY", "local"),
            crate::task::service_not_running("migrate", "backend", "local"),
            crate::secrets::env_file::export_exists(std::path::Path::new("/home/dev/shop/.env.local")),
            crate::secrets::env_file::not_exportable("SMTP_PASSWORD"),
        ]
        .into_iter()
        .chain(crate::identity::refusal_samples())
        .chain(crate::backup::trouble_samples())
        .chain(wrapped_samples())
        .collect()
    }

    /// Errors said around another: a Start on a server that stopped (before and after making
    /// something; what stopped it worded or not), a rotation its database refused.
    fn wrapped_samples() -> Vec<ApiError> {
        use crate::stack::{Made, stopped_on_server};
        let host = || "staging.example.com".to_owned();
        let lost = || {
            ApiError::from(EngineError::CreateContainer {
                container: "shop-staging-1c916399-api-1".into(),
                detail: envdeck_engine::error::Detail {
                    text: "Docker stopped answering at ssh://deploy@staging.example.com (it was stopped, \
                           restarted or crashed, or the connection to it dropped); start it again, then run \
                           the same command again: what was already made is kept and reused"
                        .into(),
                    lost_at: Some("ssh://deploy@staging.example.com".into()),
                },
            })
        };
        let made = vec![
            Made::Network {
                name: "shop-staging-1c916399_default".into(),
            },
            Made::Volume {
                name: "shop-staging-1c916399_pgdata".into(),
            },
            Made::Service { name: "db".into() },
        ];
        let unworded = ApiError::new(
            crate::error::ErrorCode::Internal,
            "the engine said something EnvDeck has no words for",
        );
        let not_running = crate::backup::trouble_samples()
            .into_iter()
            .find(|e| e.code == crate::error::ErrorCode::NotRunning)
            .expect("a database that is not running");
        vec![
            stopped_on_server(lost(), host(), Vec::new()),
            stopped_on_server(lost(), host(), made),
            stopped_on_server(unworded, host(), Vec::new()),
            crate::environment::not_rotated(not_running, "POSTGRES_PASSWORD", "db", "local"),
        ]
    }

    /// Which kind a reason is: a new kind fails to compile here until it has a sample.
    fn index(reason: &Reason) -> usize {
        match reason {
            Reason::DockerNotRunning { .. } => 0,
            Reason::DockerPermissionDenied { .. } => 1,
            Reason::DockerOther { .. } => 2,
            Reason::ServerUnreachable { .. } => 3,
            Reason::LoginRefused { .. } => 4,
            Reason::UnknownHostKey { .. } => 5,
            Reason::NoDockerOnServer { .. } => 6,
            Reason::EngineTooOld { .. } => 7,
            Reason::TcpUnreachable { .. } => 8,
            Reason::TlsRefused { .. } => 9,
            Reason::PortTaken { .. } => 10,
            Reason::KeychainUnavailable { .. } => 11,
            Reason::KeychainLocked { .. } => 12,
            Reason::Busy { .. } => 13,
            Reason::BusyUnknown { .. } => 14,
            Reason::KeychainNotAvailable { .. } => 15,
            Reason::StepFailed { .. } => 16,
            Reason::EngineLost { .. } => 17,
            Reason::ExecFailed { .. } => 18,
            Reason::ImageOffline { .. } => 19,
            Reason::PullFailed { .. } => 20,
            Reason::NotOurs { .. } => 21,
            Reason::ServiceNotRunning { .. } => 22,
            Reason::NameMismatch { .. } => 23,
            Reason::WorkingDirMissing { .. } => 24,
            Reason::HostPortTaken { .. } => 25,
            Reason::AlreadyStarting { .. } => 26,
            Reason::StartCancelled { .. } => 27,
            Reason::SecretLost { .. } => 28,
            Reason::KeychainSilent { .. } => 29,
            Reason::EnteredNotGenerated { .. } => 30,
            Reason::EmptyValue { .. } => 31,
            Reason::TooShort { .. } => 32,
            Reason::TooShortInFile { .. } => 33,
            Reason::NotStoredYet { .. } => 34,
            Reason::NothingToRotate { .. } => 35,
            Reason::TaskServiceNotRunning { .. } => 36,
            Reason::ServiceFailed { .. } => 37,
            Reason::InvalidProject { .. } => 38,
            Reason::AdoptRefused { .. } => 39,
            Reason::ServerStartStoppedEarly { .. } => 40,
            Reason::ServerStartStopped { .. } => 41,
            Reason::NotRotated { .. } => 42,
            Reason::Backup { .. } => 43,
            Reason::ProgramMissing { .. } => 44,
            Reason::EngineUnusable { .. } => 45,
            Reason::ExportExists { .. } => 46,
            Reason::NotExportable { .. } => 47,
        }
    }

    /// The facts that are values (not words, not the kind), inner reasons (a failed service's `why`)
    /// opened.
    fn plain_facts(facts: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
        let own = |k: &str| k == "kind" || WORD_FACTS.contains(&k);
        facts
            .as_object()
            .expect("an object")
            .iter()
            .filter(|(k, _)| !own(k))
            .flat_map(|(k, v)| match v {
                serde_json::Value::Object(_) => plain_facts(v),
                serde_json::Value::Array(items) => items.iter().flat_map(plain_facts).collect(),
                _ => vec![(k.clone(), v.clone())],
            })
            .collect()
    }

    /// Writes one error of every kind, as the window receives it, beside the generated bindings: the
    /// UI's tests check that its English catalog says exactly the message, and Spanish keeps every fact.
    /// A secret set twice, from each kind of place: the window words its facts as it words a reason.
    fn conflict_samples() -> Vec<serde_json::Value> {
        use envdeck_core::secret::{Conflict, Source};
        let name = || "api".to_owned();
        [
            Source::Shell,
            Source::File {
                name: ".env.local".to_owned(),
            },
            Source::Service { name: name() },
            Source::Manifest {
                env: "sqlite".to_owned(),
            },
        ]
        .into_iter()
        .map(|source| {
            let facts = Conflict {
                variable: "SECRET_KEY".to_owned(),
                source,
            };
            serde_json::json!({ "code": "invalid_project", "message": facts.to_string(), "reason": facts.notice() })
        })
        .collect()
    }

    /// A cycle the plan finds while starting reaches the window as the project's problem, in its words,
    /// not as an English sentence.
    #[test]
    fn a_cycle_found_while_starting_is_a_project_problem_the_window_words() {
        let cycle = ["api", "worker", "api"].map(str::to_owned).to_vec();
        let error = ApiError::from(EngineError::from(envdeck_core::CoreError::DependencyCycle {
            cycle,
        }));
        assert_eq!(error.code, crate::error::ErrorCode::InvalidProject);
        match error.reason {
            Some(Reason::InvalidProject {
                problem: project::Problem::DependencyCycle { cycle: said },
            }) => assert_eq!(said, "api -> worker -> api"),
            other => panic!("a dependency cycle, found {other:?}"),
        }
    }

    #[test]
    fn every_kind_has_a_sample_for_the_windows_catalog() {
        let mut errors: Vec<ApiError> = samples().into_iter().map(ApiError::from).collect();
        errors.extend(vault_samples().into_iter().map(crate::secrets::vault_error));
        errors.extend(crate::writer::busy_samples());
        errors.push(keychain_row_sample());
        errors.extend(api_samples());
        errors.extend(project::tests::samples());
        let mut seen = [false; 48];
        for error in &errors {
            let reason = error
                .reason
                .as_ref()
                .unwrap_or_else(|| panic!("a reason for {}", error.message));
            seen[index(reason)] = true;
            // So masking the message masks the reason too (`ApiError::masked`); words are EnvDeck's own.
            let facts = serde_json::to_value(reason).expect("a reason serializes");
            for (name, value) in plain_facts(&facts) {
                let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                assert!(
                    error.message.contains(&text),
                    "`{name}` ({text}) is in the message: {}",
                    error.message
                );
            }
        }
        assert!(seen.iter().all(|s| *s), "every kind has a sample: {seen:?}");
        // Waiting notices carry facts the window words the same way.
        let mut samples: Vec<serde_json::Value> = errors
            .iter()
            .map(|e| serde_json::to_value(e).expect("samples serialize"))
            .collect();
        samples.extend(crate::writer::waiting_samples());
        samples.extend(conflict_samples());
        let json = serde_json::to_string_pretty(&samples).expect("samples serialize") + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../ui/src/lib/bindings/reason-samples.json");
        std::fs::write(&path, json).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
}
