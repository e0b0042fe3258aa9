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
    /// The message's facts, for the window to word in the person's language; absent, the window shows
    /// `message` as it is (in English).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<crate::reason::Reason>,
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
            reason: None,
        }
    }

    /// The same error said with another sentence: its facts no longer describe the whole sentence, so
    /// the window shows the new message as it is.
    fn reworded(self, message: impl Into<String>) -> Self {
        Self {
            code: self.code,
            message: message.into(),
            reason: None,
        }
    }

    /// The same error said by a sentence around it, whose facts (`reason`) hold it as their cause: the
    /// window words the cause by its own reason, if it has one.
    pub fn around(
        self,
        message: impl Into<String>,
        reason: impl FnOnce(crate::reason::Cause) -> crate::reason::Reason,
    ) -> Self {
        let cause = crate::reason::Cause::from(&self);
        Self {
            code: self.code,
            message: message.into(),
            reason: Some(reason(cause)),
        }
    }

    /// The same error with every secret value in its message replaced by `••••`. Each fact of a reason
    /// appears in the message, so a message that held a secret loses its reason with it.
    pub fn masked(self, masker: &envdeck_core::secret::Masker) -> Self {
        let message = masker.mask(&self.message);
        if message == self.message {
            self
        } else {
            self.reworded(message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reason::Reason;
    use envdeck_core::secret::{Masker, SecretValue};

    fn unreachable(said: &str) -> ApiError {
        ApiError {
            reason: Some(Reason::ServerUnreachable {
                host: "staging".into(),
                said: said.into(),
            }),
            ..ApiError::new(
                ErrorCode::DockerUnavailable,
                format!("staging cannot be reached ({said})"),
            )
        }
    }

    #[test]
    fn a_masked_message_loses_its_reason_only_when_it_held_a_secret() {
        let secret = SecretValue::new("hunter2-but-longer".into());
        let masker = Masker::new([&secret]);
        let clean = unreachable("Connection refused").masked(&masker);
        assert!(clean.reason.is_some(), "nothing secret: the window may word it");
        let leaked = unreachable("bad password hunter2-but-longer").masked(&masker);
        assert_eq!(leaked.reason, None, "the reason held the secret too");
        assert!(
            !leaked.message.contains("hunter2-but-longer"),
            "{}",
            leaked.message
        );
    }

    #[test]
    fn an_error_said_around_another_keeps_it_as_its_cause() {
        let inner = unreachable("Connection refused");
        let wrapped = inner
            .clone()
            .around("the Start stopped: staging cannot be reached", |cause| {
                Reason::ServerStartStoppedEarly {
                    host: "staging".into(),
                    cause,
                }
            });
        assert_eq!(
            wrapped.code,
            ErrorCode::DockerUnavailable,
            "the code stays the cause's"
        );
        match wrapped.reason {
            Some(Reason::ServerStartStoppedEarly { cause, .. }) => {
                assert_eq!(cause.message, inner.message);
                assert_eq!(
                    cause.reason.map(|r| *r),
                    inner.reason,
                    "the cause keeps its own facts"
                );
            }
            other => panic!("the wrapping reason, found {other:?}"),
        }
    }
}
