//! Secrets live in the OS keychain, never in files: this crate is the only door to it.

pub mod probe;
