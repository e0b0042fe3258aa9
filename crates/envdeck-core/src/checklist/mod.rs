//! The security checklist of staging and production (the eight lines `envdeck checklist ENV` prints),
//! evaluated on what would actually run: the resolved compose model and the environment's secret
//! specs. Pure: it reads values and returns pass/fail lines; `envdeck-api` refuses to start a staging
//! or production environment (by its id, or as the manifest's `exposure` marks it) while any line fails.
//!
//! The checks read the seeds' variable names (`DEBUG`, `SECRET_KEY`, `CORS_ORIGINS`, `SMTP_TLS`,
//! `BCRYPT_ROUNDS`, `DOCS_ENABLED`). "App services" are those that set `SECRET_KEY` or `DEBUG`: the
//! backend, not PostgreSQL or nginx. No reason ever contains a variable's value, only its name, so
//! the lines are safe to print even when the model holds real secrets.

mod checks;

use serde::{Deserialize, Serialize};

use crate::compose::ComposeModel;
use crate::secret::SecretSpec;

/// How exposed an environment is, which decides how strict the checklist is. The manifest may say it
/// (`exposure = "production"`); otherwise the environment's id does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exposure {
    Development,
    Staging,
    Production,
}

impl Exposure {
    /// From the environment id, with the secret policy's names (`prod`/`production`, `staging`/`stage`).
    pub fn of(env: &str) -> Self {
        match env.to_ascii_lowercase().as_str() {
            "prod" | "production" => Exposure::Production,
            "staging" | "stage" => Exposure::Staging,
            _ => Exposure::Development,
        }
    }

    /// The shortest SECRET_KEY accepted: 64, 96 and 128 characters as exposure grows.
    pub fn min_secret_key(self) -> usize {
        match self {
            Exposure::Development => 64,
            Exposure::Staging => 96,
            Exposure::Production => 128,
        }
    }
}

/// Whether the checklist concerns this environment at all (staging and production).
pub fn applies_to(exposure: Exposure) -> bool {
    exposure >= Exposure::Staging
}

/// Whether a failing checklist must stop this environment from starting: staging and production start
/// only when it passes, Docker or host process alike.
pub fn blocks_start(exposure: Exposure) -> bool {
    exposure >= Exposure::Staging
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ChecklistItem {
    /// Stable id (`debug`, `secret_key`, `default_passwords`, `cors`, `smtp_tls`, `bcrypt_rounds`,
    /// `docs_hidden`, `public_ports`).
    pub id: String,
    /// What is checked, as the seeds phrase it.
    pub title: String,
    pub passed: bool,
    /// Why it passed or failed, naming the service and variable, and what to change.
    pub reason: String,
}

/// Every check, in the seeds' order.
pub fn evaluate(
    env: &str,
    exposure: Exposure,
    model: &ComposeModel,
    specs: &[SecretSpec],
) -> Vec<ChecklistItem> {
    vec![
        checks::debug(model),
        checks::secret_key(env, exposure, model, specs),
        checks::default_passwords(model),
        checks::cors(model),
        checks::smtp_tls(model),
        checks::bcrypt_rounds(model),
        checks::docs_hidden(model),
        checks::public_ports(model),
    ]
}

/// The failing lines.
pub fn failures(items: &[ChecklistItem]) -> Vec<&ChecklistItem> {
    items.iter().filter(|i| !i.passed).collect()
}

#[cfg(test)]
mod tests;
