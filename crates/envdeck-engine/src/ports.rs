//! Host ports: a published port already taken by another program is found BEFORE anything is
//! created, by trying to bind it, so a failed `up` leaves nothing half-made behind.

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
pub(crate) fn probe(model: &ComposeModel, ours: &[Existing]) -> Vec<PortCheck> {
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
                || match port.protocol {
                    Protocol::Udp => UdpSocket::bind((ip, published)).is_ok(),
                    _ => TcpListener::bind((ip, published)).is_ok(),
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

/// Fails on the first published port another program holds.
pub(crate) fn check(model: &ComposeModel, ours: &[Existing]) -> Result<(), EngineError> {
    match probe(model, ours).into_iter().find(|c| !c.free) {
        Some(taken) => Err(EngineError::PortTaken {
            service: taken.service,
            host_ip: taken.host_ip,
            port: taken.port,
        }),
        None => Ok(()),
    }
}
