//! Containers: what Docker is asked to run for each replica of a Service (the model translated to the
//! Engine API), and what this stack already has running, read back from the labels.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HealthConfig, HostConfig, Mount, MountType, NetworkingConfig,
    PortBinding, RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
    StopContainerOptionsBuilder,
};
use envdeck_core::compose::{ComposeModel, MountType as ModelMount, Protocol, Service};
use envdeck_core::plan;

use crate::error::{EngineError, detail, is_not_found, is_not_modified};
use crate::labels::{self, StackId};

/// Published ports bind here unless the model names a host IP: nothing is exposed to the LAN by accident.
pub use envdeck_core::address::DEFAULT_HOST_IP;

/// One container of this stack as Docker reports it, read from its labels.
#[derive(Debug, Clone)]
pub(crate) struct Existing {
    pub id: String,
    pub name: String,
    pub service: String,
    pub number: u32,
    pub config_hash: String,
    /// The image the container was created from (`sha256:...`): a rebuilt or re-tagged image differs.
    pub image_id: String,
    /// Docker's state word: created, running, exited, restarting, ...
    pub state: String,
    pub status: String,
    pub ports: Vec<(String, u16, u16, String)>,
}

/// Every container carrying this stack's label, stopped ones included.
/// The host ports running containers publish on this engine: what a server's engine holds, where
/// EnvDeck cannot try to bind a port itself.
pub(crate) async fn published_ports(docker: &Docker) -> Result<std::collections::HashSet<u16>, EngineError> {
    let running = docker
        .list_containers(Some(ListContainersOptionsBuilder::default().build()))
        .await
        .map_err(|e| EngineError::Inspect {
            what: "the engine's running containers".to_owned(),
            detail: detail(&e),
        })?;
    Ok(running
        .into_iter()
        .flat_map(|c| c.ports.unwrap_or_default())
        .filter_map(|p| p.public_port)
        .collect())
}

pub(crate) async fn list(docker: &Docker, project: &StackId) -> Result<Vec<Existing>, EngineError> {
    let options = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&labels::filter(project))
        .build();
    let summaries = docker
        .list_containers(Some(options))
        .await
        .map_err(|e| EngineError::Inspect {
            what: format!("the containers of {project}"),
            detail: detail(&e),
        })?;
    let mut found = Vec::new();
    for s in summaries {
        let labels = s.labels.unwrap_or_default();
        if !labels::is_ours(Some(&labels), project) {
            continue;
        }
        let name = s
            .names
            .unwrap_or_default()
            .first()
            .map(|n| n.trim_start_matches('/').to_string());
        let (Some(id), Some(name)) = (s.id, name) else {
            continue;
        };
        found.push(Existing {
            id,
            name,
            service: labels.get(labels::SERVICE).cloned().unwrap_or_default(),
            number: labels
                .get(labels::NUMBER)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
            config_hash: labels.get(labels::CONFIG_HASH).cloned().unwrap_or_default(),
            image_id: s.image_id.unwrap_or_default(),
            state: s.state.map(|st| st.to_string()).unwrap_or_default(),
            status: s.status.unwrap_or_default(),
            ports: s
                .ports
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| {
                    let proto = p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into());
                    Some((p.ip.unwrap_or_default(), p.public_port?, p.private_port, proto))
                })
                .collect(),
        });
    }
    found.sort_by(|a, b| (&a.service, a.number).cmp(&(&b.service, b.number)));
    Ok(found)
}

/// Compose's container name: `container_name`, or `<project>-<service>-<n>`.
pub(crate) fn container_name(project: &str, service_name: &str, service: &Service, number: u32) -> String {
    match &service.container_name {
        Some(name) => name.clone(),
        None => format!("{project}-{service_name}-{number}"),
    }
}

