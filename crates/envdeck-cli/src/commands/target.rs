//! Which stack a command acts on. The two functions here are the glue to the project loader: until it
//! lands, the stack is named the way compose names it by default (the project folder's name).

use std::path::Path;

use envdeck_api::ApiError;
use envdeck_api::error::ErrorCode;
use envdeck_core::compose::ComposeModel;

/// The compose project name of an Environment: what every container's labels carry.
/// GLUE: replace with the loaded Project's compose model name (`name:`, `-p`, or the folder).
pub fn stack_name(project: &Path, _environment: &str) -> String {
    let folder = std::fs::canonicalize(project)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    let raw = folder.unwrap_or_else(|| "envdeck".to_string()).to_lowercase();
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The resolved compose model of an Environment.
/// GLUE: replace with the project loader (compose files + env template + secrets from the vault).
pub fn model(project: &Path, environment: &str) -> Result<ComposeModel, ApiError> {
    Err(ApiError::new(
        ErrorCode::InvalidProject,
        format!(
            "cannot load environment `{environment}` of {}: reading compose files is not part of this build yet",
            project.display()
        ),
    ))
}
