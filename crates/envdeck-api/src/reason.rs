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

/// The facts that are words of the sentence, from a fixed vocabulary (never a value of the person's):
/// the window says them from its catalog (`reason.word.<value>`, ui/src/lib/i18n/index.ts).
pub const WORD_FACTS: [&str; 3] = ["action", "client", "operation"];

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
        client: String,
        pid: u32,
        operation: String,
        #[ts(type = "number")]
        seconds: u64,
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
}

impl Reason {
    /// The facts of an engine error, when it is one the window words itself.
    pub fn of(e: &EngineError) -> Option<Reason> {
        match e {
            EngineError::Connect(connect) => Reason::of_connect(connect),
            EngineError::PortTaken {
                service,
                host_ip,
                port,
            } => Some(Reason::PortTaken {
                service: service.clone(),
                host_ip: host_ip.clone(),
                port: *port,
            }),
            _ => None,
        }
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
            // A manifest's engine EnvDeck cannot use: its sentence is built from many cases, in English.
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiError;

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
        let mut samples: Vec<EngineError> = connect.into_iter().map(EngineError::from).collect();
        samples.push(EngineError::PortTaken {
            service: s("mailhog"),
            host_ip: s("127.0.0.1"),
            port: 8025,
        });
        samples
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
        }
    }

    /// Writes one error of every kind, as the window receives it, beside the generated bindings: the
    /// UI's tests check that its English catalog says exactly the message, and Spanish keeps every fact.
    #[test]
    fn every_kind_has_a_sample_for_the_windows_catalog() {
        let mut errors: Vec<ApiError> = samples().into_iter().map(ApiError::from).collect();
        errors.extend(vault_samples().into_iter().map(crate::secrets::vault_error));
        errors.extend(crate::writer::busy_samples());
        errors.push(keychain_row_sample());
        let mut seen = [false; 16];
        for error in &errors {
            let reason = error
                .reason
                .as_ref()
                .unwrap_or_else(|| panic!("a reason for {}", error.message));
            seen[index(reason)] = true;
            // So masking the message masks the reason too (`ApiError::masked`); words are EnvDeck's own.
            let facts = serde_json::to_value(reason).expect("a reason serializes");
            let own = |k: &str| k == "kind" || WORD_FACTS.contains(&k);
            for (name, value) in facts
                .as_object()
                .expect("an object")
                .iter()
                .filter(|(k, _)| !own(k))
            {
                let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                assert!(
                    error.message.contains(&text),
                    "`{name}` ({text}) is in the message: {}",
                    error.message
                );
            }
        }
        assert!(seen.iter().all(|s| *s), "every kind has a sample: {seen:?}");
        let json = serde_json::to_string_pretty(&errors).expect("samples serialize") + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../ui/src/lib/bindings/reason-samples.json");
        std::fs::write(&path, json).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
}