/// The create request for replica `number` of a Service; the first network is joined at creation,
/// the others right after (API 1.41 accepts only one endpoint at create time).
pub(crate) fn create_body(
    model: &ComposeModel,
    stack: &StackId,
    service_name: &str,
    service: &Service,
    number: u32,
    config_hash: &str,
) -> ContainerCreateBody {
    let mut container_labels: HashMap<String, String> = service
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    container_labels.extend(labels::base(stack));
    container_labels.insert(labels::SERVICE.into(), service_name.into());
    container_labels.insert(labels::NUMBER.into(), number.to_string());
    container_labels.insert(labels::ONEOFF.into(), "False".into());
    container_labels.insert(labels::CONFIG_HASH.into(), config_hash.into());

    let env = service
        .environment
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect();

    let mut exposed = Vec::new();
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for port in &service.ports {
        let key = format!("{}/{}", port.target, protocol(port.protocol));
        exposed.push(key.clone());
        let binding = PortBinding {
            host_ip: Some(
                port.host_ip
                    .clone()
                    .unwrap_or_else(|| DEFAULT_HOST_IP.to_string()),
            ),
            host_port: Some(port.published.clone().unwrap_or_default()),
        };
        bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(binding);
    }
    for port in &service.expose {
        let key = if port.contains('/') {
            port.clone()
        } else {
            format!("{port}/tcp")
        };
        exposed.push(key);
    }

    // A bind that may create its host folder (compose's short syntax) goes as a `Binds` entry, for which
    // the engine makes a missing source folder; a mount of the Mounts API never does. Only on this
    // machine, where the path is the project's: a server's engine would make root-owned folders named
    // after this machine's paths, and its Start fails instead, naming the folder. A path with a `:` of
    // its own (past a Windows drive's `C:`) would split a `Binds` entry wrongly: it stays a mount.
    let (creating, mounting): (Vec<_>, Vec<_>) = service.volumes.iter().partition(|m| {
        stack.engine.is_local()
            && m.kind == ModelMount::Bind
            && m.bind.is_some_and(|b| b.create_host_path)
            && m.source
                .as_deref()
                .is_some_and(|s| !s.get(2..).unwrap_or_default().contains(':'))
            && !m.target.contains(':')
    });
    let binds: Vec<String> = creating
        .iter()
        .map(|m| {
            let mode = if m.read_only { ":ro" } else { "" };
            format!("{}:{}{mode}", m.source.as_deref().unwrap_or_default(), m.target)
        })
        .collect();
    let mounts = mounting
        .into_iter()
        .map(|m| Mount {
            target: Some(m.target.clone()),
            source: match (m.kind, &m.source) {
                (ModelMount::Volume, Some(key)) => Some(plan::volume_name(model, key)),
                (_, source) => source.clone(),
            },
            typ: Some(match m.kind {
                ModelMount::Volume => MountType::VOLUME,
                ModelMount::Bind => MountType::BIND,
                ModelMount::Tmpfs => MountType::TMPFS,
            }),
            read_only: Some(m.read_only),
            ..Default::default()
        })
        .collect();

    let limits = service
        .deploy
        .as_ref()
        .and_then(|d| d.resources.as_ref())
        .and_then(|r| r.limits.as_ref());
    let networks = plan::service_networks(service);
    let first = networks.first().map(|key| {
        let name = plan::network_name(model, key);
        (name, endpoint(service_name, service, key))
    });

    ContainerCreateBody {
        image: Some(plan::image_of(&model.name, service_name, service)),
        cmd: service.command.clone(),
        entrypoint: service.entrypoint.clone(),
        env: Some(env),
        labels: Some(container_labels),
        exposed_ports: Some(exposed),
        healthcheck: service.healthcheck.as_ref().map(|h| HealthConfig {
            test: Some(if h.disable {
                vec!["NONE".to_string()]
            } else {
                h.test.clone()
            })
            .filter(|t| !t.is_empty()),
            interval: h.interval.map(nanos),
            timeout: h.timeout.map(nanos),
            retries: h.retries.map(|r| r as i64),
            start_period: h.start_period.map(nanos),
            // start_interval needs API 1.44; older engines reject nothing but ignore it.
            start_interval: None,
        }),
        working_dir: service.working_dir.clone(),
        user: service.user.clone(),
        hostname: service.hostname.clone(),
        tty: Some(service.tty),
        open_stdin: Some(service.stdin_open),
        stop_timeout: service.stop_grace_period.map(|d| d.0.as_secs() as i64),
        host_config: Some(HostConfig {
            port_bindings: Some(bindings),
            mounts: Some(mounts),
            binds: Some(binds).filter(|b| !b.is_empty()),
            restart_policy: service.restart.as_deref().map(restart_policy),
            nano_cpus: limits.and_then(|l| l.cpus).map(|c| (c * 1e9) as i64),
            memory: limits.and_then(|l| l.memory).map(|m| m as i64),
            network_mode: first.as_ref().map(|(name, _)| name.clone()),
            dns: Some(service.dns.clone()).filter(|d| !d.is_empty()),
            extra_hosts: Some(service.extra_hosts.clone()).filter(|h| !h.is_empty()),
            ..Default::default()
        }),
        networking_config: first.map(|(name, ep)| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(name, ep)])),
        }),
        ..Default::default()
    }
}

/// The endpoint of a Service on one network: reachable by its service name (and declared aliases).
pub(crate) fn endpoint(service_name: &str, service: &Service, key: &str) -> EndpointSettings {
    let mut aliases = vec![service_name.to_string()];
    if let Some(net) = service.networks.get(key) {
        aliases.extend(net.aliases.iter().cloned());
    }
    EndpointSettings {
        aliases: Some(aliases),
        ..Default::default()
    }
}

fn nanos(d: envdeck_core::compose::ComposeDuration) -> i64 {
    i64::try_from(d.0.as_nanos()).unwrap_or(i64::MAX)
}

fn protocol(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Sctp => "sctp",
    }
}

fn restart_policy(value: &str) -> RestartPolicy {
    let (name, count) = value
        .split_once(':')
        .map_or((value, None), |(n, c)| (n, c.parse().ok()));
    let name = match name {
        "always" => RestartPolicyNameEnum::ALWAYS,
        "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
        "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
        _ => RestartPolicyNameEnum::NO,
    };
    RestartPolicy {
        name: Some(name),
        maximum_retry_count: count,
    }
}

