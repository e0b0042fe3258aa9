//! `envdeck config ENV` (a project's environment) and `envdeck config -f FILE ...` (raw compose files,
//! with docker compose's flags): the resolved model as JSON, warnings on stderr.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use envdeck_api::project::{FilesRequest, resolve_files};
use envdeck_api::{ApiError, error::ErrorCode};

#[derive(clap::Args)]
pub struct Args {
    /// The environment to resolve (see `envdeck list`); omit it when giving `-f`.
    env: Option<String>,
    /// Compose files, base first (instead of ENV).
    #[arg(short = 'f', long = "file")]
    files: Vec<PathBuf>,
    /// Env files for interpolation, with `-f` (default: `.env` beside the first file).
    #[arg(long = "env-file")]
    env_files: Vec<PathBuf>,
    /// Profiles to activate, with `-f`.
    #[arg(long = "profile")]
    profiles: Vec<String>,
    /// Project name, with `-f`.
    #[arg(short = 'p', long = "project-name")]
    project_name: Option<String>,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    let model = match (&args.env, args.files.is_empty()) {
        (Some(env), true) => {
            let config = super::runtime().block_on(envdeck_api::environment::config(project, env))?;
            for warning in &config.warnings {
                eprintln!("warning: {warning}");
            }
            println!("{:#}", config.json);
            return Ok(ExitCode::SUCCESS);
        }
        (None, false) => resolve_files(&FilesRequest {
            files: args.files,
            env_files: args.env_files,
            profiles: args.profiles,
            project_name: args.project_name,
            project_dir: None,
        })?,
        (Some(_), false) => {
            return Err(ApiError::new(
                ErrorCode::Internal,
                "give either an environment or -f files, not both",
            ));
        }
        (None, true) => {
            return Err(ApiError::new(
                ErrorCode::Internal,
                "give an environment (see `envdeck list`) or -f FILE",
            ));
        }
    };
    for warning in &model.warnings {
        eprintln!("warning: {warning}");
    }
    let json = serde_json::to_string_pretty(&model).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("cannot print the model as JSON: {e}"),
        )
    })?;
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}
