//! Host ports: a published port already taken by another program is found BEFORE anything is
//! created, by trying to bind it, so a failed `up` leaves nothing half-made behind.

use std::collections::HashSet;
use std::net::{IpAddr, TcpListener, UdpSocket};

use envdeck_core::compose::{ComposeModel, Protocol};

use crate::containers::{DEFAULT_HOST_IP, Existing};
use crate::error::EngineError;

/// Checks every published port of the model. Ports held by this stack's own containers are skipped:
/// they are ours, and a container being kept or recreated will hold them again.
pub(crate) fn check(model: &ComposeModel, ours: &[Existing]) -> Result<(), EngineError> {
    let held: HashSet<u16> = ours.iter().flat_map(|c| c.ports.iter().map(|p| p.1)).collect();
    for (service_name, service) in &model.services {
        for port in &service.ports {
            let Some(published) = port.published.as_deref().and_then(|p| p.parse::<u16>().ok()) else {
                continue;
            };
            if published == 0 || held.contains(&published) {
                continue;
            }
            let host_ip = port
                .host_ip
                .clone()
                .unwrap_or_else(|| DEFAULT_HOST_IP.to_string());
            let ip: IpAddr = match host_ip.parse() {
                Ok(ip) => ip,
                Err(_) => continue,
            };
            let free = match port.protocol {
                Protocol::Udp => UdpSocket::bind((ip, published)).is_ok(),
                _ => TcpListener::bind((ip, published)).is_ok(),
            };
            if !free {
                return Err(EngineError::PortTaken {
                    service: service_name.clone(),
                    host_ip,
                    port: published,
                });
            }
        }
    }
    Ok(())
}
