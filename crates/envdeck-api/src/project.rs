//! Opening a project and resolving its environments: what `envdeck list` / `envdeck config` and the
//! desktop's environment picker show.

use std::path::{Path, PathBuf};

use envdeck_core::compose::{ComposeModel, EnvFile, LoadOptions, Variables, load};
use envdeck_core::{Environment, Project};

use crate::error::ApiError;

/// The project's files, for what needs no identity (listing environments, their checks).
pub fn open(dir: &Path) -> Result<Project, ApiError> {
    Project::open(dir).map_err(ApiError::from)
}

/// The project with its identity (see [`crate::identity`]): what anything that touches its stacks or
/// its secrets opens. A folder EnvDeck must ask about is an error with code `ProjectIdentity`.
pub async fn open_identified(dir: &Path) -> Result<Project, ApiError> {
    let project = open(dir)?;
    let identity = crate::identity::identify(&project).await?;
    Ok(project.identified(identity))
}

/// The environments of the project at `dir`, in picker order.
pub fn environments(dir: &Path) -> Result<Vec<Environment>, ApiError> {
    Ok(open(dir)?.environments().to_vec())
}

/// `docker compose -f A -f B --env-file E --profile P -p NAME config`, on files outside any project.
#[derive(Debug, Clone, Default)]
pub struct FilesRequest {
    pub files: Vec<PathBuf>,
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    pub project_name: Option<String>,
    pub project_dir: Option<PathBuf>,
}

pub fn resolve_files(request: &FilesRequest) -> Result<ComposeModel, ApiError> {
    let dir = request
        .project_dir
        .clone()
        .or_else(|| {
            request
                .files
                .first()
                .and_then(|f| f.parent().map(Path::to_path_buf))
        })
        .unwrap_or_default();
    // Without --env-file compose reads `.env` from the project folder when there is one.
    let default_env = dir.join(".env");
    let env_files: Vec<PathBuf> = if request.env_files.is_empty() && default_env.is_file() {
        vec![default_env]
    } else {
        request.env_files.clone()
    };
    let mut vars = Variables::from_process_env();
    for path in &env_files {
        let layer = EnvFile::read(path)
            .and_then(|file| file.layer(&vars))
            .map_err(ApiError::from)?;
        vars.push(layer);
    }
    let options = LoadOptions {
        files: request.files.clone(),
        project_dir: request.project_dir.clone(),
        project_name: request.project_name.clone(),
        profiles: request.profiles.clone(),
    };
    load(&options, &vars).map_err(ApiError::from)
}
