//! Where one environment's secrets live in the keychain: `envdeck:<project-id>:<env>`, so two projects
//! (or two environments) with the same variable names never share an entry.

use crate::VaultError;

/// A project's environment, as a keychain service name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Namespace {
    project_id: String,
    env: String,
}

impl Namespace {
    /// Refuses empty parts, `:` (which would let `a:b` + `c` collide with `a` + `b:c`) and control
    /// characters.
    pub fn new(project_id: &str, env: &str) -> Result<Self, VaultError> {
        check_part("project id", project_id)?;
        check_part("environment", env)?;
        Ok(Self {
            project_id: project_id.to_owned(),
            env: env.to_owned(),
        })
    }

    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    pub fn env(&self) -> &str {
        &self.env
    }

    /// The keychain's service attribute for this environment.
    pub fn service(&self) -> String {
        format!("envdeck:{}:{}", self.project_id, self.env)
    }
}

fn check_part(what: &'static str, value: &str) -> Result<(), VaultError> {
    let reason = if value.is_empty() {
        "it is empty"
    } else if value.contains(':') {
        "it contains `:`, which separates the parts of EnvDeck's keychain names"
    } else if value.chars().any(char::is_control) {
        "it contains control characters"
    } else {
        return Ok(());
    };
    Err(VaultError::InvalidName {
        what,
        value: value.escape_debug().to_string(),
        reason,
    })
}

/// Variable names become the keychain's user attribute: same rules, `:` allowed.
pub(crate) fn check_variable(name: &str) -> Result<(), VaultError> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.chars().any(char::is_control) {
        "it contains control characters"
    } else {
        return Ok(());
    };
    Err(VaultError::InvalidName {
        what: "variable",
        value: name.escape_debug().to_string(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_cannot_collide() {
        assert_eq!(
            Namespace::new("shop", "local").map(|n| n.service()).ok(),
            Some("envdeck:shop:local".into())
        );
        assert!(
            Namespace::new("a:b", "c").is_err() && Namespace::new("a", "b:c").is_err(),
            "with `:` allowed, envdeck:a:b:c would mean two different environments"
        );
        assert!(
            Namespace::new("", "local").is_err(),
            "an empty project id would share entries"
        );
    }
}
