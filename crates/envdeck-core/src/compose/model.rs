//! The resolved compose model: every value interpolated, every overlay merged, every short syntax expanded.
//!
//! Serialized, it has the canonical shape of `docker compose config --format json`: `environment` as a
//! map, `ports` and `volumes` in long form, `depends_on` as a map with `condition`, `healthcheck.test`
//! as a list. Maps are ordered (BTreeMap) so the JSON, and the config hash the engine derives from it,
//! are stable.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize, Serializer};

/// One environment's stack, ready to plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComposeModel {
    /// The compose project name (`-p`, `name:`, or the folder name), used for the compose labels.
    pub name: String,
    pub services: BTreeMap<String, Service>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Network>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, Volume>,
    /// Fields seen in the files that EnvDeck does not act on: reported, never silently dropped.
    #[serde(skip)]
    pub warnings: Vec<Warning>,
}

/// Something in a compose file that EnvDeck read but will not act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub file: String,
    /// A dotted path such as `services.web.logging`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.key, self.message)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Service {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// `None` is a variable named without a value whose source was unset (`- FOO` with no `FOO`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, Option<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expose: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Mount>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub depends_on: BTreeMap<String, Dependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Networks this service joins; an empty map means the project's `default` network.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, ServiceNetwork>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_hosts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<ComposeDuration>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tty: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stdin_open: bool,
    /// `develop:`: what `envdeck watch` keeps in step with the files being edited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub develop: Option<Develop>,
}

/// `develop:` of a service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Develop {
    pub watch: Vec<WatchRule>,
}

/// One `develop.watch` entry: files under `path` (absolute), and what a change to them does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchRule {
    pub path: String,
    pub action: WatchAction,
    /// Where `path` lands in the container (the sync actions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Patterns under `path` that are not watched, `.dockerignore`'s syntax.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// Sync the whole `path` when watching starts, not only what changes afterwards.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub initial_sync: bool,
    /// The command `sync+exec` runs in the container after each sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exec: Option<WatchExec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchExec {
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WatchAction {
    /// Copy the changed files into the running container.
    #[serde(rename = "sync")]
    Sync,
    /// Rebuild the image and recreate the service.
    #[serde(rename = "rebuild")]
    Rebuild,
    /// Restart the service's container.
    #[serde(rename = "restart")]
    Restart,
    #[serde(rename = "sync+restart")]
    SyncRestart,
    #[serde(rename = "sync+exec")]
    SyncExec,
}

impl WatchAction {
    pub const ALL: [(&'static str, WatchAction); 5] = [
        ("sync", WatchAction::Sync),
        ("rebuild", WatchAction::Rebuild),
        ("restart", WatchAction::Restart),
        ("sync+restart", WatchAction::SyncRestart),
        ("sync+exec", WatchAction::SyncExec),
    ];

    /// Whether the action copies files into the container (and so needs a `target`).
    pub fn syncs(self) -> bool {
        matches!(
            self,
            WatchAction::Sync | WatchAction::SyncRestart | WatchAction::SyncExec
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Build {
    /// Absolute path of the build context (relative paths resolved against the project directory).
    pub context: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

/// One published (or only exposed) container port, in compose's long syntax. Ranges are expanded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Port {
    pub target: u16,
    /// Host port as compose prints it (a string); `None` lets the engine choose one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Host address; `None` in the files means EnvDeck publishes on 127.0.0.1 (decided by the engine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MountType {
    Volume,
    Bind,
    Tmpfs,
}

/// One mount, in compose's long syntax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mount {
    #[serde(rename = "type")]
    pub kind: MountType,
    /// Volume name (as declared in the files, not prefixed) or absolute host path for binds;
    /// `None` for anonymous volumes and tmpfs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub target: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    /// A bind's options: the short syntax (`./data:/data`) creates a missing host folder, as compose
    /// does; the long syntax only with `bind: {create_host_path: true}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<BindOptions>,
}

/// `bind:` of a long-syntax mount, as compose prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BindOptions {
    pub create_host_path: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    ServiceStarted,
    ServiceHealthy,
    ServiceCompletedSuccessfully,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependency {
    pub condition: Condition,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub restart: bool,
    pub required: bool,
}

/// A healthcheck. `disable: true` is how `test: ["NONE"]` comes out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Healthcheck {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`; a string in the files becomes CMD-SHELL.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<ComposeDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<ComposeDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<ComposeDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<ComposeDuration>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServiceNetwork {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Deploy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Resources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<ResourceSpec>,
}

/// CPU in cores (e.g. 0.5) and memory in bytes; printed as compose does (`"0.5"`, bytes).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResourceSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Network {
    /// The engine-level name (`<project>_<key>` unless `name:` or `external`).
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipam: Option<Ipam>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ipam {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<IpamPool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IpamPool {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Volume {
    /// The engine-level name (`<project>_<key>` unless `name:` or `external`).
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// A compose duration (`1m30s`, `10s`, `500ms`), printed back the way compose prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct ComposeDuration(pub Duration);

impl fmt::Display for ComposeDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0;
        if total.is_zero() {
            return f.write_str("0s");
        }
        let mut rest = total.as_nanos();
        let units: [(u128, &str); 6] = [
            (3_600_000_000_000, "h"),
            (60_000_000_000, "m"),
            (1_000_000_000, "s"),
            (1_000_000, "ms"),
            (1_000, "us"),
            (1, "ns"),
        ];
        for (size, unit) in units {
            if rest >= size {
                write!(f, "{}{}", rest / size, unit)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

impl Serialize for ComposeDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Service {
    /// How many containers this service runs (`deploy.replicas`, 1 when unset).
    pub fn replicas(&self) -> u32 {
        self.deploy.as_ref().and_then(|d| d.replicas).unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_compose() {
        let d = |ms: u64| ComposeDuration(Duration::from_millis(ms)).to_string();
        assert_eq!(d(90_000), "1m30s");
        assert_eq!(d(10_000), "10s");
        assert_eq!(d(500), "500ms");
        assert_eq!(d(0), "0s");
        assert_eq!(d(3_600_000), "1h");
    }

    #[test]
    fn a_service_without_deploy_runs_one_container() {
        assert_eq!(Service::default().replicas(), 1);
    }
}
