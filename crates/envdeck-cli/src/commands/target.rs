//! Which stack a command acts on: the project's environment, named `<project>-<environment>-<id>`.

use std::path::Path;

use envdeck_api::ApiError;
use envdeck_api::stack::StackId;

/// The stack of an Environment: its compose project name and the project identity its labels carry.
pub fn stack(project: &Path, environment: &str) -> Result<StackId, ApiError> {
    super::runtime().block_on(envdeck_api::environment::stack(project, environment))
}
