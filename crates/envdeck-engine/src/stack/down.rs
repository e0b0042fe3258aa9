//! `down` and `restart`: act only on what carries this stack's label, so a foreign container or volume
//! with the same name always survives, and recovery after a crash needs nothing but Docker itself.

use bollard::Docker;
use bollard::query_parameters::RestartContainerOptionsBuilder;
use envdeck_core::plan::Step;
use envdeck_core::progress::{Outcome, Progress};
use futures_util::future::try_join_all;
use serde::Serialize;

use super::Sink;
use crate::containers;
use crate::error::{EngineError, detail};
use crate::labels::StackId;
use crate::{networks, volumes};

/// Whether `down` deletes the Environment's data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RemoveVolumes {
    /// The default: data survives `down`.
    #[default]
    Keep,
    /// "Wipe data": honoured only when `typed_name` is the Environment's name.
    Confirmed { typed_name: String },
}

/// What `down` removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DownReport {
    pub containers: Vec<String>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
}

pub(super) async fn down(
    docker: &Docker,
    project: &StackId,
    remove_volumes: RemoveVolumes,
    sink: Sink,
) -> Result<DownReport, EngineError> {
    // Refused before anything is stopped: a typo must not cost a half-removed stack.
    let environment = project.environment.as_str();
    let wipe = match &remove_volumes {
        RemoveVolumes::Keep => false,
        RemoveVolumes::Confirmed { typed_name } if typed_name == environment => true,
        RemoveVolumes::Confirmed { typed_name } => {
            return Err(EngineError::ConfirmationMismatch {
                expected: environment.to_string(),
                typed: typed_name.clone(),
            });
        }
    };
    let found = containers::list(docker, project).await?;
    try_join_all(found.iter().map(|c| {
        let sink = sink.clone();
        async move {
            let step = Step::Service {
                service: c.service.clone(),
            };
            sink(Progress::StepStarted { step: step.clone() });
            containers::stop(docker, &c.name, None).await?;
            containers::remove(docker, &c.name).await?;
            sink(Progress::StepFinished {
                step,
                outcome: Outcome::Removed,
            });
            Ok::<_, EngineError>(())
        }
    }))
    .await?;
    let mut report = DownReport {
        containers: found.into_iter().map(|c| c.name).collect(),
        ..Default::default()
    };
    report.networks = networks::remove_all(docker, project).await?;
    for name in &report.networks {
        let step = Step::Network { name: name.clone() };
        sink(Progress::StepFinished {
            step,
            outcome: Outcome::Removed,
        });
    }
    if wipe {
        report.volumes = volumes::remove_all(docker, project).await?;
        for name in &report.volumes {
            let step = Step::Volume { name: name.clone() };
            sink(Progress::StepFinished {
                step,
                outcome: Outcome::Removed,
            });
        }
    }
    Ok(report)
}

pub(super) async fn restart(
    docker: &Docker,
    project: &StackId,
    service: Option<&str>,
) -> Result<Vec<String>, EngineError> {
    let found = containers::list(docker, project).await?;
    let chosen: Vec<_> = found
        .into_iter()
        .filter(|c| service.is_none_or(|s| c.service == s))
        .collect();
    if let (Some(s), true) = (service, chosen.is_empty()) {
        return Err(EngineError::NotRunning {
            project: project.to_string(),
            service: s.to_string(),
        });
    }
    try_join_all(chosen.iter().map(|c| async move {
        let options = RestartContainerOptionsBuilder::default().build();
        docker
            .restart_container(&c.name, Some(options))
            .await
            .map_err(|e| EngineError::StartContainer {
                container: c.name.clone(),
                detail: detail(&e),
            })
    }))
    .await?;
    Ok(chosen.into_iter().map(|c| c.name).collect())
}
