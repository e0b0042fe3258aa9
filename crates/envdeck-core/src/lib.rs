//! EnvDeck's domain: what a project, an environment and a stack are, computed from the project's own files.
//!
//! This crate reads files and returns values. It knows nothing of Tauri, of Docker's wire format or of
//! the keychain: those are effects, and live in `envdeck-engine` and `envdeck-vault`.

pub mod address;
pub mod checklist;
pub mod compose;
pub mod error;
pub mod files;
pub mod ignore;
pub mod image;
pub mod plan;
pub mod progress;
pub mod project;
pub mod secret;
pub mod watch;

pub use error::CoreError;
pub use project::{Environment, EnvironmentKind, Identity, Project};
