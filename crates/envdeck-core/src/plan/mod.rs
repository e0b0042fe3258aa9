//! The Plan of one `up`: which network, volumes, images and Services an Environment needs, and in what
//! order the Services may start. Pure: the engine compares it with what Docker has and applies the difference.

mod hash;
mod order;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::compose::{ComposeModel, MountType};
use crate::error::CoreError;

pub use hash::config_hash;
pub use order::start_levels;

/// The compose network every Service joins when it names none.
pub const DEFAULT_NETWORK: &str = "default";

/// Everything `up` will make sure exists, in the order it will do it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Plan {
    /// The compose project name: the prefix of every object and the value of the project labels.
    pub project: String,
    pub steps: Vec<Step>,
    /// Services grouped by start order: every Service of a level depends only on earlier levels, so the
    /// Services of one level start in parallel.
    pub levels: Vec<Vec<String>>,
}

/// One thing `up` does; progress events name the Step they are about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Step {
    /// Check that the Environment's published host ports are free, before anything is created.
    CheckPorts,
    /// Create (or reuse) a network, by its engine-level name.
    Network { name: String },
    /// Create (or reuse) a named volume, by its engine-level name.
    Volume { name: String },
    /// Make an image present: pull it, or build it for a Service with `build:`.
    Image {
        image: String,
        build_for: Option<String>,
    },
    /// Create, recreate or start the containers of a Service.
    Service { service: String },
    /// Wait until a Service is healthy (or running, or completed) as its dependents require.
    Ready { service: String },
}

/// The image a Service runs: its `image:`, or for a `build:` Service without one, `<project>-<service>`.
pub fn image_of(project: &str, service_name: &str, service: &crate::compose::Service) -> String {
    match (&service.image, &service.build) {
        (Some(image), _) => image.clone(),
        (None, _) => format!("{project}-{service_name}"),
    }
}

/// The engine-level name of a compose network key, as compose names it.
pub fn network_name(model: &ComposeModel, key: &str) -> String {
    model
        .networks
        .get(key)
        .map(|n| n.name.clone())
        .unwrap_or_else(|| format!("{}_{key}", model.name))
}

/// The engine-level name of a compose volume key (`<project>_<key>` unless the model says otherwise).
pub fn volume_name(model: &ComposeModel, key: &str) -> String {
    model
        .volumes
        .get(key)
        .map(|v| v.name.clone())
        .unwrap_or_else(|| format!("{}_{key}", model.name))
}

/// The network keys a Service joins (`default` when it names none).
pub fn service_networks(service: &crate::compose::Service) -> Vec<String> {
    if service.networks.is_empty() {
        vec![DEFAULT_NETWORK.to_string()]
    } else {
        service.networks.keys().cloned().collect()
    }
}

/// Orders the model into a Plan. Fails on a dependency cycle or a dependency on an unknown Service.
pub fn plan(model: &ComposeModel) -> Result<Plan, CoreError> {
    let levels = start_levels(model)?;
    let mut steps = vec![Step::CheckPorts];

    let mut networks = BTreeSet::new();
    let mut volumes = BTreeSet::new();
    let mut images: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (name, service) in &model.services {
        for key in service_networks(service) {
            if !model.networks.get(&key).is_some_and(|n| n.external) {
                networks.insert(network_name(model, &key));
            }
        }
        for mount in &service.volumes {
            if let (MountType::Volume, Some(source)) = (mount.kind, &mount.source)
                && !model.volumes.get(source).is_some_and(|v| v.external)
            {
                volumes.insert(volume_name(model, source));
            }
        }
        let image = image_of(&model.name, name, service);
        let build_for = service.build.as_ref().map(|_| name.clone());
        let entry = images.entry(image).or_default();
        if entry.is_none() {
            *entry = build_for;
        }
    }
    steps.extend(networks.into_iter().map(|name| Step::Network { name }));
    steps.extend(volumes.into_iter().map(|name| Step::Volume { name }));
    steps.extend(
        images
            .into_iter()
            .map(|(image, build_for)| Step::Image { image, build_for }),
    );
    for level in &levels {
        for service in level {
            steps.push(Step::Service {
                service: service.clone(),
            });
        }
        for service in level {
            steps.push(Step::Ready {
                service: service.clone(),
            });
        }
    }
    Ok(Plan {
        project: model.name.clone(),
        steps,
        levels,
    })
}

#[cfg(test)]
pub(crate) mod tests;
