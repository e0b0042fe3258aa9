//! Networks: the project's networks, created with our labels, reused when ours, refused when foreign.

use bollard::Docker;
use bollard::models::NetworkCreateRequest;
use bollard::query_parameters::{InspectNetworkOptions, ListNetworksOptionsBuilder};
use envdeck_core::progress::Outcome;

use crate::error::{EngineError, detail, is_not_found};
use crate::labels;

/// Creates the network unless it exists; an existing one must carry this stack's label.
pub(crate) async fn ensure(
    docker: &Docker,
    project: &str,
    environment: &str,
    key: &str,
    name: &str,
    driver: Option<&str>,
) -> Result<Outcome, EngineError> {
    match docker.inspect_network(name, None::<InspectNetworkOptions>).await {
        Ok(existing) if labels::is_ours(existing.labels.as_ref(), project) => return Ok(Outcome::Unchanged),
        Ok(_) => {
            return Err(EngineError::Foreign {
                kind: "network",
                name: name.to_string(),
            });
        }
        Err(e) if is_not_found(&e) => {}
        Err(e) => {
            return Err(EngineError::Inspect {
                what: format!("network {name}"),
                detail: detail(&e),
            });
        }
    }
    let mut network_labels = labels::base(project, environment);
    network_labels.insert(labels::NETWORK.to_string(), key.to_string());
    let request = NetworkCreateRequest {
        name: name.to_string(),
        driver: Some(driver.unwrap_or("bridge").to_string()),
        labels: Some(network_labels),
        ..Default::default()
    };
    docker
        .create_network(request)
        .await
        .map_err(|e| EngineError::CreateNetwork {
            network: name.to_string(),
            detail: detail(&e),
        })?;
    Ok(Outcome::Created)
}

/// Removes every network carrying this stack's label (containers must be gone first).
pub(crate) async fn remove_all(docker: &Docker, project: &str) -> Result<Vec<String>, EngineError> {
    let options = ListNetworksOptionsBuilder::default()
        .filters(&labels::filter(project))
        .build();
    let networks = docker
        .list_networks(Some(options))
        .await
        .map_err(|e| EngineError::Inspect {
            what: format!("the networks of {project}"),
            detail: detail(&e),
        })?;
    let mut removed = Vec::new();
    for network in networks {
        let Some(name) = network.name else { continue };
        if !labels::is_ours(network.labels.as_ref(), project) {
            continue;
        }
        match docker.remove_network(&name).await {
            Ok(()) => removed.push(name),
            Err(e) if is_not_found(&e) => {}
            Err(e) => {
                return Err(EngineError::Remove {
                    kind: "network",
                    name,
                    detail: detail(&e),
                });
            }
        }
    }
    Ok(removed)
}
