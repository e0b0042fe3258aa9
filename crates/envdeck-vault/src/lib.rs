//! Secrets live in the OS keychain, never in files: this crate is the only door to it.
//!
//! Entries are namespaced per project and environment (service `envdeck:<project-id>:<env>`, user =
//! the variable's name), every write goes through one process-wide writer, and a read that fails is
//! never mistaken for an absent entry. The API is synchronous on purpose: keyring's Secret Service
//! client blocks, so async callers use `spawn_blocking`.

// keyring silently falls back to an in-memory mock on platforms it has no store for; EnvDeck must not.
#[cfg(not(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "macos",
    target_os = "windows"
)))]
compile_error!("EnvDeck keeps secrets only in an OS keychain, and keyring has none for this platform");

pub mod error;
pub mod namespace;
pub mod probe;
pub mod store;

pub use envdeck_core::secret::SecretValue;
pub use error::VaultError;
pub use namespace::Namespace;
pub use store::{Stored, delete, read, store_if_absent, write};
