//! The one API of EnvDeck: the desktop app's commands and the CLI's subcommands are thin calls into it.
//!
//! It joins the pure core (what to run) with the effects (Docker, keychain) and speaks in types the
//! UI receives as generated TypeScript.

pub mod app_info;
pub mod backup;
pub mod checklist;
pub mod clipboard;
pub mod desktop;
pub mod develop;
pub mod environment;
pub mod error;
mod folders;
pub mod forwards;
pub mod host;
pub mod identity;
pub mod links;
pub mod logging;
pub mod picks;
pub mod project;
pub mod reason;
pub mod sample;
pub mod secrets;
pub mod session;
pub mod stack;
pub mod starts;
pub mod task;
pub mod watch;
pub mod writer;

pub use error::ApiError;

/// Runs blocking work (the keychain, a file lock) on tokio's blocking pool; `what` names it if the
/// thread dies.
pub(crate) async fn blocking<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::new(error::ErrorCode::Internal, format!("{what} did not finish: {e}")))?
}
