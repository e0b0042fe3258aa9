//! Effects of EnvDeck: the Docker engine (through bollard), host processes and HTTP probes.
//!
//! The core hands this crate a resolved model; this crate turns it into Docker objects and reports back
//! in EnvDeck's own types. Docker's wire types never leave this crate.

pub mod docker;
