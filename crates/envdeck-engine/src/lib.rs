//! Effects of EnvDeck: the Docker engine (through bollard), host processes and HTTP probes.
//!
//! The core hands this crate a resolved model; this crate turns it into Docker objects and reports back
//! in EnvDeck's own types. Docker's wire types never leave this crate.

mod cli_context;
mod containers;
mod context;
pub mod docker;
pub mod error;
mod events;
mod exec;
mod images;
pub mod labels;
mod logs;
mod masked;
mod networks;
mod ports;
pub mod process;
pub mod ssh;
pub mod stack;
mod stats;
pub mod status;
mod sync;
pub mod tls;
pub mod unusable;
mod volumes;

pub use containers::DEFAULT_HOST_IP;
pub use error::EngineError;
pub use labels::StackId;
pub use stack::{
    ChangeKind, DownReport, Engine, ImageCheck, PortCheck, Preflight, RemoveVolumes, ServiceChange, Sink,
    UpReport,
};
