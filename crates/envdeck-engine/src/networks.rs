//! Networks: the project's networks, created with our labels, reused when ours, refused when foreign.

use bollard::Docker;
use bollard::models::NetworkCreateRequest;
use bollard::query_parameters::ListNetworksOptionsBuilder;
use envdeck_core::progress::Outcome;

use crate::error::{EngineError, detail, is_not_found};
use crate::labels::{self, StackId};

/// Creates the network unless it exists; an existing one must carry this stack's labels.
///
/// Safe to repeat and to race: Docker accepts two networks with one name, after which every lookup by
/// that name fails as ambiguous. So the network is looked for by listing, and after a create any twins
/// of ours are settled: every racer keeps the same one (the oldest) and removes the rest.
pub(crate) async fn ensure(
    docker: &Docker,
    project: &StackId,
    key: &str,
    name: &str,
    driver: Option<&str>,
) -> Result<Outcome, EngineError> {
    let (ours, foreign) = named(docker, project, name).await?;
    if !ours.is_empty() {
        settle(docker, ours).await;
        return Ok(Outcome::Unchanged);
    }
    if foreign {
        return Err(EngineError::Foreign {
            kind: "network",
            name: name.to_string(),
        });
    }
    let mut network_labels = labels::base(project);
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
    let (ours, _) = named(docker, project, name).await?;
    settle(docker, ours).await;
    Ok(Outcome::Created)
}

/// The networks called exactly `name`: this stack's (id, created), and whether a foreign one exists.
async fn named(
    docker: &Docker,
    project: &StackId,
    name: &str,
) -> Result<(Vec<(String, String)>, bool), EngineError> {
    // Docker's `name` filter matches parts of names: the exact match is ours to check.
    let filters = std::collections::HashMap::from([("name".to_string(), vec![name.to_string()])]);
    let options = ListNetworksOptionsBuilder::default().filters(&filters).build();
    let networks = docker
        .list_networks(Some(options))
        .await
        .map_err(|e| EngineError::Inspect {
            what: format!("network {name}"),
            detail: detail(&e),
        })?;
    let mut ours = Vec::new();
    let mut foreign = false;
    for network in networks.into_iter().filter(|n| n.name.as_deref() == Some(name)) {
        if labels::is_ours(network.labels.as_ref(), project) {
            ours.extend(network.id.map(|id| (network.created.unwrap_or_default(), id)));
        } else {
            foreign = true;
        }
    }
    Ok((ours, foreign))
}

/// Keeps the oldest of this stack's twins and removes the others. Every racer sorts the same list the
/// same way, so they agree; a twin that a container already joined cannot be removed and stays (the
/// next `down` removes it with the rest).
async fn settle(docker: &Docker, mut ours: Vec<(String, String)>) {
    ours.sort();
    for (_, id) in ours.into_iter().skip(1) {
        if let Err(e) = docker.remove_network(&id).await {
            tracing::warn!(network = %id, "a duplicate network could not be removed: {}", detail(&e));
        }
    }
}

/// Removes every network carrying this stack's label (containers must be gone first).
pub(crate) async fn remove_all(docker: &Docker, project: &StackId) -> Result<Vec<String>, EngineError> {
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
