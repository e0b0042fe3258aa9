//! Start order: Services grouped in levels by `depends_on`, so independent Services start together.

use std::collections::{BTreeMap, BTreeSet};

use crate::compose::ComposeModel;
use crate::error::CoreError;

/// Kahn's algorithm by levels; names within a level are sorted so the Plan is stable.
pub fn start_levels(model: &ComposeModel) -> Result<Vec<Vec<String>>, CoreError> {
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, service) in &model.services {
        let mut deps = BTreeSet::new();
        for (dep, spec) in &service.depends_on {
            if model.services.contains_key(dep) {
                deps.insert(dep.as_str());
            } else if spec.required {
                return Err(CoreError::UnknownDependency {
                    file: None,
                    service: name.clone(),
                    dependency: dep.clone(),
                    known: model.services.keys().cloned().collect::<Vec<_>>().join(", "),
                });
            }
        }
        waiting.insert(name.as_str(), deps);
    }
    let mut levels = Vec::new();
    while !waiting.is_empty() {
        let ready: Vec<&str> = waiting
            .iter()
            .filter(|(_, deps)| deps.is_empty())
            .map(|(n, _)| *n)
            .collect();
        if ready.is_empty() {
            let cycle = waiting.keys().map(|s| s.to_string()).collect();
            return Err(CoreError::DependencyCycle { cycle });
        }
        for name in &ready {
            waiting.remove(name);
        }
        for deps in waiting.values_mut() {
            for name in &ready {
                deps.remove(name);
            }
        }
        levels.push(ready.into_iter().map(String::from).collect());
    }
    Ok(levels)
}
