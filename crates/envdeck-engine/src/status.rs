//! What EnvDeck tells its clients about a running stack, in its own types (Docker's stay inside this
//! crate): a row of `ps`, a state change, a log line, a resource sample.

use envdeck_core::progress::Health;
use serde::Serialize;

/// One container of a Service, as `envdeck ps` prints it and a service card shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ServiceStatus {
    pub service: String,
    /// Docker's container id: it changes only when the container is recreated.
    pub id: String,
    pub container: String,
    /// Replica number (compose's container-number).
    pub number: u32,
    /// Docker's state word: created, running, restarting, exited, paused, dead.
    pub state: String,
    pub health: Health,
    pub ports: Vec<PublishedPort>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PublishedPort {
    pub host_ip: String,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: String,
}

/// Something that happened to a container of the stack (from Docker's events stream).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ServiceEvent {
    pub service: String,
    pub container: String,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Change {
    Created,
    Started,
    /// The main process ended; `exit_code` as Docker reports it.
    Died {
        #[ts(type = "number | null")]
        exit_code: Option<i64>,
    },
    Stopped,
    Removed,
    Health {
        health: Health,
    },
    /// Any other container action (pause, oom, kill, ...), by Docker's name for it.
    Other {
        action: String,
    },
}

/// Which stream a line came from: users read stderr differently (errors, tracebacks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OutputStream {
    Stdout,
    Stderr,
}

/// One line of a container's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LogLine {
    pub service: String,
    pub container: String,
    pub stream: OutputStream,
    pub text: String,
}

/// One resource sample of a container: CPU in percent of one core (as `docker stats`), memory in bytes.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StatsSample {
    pub service: String,
    pub container: String,
    pub cpu_percent: f64,
    #[ts(type = "number")]
    pub memory_bytes: u64,
    #[ts(type = "number")]
    pub memory_limit_bytes: u64,
}

/// Which logs to read.
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    /// One Service, or all of them.
    pub service: Option<String>,
    pub follow: bool,
    /// Only the last N lines of each container (all when `None`).
    pub tail: Option<u32>,
    /// Only lines since this UNIX time (seconds).
    pub since: Option<i64>,
}
