//! The error every client receives: a stable `code` the UI may branch on and a message a person can act on.

use serde::Serialize;

/// An error as the desktop UI receives it (`{code, message}`) and the CLI prints it (the message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error, ts_rs::TS)]
#[ts(export)]
#[error("{message}")]
pub struct ApiError {
    /// Stable identifier; a new code is added only when a client branches on it.
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// Docker is missing, stopped or refuses this user.
    DockerUnavailable,
    /// The OS keychain cannot be used.
    KeychainUnavailable,
    /// The project's files are wrong; the message names the file, line and key.
    InvalidProject,
    /// The folder may be a project EnvDeck knew (moved, renamed, or from before project ids): the
    /// person says whether to adopt that project's secrets and data or start afresh.
    ProjectIdentity,
    /// Another EnvDeck (the app, a CLI) is changing the environment; the message names it. Try again.
    Busy,
    /// A secret is gone from the keychain while the data it protected is still there: nothing is
    /// generated over it; the message names the secret, the volumes and the ways out.
    SecretLost,
    /// The window named a folder or file the person did not choose (in a dialog, or by opening the
    /// project it lies in): nothing was read or written. See [`crate::picks`].
    NotChosen,
    /// A change to a server's staging or production environment without its name typed: nothing was
    /// changed. The message says where and what.
    NotConfirmed,
    /// The service an operation needs (a backup's database, a task's container) is not running: start
    /// the environment first.
    NotRunning,
    /// The person cancelled the operation (a desktop Start): not a failure, nothing to fix.
    Cancelled,
    /// Anything else.
    Internal,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
