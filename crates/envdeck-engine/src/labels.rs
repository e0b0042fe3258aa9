//! The labels EnvDeck puts on every object it creates: compose's (so `docker compose ps` sees the stack)
//! and ours. They are the only memory EnvDeck needs: after a crash, `up` and `down` recover from them.

use std::collections::HashMap;

pub const PROJECT: &str = "com.docker.compose.project";
pub const SERVICE: &str = "com.docker.compose.service";
pub const NUMBER: &str = "com.docker.compose.container-number";
pub const ONEOFF: &str = "com.docker.compose.oneoff";
pub const NETWORK: &str = "com.docker.compose.network";
pub const VOLUME: &str = "com.docker.compose.volume";
/// Ours: only objects with this label are ever stopped or removed.
pub const ENVDECK_PROJECT: &str = "dev.envdeck.project";
pub const ENVDECK_ENVIRONMENT: &str = "dev.envdeck.environment";
pub const CONFIG_HASH: &str = "dev.envdeck.config-hash";

/// The labels shared by every object of one stack.
pub(crate) fn base(project: &str, environment: &str) -> HashMap<String, String> {
    HashMap::from([
        (PROJECT.to_string(), project.to_string()),
        (ENVDECK_PROJECT.to_string(), project.to_string()),
        (ENVDECK_ENVIRONMENT.to_string(), environment.to_string()),
    ])
}

/// A Docker list filter selecting only this stack's objects.
pub(crate) fn filter(project: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_string(), vec![format!("{ENVDECK_PROJECT}={project}")])])
}

/// Whether an object's labels say it belongs to this stack.
pub(crate) fn is_ours(labels: Option<&HashMap<String, String>>, project: &str) -> bool {
    labels
        .and_then(|l| l.get(ENVDECK_PROJECT))
        .is_some_and(|p| p == project)
}
