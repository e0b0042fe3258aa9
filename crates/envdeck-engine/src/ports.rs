//! Host ports: a published port already taken by another program is found BEFORE anything is
//! created, by trying to bind it, so a failed `up` leaves nothing half-made behind. On a server's
//! engine the ports are the server's: binding here would test the wrong machine, so a port counts as
//! taken when another container there publishes it (a program of the server's own holding one is
//! reported by Docker at Start).

use std::collections::HashSet;
use std::net::{IpAddr, TcpListener, UdpSocket};

use envdeck_core::compose::{ComposeModel, Protocol};

use crate::containers::{DEFAULT_HOST_IP, Existing};
use crate::error::EngineError;

/// One published host port and whether it can be had.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PortCheck {
    pub service: String,
    pub host_ip: String,
    pub port: u16,
    /// Free, or held by this stack's own container (it is ours, and will hold it again).
    pub free: bool,
}

/// Every published port of the model, tried by binding it. Ports held by this stack's own containers
/// count as free: they are ours, and a container being kept or recreated will hold them again.
pub(crate) fn probe(model: &ComposeModel, ours: &[Existing], host: &Host) -> Vec<PortCheck> {
    let held: HashSet<u16> = ours.iter().flat_map(|c| c.ports.iter().map(|p| p.1)).collect();
    let mut checks = Vec::new();
    for (service_name, service) in &model.services {
        for port in &service.ports {
            let Some(published) = port.published.as_deref().and_then(|p| p.parse::<u16>().ok()) else {
                continue;
            };
            if published == 0 {
                continue;
            }
            let host_ip = port
                .host_ip
                .clone()
                .unwrap_or_else(|| DEFAULT_HOST_IP.to_string());
            let Ok(ip) = host_ip.parse::<IpAddr>() else {
                continue;
            };
            let free = held.contains(&published)
                || match host {
                    Host::Server { published: others } => !others.contains(&published),
                    Host::ThisMachine => match port.protocol {
                        Protocol::Udp => UdpSocket::bind((ip, published)).is_ok(),
                        _ => TcpListener::bind((ip, published)).is_ok(),
                    },
                };
            checks.push(PortCheck {
                service: service_name.clone(),
                host_ip,
                port: published,
                free,
            });
        }
    }
    checks
}

/// Where the ports are: this machine's (tried by binding) or a server's (the host ports its other
/// containers publish).
pub(crate) enum Host {
    ThisMachine,
    Server { published: HashSet<u16> },
}

impl Host {
    /// The host of the stack's engine.
    pub(crate) async fn of(docker: &bollard::Docker, stack: &crate::StackId) -> Result<Host, EngineError> {
        if stack.engine.is_local() {
            return Ok(Host::ThisMachine);
        }
        Ok(Host::Server {
            published: crate::containers::published_ports(docker).await?,
        })
    }
}

/// Fails on the first published port another program holds.
pub(crate) fn check(model: &ComposeModel, ours: &[Existing], host: &Host) -> Result<(), EngineError> {
    match probe(model, ours, host).into_iter().find(|c| !c.free) {
        Some(taken) => Err(EngineError::PortTaken {
            service: taken.service,
            host_ip: taken.host_ip,
            port: taken.port,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use envdeck_core::compose::{Variables, load_str};

    fn model(port: u16) -> ComposeModel {
        let yaml = format!("services:\n  web:\n    image: busybox\n    ports: [\"127.0.0.1:{port}:80\"]\n");
        load_str(
            std::path::Path::new("/p/docker-compose.yml"),
            &yaml,
            &Variables::default(),
            &[],
        )
        .expect("a model")
    }

    #[test]
    fn a_servers_ports_are_the_servers_not_this_machines() {
        let here = TcpListener::bind(("127.0.0.1", 0)).expect("a port of this machine");
        let held_here = here.local_addr().expect("its address").port();
        let this_machine = probe(&model(held_here), &[], &Host::ThisMachine);
        assert!(
            !this_machine[0].free,
            "here, a port bound by another program is taken"
        );
        let server = Host::Server {
            published: HashSet::from([held_here + 1]),
        };
        assert!(
            probe(&model(held_here), &[], &server)[0].free,
            "on a server, a port bound on this machine says nothing"
        );
        assert!(
            !probe(&model(held_here + 1), &[], &server)[0].free,
            "on a server, a port another container there publishes is taken"
        );
    }
}