/// Creates the container; a name clash with a container that is not ours is refused, never removed.
pub(crate) async fn create(
    docker: &Docker,
    name: &str,
    body: ContainerCreateBody,
) -> Result<String, EngineError> {
    let options = CreateContainerOptionsBuilder::default().name(name).build();
    match docker.create_container(Some(options), body).await {
        Ok(created) => Ok(created.id),
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 409, .. }) => {
            Err(EngineError::Foreign {
                kind: "container",
                name: name.to_string(),
            })
        }
        Err(e) => Err(EngineError::CreateContainer {
            container: name.to_string(),
            detail: detail(&e),
        }),
    }
}

pub(crate) async fn start(docker: &Docker, name: &str) -> Result<(), EngineError> {
    match docker.start_container(name, None).await {
        Ok(()) => Ok(()),
        Err(e) if is_not_modified(&e) => Ok(()),
        Err(e) => Err(EngineError::StartContainer {
            container: name.to_string(),
            detail: detail(&e),
        }),
    }
}

/// Stops (Docker's grace period, then SIGKILL); a container already stopped or gone is fine.
pub(crate) async fn stop(docker: &Docker, name: &str, timeout_s: Option<i32>) -> Result<(), EngineError> {
    let mut options = StopContainerOptionsBuilder::default();
    if let Some(t) = timeout_s {
        options = options.t(t);
    }
    match docker.stop_container(name, Some(options.build())).await {
        Ok(()) => Ok(()),
        Err(e) if is_not_modified(&e) || is_not_found(&e) => Ok(()),
        Err(e) => Err(EngineError::StopContainer {
            container: name.to_string(),
            detail: detail(&e),
        }),
    }
}

/// Removes a container and its anonymous volumes (named volumes are never touched here).
pub(crate) async fn remove(docker: &Docker, name: &str) -> Result<(), EngineError> {
    let options = RemoveContainerOptionsBuilder::default()
        .force(true)
        .v(true)
        .build();
    match docker.remove_container(name, Some(options)).await {
        Ok(()) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 409, .. }) => Ok(()),
        Err(e) => Err(EngineError::Remove {
            kind: "container",
            name: name.to_string(),
            detail: detail(&e),
        }),
    }
}

/// Joins the networks after the first (aliases included).
pub(crate) async fn connect_extra_networks(
    docker: &Docker,
    model: &ComposeModel,
    service_name: &str,
    service: &Service,
    container: &str,
) -> Result<(), EngineError> {
    for key in plan::service_networks(service).iter().skip(1) {
        let network = plan::network_name(model, key);
        let request = bollard::models::NetworkConnectRequest {
            container: container.to_string(),
            endpoint_config: Some(endpoint(service_name, service, key)),
        };
        docker
            .connect_network(&network, request)
            .await
            .map_err(|e| EngineError::CreateContainer {
                container: container.to_string(),
                detail: detail(&e),
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use envdeck_core::compose::{BindOptions, Mount as ModelMountSpec};

    fn bind(source: &str, create_host_path: bool) -> ModelMountSpec {
        ModelMountSpec {
            kind: ModelMount::Bind,
            source: Some(source.to_owned()),
            target: "/data".to_owned(),
            read_only: true,
            bind: Some(BindOptions { create_host_path }),
        }
    }

    /// Compose's short-syntax binds go as `Binds` (the engine makes a missing folder), others as mounts;
    /// a path whose own `:` would split a `Binds` entry stays a mount.
    #[test]
    fn only_binds_that_may_create_their_folder_go_as_binds_entries() {
        let mut service = Service {
            image: Some("busybox".to_owned()),
            ..Default::default()
        };
        service.volumes = vec![
            bind("/home/ana/shop/data", true),
            bind("/home/ana/shop/logs", false),
            bind("/home/ana/a:b/data", true),
        ];
        let model = ComposeModel {
            name: "shop".to_owned(),
            services: [("web".to_owned(), service.clone())].into(),
            networks: Default::default(),
            volumes: Default::default(),
            warnings: Vec::new(),
        };
        let stack = StackId::new("shop-local-1c916399", "1c916399", "local");
        let body = create_body(&model, &stack, "web", &service, 1, "hash");
        let host = body.host_config.expect("a host config");
        assert_eq!(host.binds, Some(vec!["/home/ana/shop/data:/data:ro".to_owned()]));
        let mounted: Vec<String> = host
            .mounts
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| m.source)
            .collect();
        assert_eq!(mounted, ["/home/ana/shop/logs", "/home/ana/a:b/data"]);

        let on_server = StackId {
            engine: envdeck_core::project::Endpoint::Context("staging".to_owned()),
            ..stack
        };
        let host = create_body(&model, &on_server, "web", &service, 1, "hash")
            .host_config
            .expect("a host config");
        assert_eq!(
            host.binds, None,
            "a server's engine makes no folder named after this machine's paths"
        );
        assert_eq!(host.mounts.map(|m| m.len()), Some(3));
    }
}
