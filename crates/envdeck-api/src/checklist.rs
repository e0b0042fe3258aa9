//! The security checklist as clients see it (`envdeck checklist ENV`, the desktop's list) and the
//! gate `environment::start` passes through: staging and production (by id, or as the manifest marks
//! them), Docker or host process, do not start while a line fails.

use std::path::Path;

use envdeck_core::Project;
use envdeck_core::checklist::{self, ChecklistItem, Exposure};
use envdeck_core::compose::ComposeModel;
use envdeck_core::secret::SecretSpec;
use serde::Serialize;

use crate::environment::{project_id, specs};
use crate::error::{ApiError, ErrorCode};
use crate::secrets;

/// One environment's checklist.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Checklist {
    pub env: String,
    /// Whether the seeds ask for it here (staging and production); it can be run anywhere.
    pub applies: bool,
    /// Whether a failing line stops the environment from starting (staging and production).
    pub blocks_start: bool,
    pub items: Vec<ChecklistItem>,
}

impl Checklist {
    pub fn passed(&self) -> bool {
        self.items.iter().all(|i| i.passed)
    }
}

/// Evaluates the checklist on the model as it would start now, with the secrets already in the
/// keychain (nothing is generated; a secret not generated yet is judged by its policy).
pub async fn evaluate(dir: &Path, env: &str) -> Result<Checklist, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    let env_specs = specs(project, env)?;
    let exposure = exposure_of(project, env)?;
    let secrets = secrets::stored_values(project_id(project)?, env, &env_specs).await?;
    let masker = secrets.masker();
    let model = checked_model(project, env, &secrets).map_err(|e| e.masked(&masker))?;
    let mut items = checklist::evaluate(env, exposure, &model, &env_specs);
    // Reasons name variables, never values; masking is the second lock on that door.
    for item in &mut items {
        item.reason = masker.mask(&item.reason);
    }
    Ok(Checklist {
        env: env.to_string(),
        applies: checklist::applies_to(exposure),
        blocks_start: checklist::blocks_start(exposure),
        items,
    })
}

/// The environment's exposure: the manifest's `exposure`, else from its id.
pub(crate) fn exposure_of(project: &Project, env: &str) -> Result<Exposure, ApiError> {
    project
        .environment(env)
        .map(|e| e.exposure)
        .map_err(ApiError::from)
}

/// What the checklist reads: the resolved compose model, or a host process as one service with the
/// variables it gets.
pub(crate) fn checked_model(
    project: &Project,
    env: &str,
    secrets: &secrets::StartSecrets,
) -> Result<ComposeModel, ApiError> {
    crate::session::Runtime::of(project, env)?
        .model(secrets)
        .map(|(model, _)| model)
}

/// Refuses to start a staging or production environment while any line of its checklist fails,
/// listing every failure.
pub fn enforce(
    env: &str,
    exposure: Exposure,
    model: &ComposeModel,
    specs: &[SecretSpec],
) -> Result<(), ApiError> {
    if !checklist::blocks_start(exposure) {
        return Ok(());
    }
    let items = checklist::evaluate(env, exposure, model, specs);
    let failures = checklist::failures(&items);
    if failures.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = failures
        .iter()
        .map(|f| format!("  - {}: {}", f.title, f.reason))
        .collect();
    Err(ApiError::new(
        ErrorCode::InvalidProject,
        format!(
            "{env} was not started: {} of {} security checks fail:\n{}\nFix them in the environment's files, then check with `envdeck checklist {env}`.",
            failures.len(),
            items.len(),
            lines.join("\n")
        ),
    ))
}
