//! Volumes: where a Service's data lives. Created with our labels; removed only on an explicit,
//! confirmed request, and only when they carry this stack's label (a foreign volume always survives).

use bollard::Docker;
use bollard::models::VolumeCreateRequest;
use bollard::query_parameters::{ListVolumesOptionsBuilder, RemoveVolumeOptionsBuilder};
use envdeck_core::progress::Outcome;

use crate::error::{EngineError, detail, is_not_found};
use crate::labels::{self, StackId};

/// Creates the volume unless it exists. An existing volume without our label is used as it is (as
/// compose does), but never removed by EnvDeck.
pub(crate) async fn ensure(
    docker: &Docker,
    project: &StackId,
    key: &str,
    name: &str,
    driver: Option<&str>,
) -> Result<Outcome, EngineError> {
    match docker.inspect_volume(name).await {
        Ok(_) => return Ok(Outcome::Unchanged),
        Err(e) if is_not_found(&e) => {}
        Err(e) => {
            return Err(EngineError::Inspect {
                what: format!("volume {name}"),
                detail: detail(&e),
            });
        }
    }
    let mut volume_labels = labels::base(project);
    volume_labels.insert(labels::VOLUME.to_string(), key.to_string());
    let request = VolumeCreateRequest {
        name: Some(name.to_string()),
        driver: driver.map(String::from),
        labels: Some(volume_labels),
        ..Default::default()
    };
    docker
        .create_volume(request)
        .await
        .map_err(|e| EngineError::CreateVolume {
            volume: name.to_string(),
            detail: detail(&e),
        })?;
    Ok(Outcome::Created)
}

/// The names of the volumes carrying this stack's label: what "Wipe data" lists and removes.
pub(crate) async fn list(docker: &Docker, project: &StackId) -> Result<Vec<String>, EngineError> {
    let options = ListVolumesOptionsBuilder::default()
        .filters(&labels::filter(project))
        .build();
    let response = docker
        .list_volumes(Some(options))
        .await
        .map_err(|e| EngineError::Inspect {
            what: format!("the volumes of {project}"),
            detail: detail(&e),
        })?;
    Ok(response
        .volumes
        .unwrap_or_default()
        .into_iter()
        .filter(|v| labels::is_ours(Some(&v.labels), project))
        .map(|v| v.name)
        .collect())
}

pub(crate) async fn remove_all(docker: &Docker, project: &StackId) -> Result<Vec<String>, EngineError> {
    let mut removed = Vec::new();
    for name in list(docker, project).await? {
        match docker
            .remove_volume(&name, Some(RemoveVolumeOptionsBuilder::default().build()))
            .await
        {
            Ok(()) => removed.push(name),
            Err(e) if is_not_found(&e) => {}
            Err(e) => {
                return Err(EngineError::Remove {
                    kind: "volume",
                    name,
                    detail: detail(&e),
                });
            }
        }
    }
    Ok(removed)
}
