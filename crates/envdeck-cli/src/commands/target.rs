//! Which stack a command acts on: the project's environment, named `<project>-<environment>`.

use std::path::Path;

use envdeck_api::ApiError;

/// The compose project name of an Environment: what every container's labels carry.
pub fn stack_name(project: &Path, environment: &str) -> Result<String, ApiError> {
    envdeck_api::environment::stack_name(project, environment)
}
