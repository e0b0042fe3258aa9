//! A project folder as `./deploy.sh <env>` understands it: a base compose file, one overlay per
//! environment (`docker-compose.<env>.yml`), one env file per environment (`.env.<env>`), and an optional
//! `envdeck.toml` that refines labels, secrets, links, tasks and adds host-process environments.

pub mod discover;
pub mod endpoint;
pub mod identity;
pub mod manifest;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::CoreError;
use crate::compose::{ComposeModel, EnvFile, LoadOptions, Variables, load, normalize_project_name};
use crate::secret::SecretRule;
pub use endpoint::{Endpoint, SshLogin};
pub use identity::{Identity, valid_environment_id};
pub use manifest::{CommandSpec, Estimate, Link, Manifest, Task};

/// An opened project: its environments, ready to resolve.
#[derive(Debug, Clone)]
pub struct Project {
    pub dir: PathBuf,
    /// A readable name (the manifest's `[project] name` or the folder's): a display label only; what
    /// the project's stacks and secrets belong to is its [`Identity`].
    pub name: String,
    pub label: String,
    pub description: Option<String>,
    pub links: Vec<Link>,
    pub tasks: Vec<Task>,
    environments: Vec<Environment>,
    /// Given by EnvDeck's list of projects (the api), never read from the folder.
    identity: Option<Identity>,
}

/// One entry of the environment picker.
#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub id: String,
    pub label: String,
    pub description: Option<String>,
    pub kind: EnvironmentKind,
    /// Service names (Docker) or the one host process, as the picker lists them.
    pub services: Vec<String>,
    /// The variables template the secret policy reads (`.env.<id>.example`), if any.
    pub env_template: Option<PathBuf>,
    /// The Docker engine this environment runs on (the manifest's `engine`; this machine's by default).
    pub engine: Endpoint,
    /// Memory and start-up time from the manifest; `None`: nobody measured them.
    pub estimate: Option<Estimate>,
    /// The manifest's secret rules for this environment.
    #[serde(skip)]
    pub secrets: BTreeMap<String, SecretRule>,
    /// The manifest lists this environment's `compose_files` itself (then a lone base file is meant).
    #[serde(skip)]
    pub files_declared: bool,
    /// How exposed it is: the manifest's `exposure`, else from its id.
    pub exposure: crate::checklist::Exposure,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EnvironmentKind {
    Docker {
        compose_files: Vec<PathBuf>,
        /// Existing env files, first wins.
        env_files: Vec<PathBuf>,
        profiles: Vec<String>,
    },
    Process {
        command: Vec<String>,
        cwd: PathBuf,
        env: BTreeMap<String, String>,
        health_url: Option<String>,
    },
}

impl Project {
    pub fn open(dir: &Path) -> Result<Self, CoreError> {
        discover::open(dir)
    }

    pub fn environments(&self) -> &[Environment] {
        &self.environments
    }

    pub fn environment(&self, id: &str) -> Result<&Environment, CoreError> {
        self.environments
            .iter()
            .find(|e| e.id == id)
            .ok_or_else(|| CoreError::UnknownEnvironment {
                id: id.to_string(),
                known: self
                    .environments
                    .iter()
                    .map(|e| e.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Adds the environment's env files to `vars` as layers, in the order compose reads them, each
    /// value expanded from the layers above it (as compose v2 expands `${VAR}` inside `.env`).
    pub fn push_env_files(&self, id: &str, vars: &mut Variables) -> Result<(), CoreError> {
        let EnvironmentKind::Docker { env_files, .. } = &self.environment(id)?.kind else {
            return Ok(());
        };
        for path in env_files {
            let mut layer = EnvFile::read(path)?.layer(vars)?;
            layer.source = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            vars.push(layer);
        }
        Ok(())
    }

    /// The parsed variables template of an environment, for the secret policy.
    pub fn env_template(&self, id: &str) -> Result<Option<EnvFile>, CoreError> {
        self.environment(id)?
            .env_template
            .as_deref()
            .map(EnvFile::read)
            .transpose()
    }

    /// The project with the identity EnvDeck's list of projects gives its folder.
    pub fn identified(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Who the project is; an error until [`Project::identified`] (a folder alone cannot say).
    pub fn identity(&self) -> Result<&Identity, CoreError> {
        self.identity.as_ref().ok_or(CoreError::Unidentified)
    }

    /// The compose project name of one environment's stack (see [`Identity::stack_name`]).
    ///
    /// Each environment is its own stack because its secrets are its own: a `local` PostgreSQL volume
    /// initialised with `local`'s password must never be reused by `dev`. It is also the name to give
    /// `docker compose -p` to see EnvDeck's containers.
    pub fn stack_name(&self, id: &str) -> Result<String, CoreError> {
        Ok(self.identity()?.stack_name(id))
    }

    /// Resolves a Docker environment into one model. `vars` are the caller's layers (process environment,
    /// keychain secrets, then [`Project::push_env_files`]).
    pub fn resolve(&self, id: &str, vars: &Variables) -> Result<ComposeModel, CoreError> {
        let env = self.environment(id)?;
        let EnvironmentKind::Docker {
            compose_files,
            profiles,
            ..
        } = &env.kind
        else {
            return Err(CoreError::NotDocker { id: id.to_string() });
        };
        let options = LoadOptions {
            files: compose_files.clone(),
            project_dir: Some(self.dir.clone()),
            project_name: Some(self.stack_name(id)?),
            profiles: profiles.clone(),
        };
        let mut model = load(&options, vars)?;
        // Only the manifest can declare an environment without an overlay: `[environments.stagin]` (a
        // typo of staging) would otherwise run the base file as if it were staging, silently.
        let manifest = self.dir.join(manifest::FILE_NAME);
        if id != "default" && compose_files.len() == 1 && !env.files_declared && manifest.is_file() {
            model.warnings.push(crate::compose::Warning {
                file: manifest.display().to_string(),
                key: format!("environments.{id}"),
                message: format!(
                    "no docker-compose.{id}.yml overlay and no `compose_files`: environment `{id}` runs {} \
                     alone (a misspelt environment id?)",
                    compose_files[0]
                        .file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                ),
            });
        }
        Ok(model)
    }
}

/// The compose project name of a folder, as compose derives it.
pub fn project_name_of(dir: &Path) -> String {
    normalize_project_name(
        &dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    )
}
