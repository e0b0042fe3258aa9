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
/// Whose stack it is: the project's identity, which a repository cannot choose. Checked before any
/// object is stopped, replaced or removed.
pub const ENVDECK_PROJECT_ID: &str = "dev.envdeck.project-id";
pub const ENVDECK_ENVIRONMENT: &str = "dev.envdeck.environment";
pub const CONFIG_HASH: &str = "dev.envdeck.config-hash";

/// Which stack an operation acts on, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackId {
    /// The compose project name (`docker compose -p NAME`).
    pub name: String,
    /// The owning project's identity (`dev.envdeck.project-id`).
    pub project_id: String,
    pub environment: String,
    /// Adopted from before projects had ids: its older objects carry no id label, and the name alone
    /// (unique to the one folder that adopted it) tells they are ours.
    pub legacy: bool,
    /// The engine the stack runs on: this machine's unless the environment names a server's.
    pub engine: envdeck_core::project::Endpoint,
}

impl StackId {
    /// A stack of a project with its own id.
    pub fn new(
        name: impl Into<String>,
        project_id: impl Into<String>,
        environment: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            project_id: project_id.into(),
            environment: environment.into(),
            legacy: false,
            engine: envdeck_core::project::Endpoint::Local,
        }
    }
}

impl std::fmt::Display for StackId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// The labels shared by every object of one stack.
pub(crate) fn base(stack: &StackId) -> HashMap<String, String> {
    HashMap::from([
        (PROJECT.to_string(), stack.name.clone()),
        (ENVDECK_PROJECT.to_string(), stack.name.clone()),
        (ENVDECK_PROJECT_ID.to_string(), stack.project_id.clone()),
        (ENVDECK_ENVIRONMENT.to_string(), stack.environment.clone()),
    ])
}

/// A Docker list filter selecting only this stack's objects (Docker ANDs label filters).
pub(crate) fn filter(stack: &StackId) -> HashMap<String, Vec<String>> {
    let mut wanted = vec![format!("{ENVDECK_PROJECT}={}", stack.name)];
    if !stack.legacy {
        wanted.push(format!("{ENVDECK_PROJECT_ID}={}", stack.project_id));
    }
    HashMap::from([("label".to_string(), wanted)])
}

/// Whether an object's labels say it belongs to this stack: its name, and its owner's identity (a
/// legacy stack's older objects have none; one with another owner's id is never ours).
pub(crate) fn is_ours(labels: Option<&HashMap<String, String>>, stack: &StackId) -> bool {
    let Some(labels) = labels else { return false };
    let named = labels.get(ENVDECK_PROJECT).is_some_and(|p| *p == stack.name);
    let owned = match labels.get(ENVDECK_PROJECT_ID) {
        Some(id) => *id == stack.project_id,
        None => stack.legacy,
    };
    named && owned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_object_with_our_name_but_another_owner_is_not_ours() {
        let stack = StackId::new("shop-local-11111111", "11111111aaaa", "local");
        let mine = labels(&[
            (ENVDECK_PROJECT, "shop-local-11111111"),
            (ENVDECK_PROJECT_ID, "11111111aaaa"),
        ]);
        let other = labels(&[
            (ENVDECK_PROJECT, "shop-local-11111111"),
            (ENVDECK_PROJECT_ID, "22222222bbbb"),
        ]);
        let unowned = labels(&[(ENVDECK_PROJECT, "shop-local-11111111")]);
        assert!(is_ours(Some(&mine), &stack));
        assert!(!is_ours(Some(&other), &stack), "another project's id");
        assert!(
            !is_ours(Some(&unowned), &stack),
            "no id on a stack that always had one"
        );
        let legacy = StackId {
            legacy: true,
            ..StackId::new("shop-local", "legacy:shop", "local")
        };
        let old = labels(&[(ENVDECK_PROJECT, "shop-local")]);
        assert!(is_ours(Some(&old), &legacy), "objects from before ids, adopted");
        assert!(!is_ours(Some(&other), &legacy));
    }
}
