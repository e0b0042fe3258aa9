//! What the desktop window shows, in view types exported to TypeScript: an opened project with its
//! environment cards and comparison table, a stack's service cards with their links, an environment's
//! secrets, and what "Wipe data" would delete. Each function takes the project folder and an
//! environment id, so the Tauri commands stay one call.

use std::path::{Path, PathBuf};

pub use envdeck_core::progress::Progress;
use envdeck_core::project::Estimate;
use envdeck_core::{Environment, EnvironmentKind};
use serde::Serialize;

use crate::environment::{self, project_id, specs};
use crate::error::{ApiError, ErrorCode};
use crate::links::ServiceLink;
use crate::secrets::{self, GenerateReport, ImportReport, RevealedSecret, Rotation, SecretRow};
use crate::stack::{self, DownReport, RemoveVolumes, ServiceStatus, UpReport};
use crate::starts::Starts;
use envdeck_core::secret::{Consequence, SecretValue, Supply, rotation_consequences};

/// An opened project, as the environment picker shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ProjectView {
    pub dir: String,
    pub name: String,
    pub label: String,
    pub description: Option<String>,
    pub environments: Vec<EnvironmentView>,
    pub comparison: Comparison,
    /// Environments with a running container now (empty when Docker does not answer).
    pub running: Vec<String>,
}

/// One card of the environment picker.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EnvironmentView {
    pub id: String,
    pub label: String,
    pub description: Option<String>,
    pub runs: Runs,
    pub services: Vec<String>,
    /// A remote Docker engine (`ssh://...`), when not this machine's.
    pub engine: Option<String>,
    /// RAM and start-up time as the project's `envdeck.toml` states them; none rather than a guess.
    pub estimate: Option<Estimate>,
    /// A server's staging or production environment: Start and Stop first show this and ask for its
    /// name typed.
    pub server_change: Option<environment::ServerChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Runs {
    Docker,
    HostProcess,
}

/// Environments × services, generated from the project: the Compare view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Comparison {
    /// Column order: the picker's environment ids.
    pub environments: Vec<String>,
    pub rows: Vec<ComparisonRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ComparisonRow {
    pub service: String,
    /// One per column of [`Comparison::environments`].
    pub present: Vec<bool>,
}

/// A stack as the service cards show it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StackView {
    pub services: Vec<ServiceStatus>,
    pub links: Vec<ServiceLink>,
    /// The services whose `develop.watch` rules the Watch switch keeps in step with their files.
    pub watchable: Vec<String>,
}

/// The project folder given on the command line (`envdeck-app /path/to/project`, "Open with"); flags
/// that platforms or drivers add are not folders.
pub fn project_arg(args: impl IntoIterator<Item = String>) -> Option<PathBuf> {
    args.into_iter()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
}

fn view(environment: &Environment) -> EnvironmentView {
    EnvironmentView {
        id: environment.id.clone(),
        label: environment.label.clone(),
        description: environment.description.clone(),
        runs: match environment.kind {
            EnvironmentKind::Docker { .. } => Runs::Docker,
            EnvironmentKind::Process { .. } => Runs::HostProcess,
        },
        services: environment.services.clone(),
        engine: (!environment.engine.is_local()).then(|| environment.engine.to_string()),
        estimate: environment.estimate,
        server_change: environment::server_change(environment),
    }
}

/// Every service of the project, in first-seen order, against each environment.
pub fn comparison(environments: &[Environment]) -> Comparison {
    let mut services: Vec<&String> = Vec::new();
    for s in environments.iter().flat_map(|e| &e.services) {
        if !services.contains(&s) {
            services.push(s);
        }
    }
    Comparison {
        environments: environments.iter().map(|e| e.id.clone()).collect(),
        rows: services
            .into_iter()
            .map(|service| ComparisonRow {
                service: service.clone(),
                present: environments
                    .iter()
                    .map(|e| e.services.contains(service))
                    .collect(),
            })
            .collect(),
    }
}

/// Opens the folder and asks Docker which environments are running. A project opens without Docker:
/// the doctor says why nothing is marked running.
pub async fn open_project(dir: &Path) -> Result<ProjectView, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    let mut running = Vec::new();
    for env in project.environments() {
        if !matches!(env.kind, EnvironmentKind::Docker { .. }) {
            // A host process is found in EnvDeck's state folder, with or without Docker.
            if crate::host::ps(project, &env.id)
                .await
                .is_ok_and(|ps| ps.iter().any(|s| s.state == "running"))
            {
                running.push(env.id.clone());
            }
            continue;
        }
        if !env.engine.is_local() {
            // Opening a project never connects to a server (a slow network, a key's passphrase): a
            // server's environment is asked about when it is picked.
            continue;
        }
        match stack::ps(&environment::stack_of(project, &env.id)?).await {
            Ok(ps) if ps.iter().any(|s| s.state == "running") => running.push(env.id.clone()),
            Ok(_) => {}
            Err(e) => {
                tracing::info!("running environments unknown: {}", e.message);
                break;
            }
        }
    }
    Ok(ProjectView {
        dir: project.dir.display().to_string(),
        name: project.name.clone(),
        label: project.label.clone(),
        description: project.description.clone(),
        environments: project.environments().iter().map(view).collect(),
        comparison: comparison(project.environments()),
        running,
    })
}

/// The service cards: `ps` of the environment's stack, and the links that work now.
pub async fn stack_view(dir: &Path, env: &str) -> Result<StackView, ApiError> {
    let session = crate::session::open(dir).await?;
    let runtime = session.runtime(env)?;
    let services = runtime.ps().await?;
    let cards = runtime.cards(&services).await?;
    Ok(StackView {
        services,
        links: cards.links,
        watchable: cards.watchable,
    })
}

/// The URL of one of the environment's links, exactly as EnvDeck derived it for the service cards: the
/// window asks to open a URL, Rust opens it only if it is one of those (a look-alike such as
/// `http://localhost:@evil.example/` is refused, as is anything else the window might be tricked into).
pub async fn link_to_open(dir: &Path, env: &str, url: &str) -> Result<String, ApiError> {
    let view = stack_view(dir, env).await?;
    let link = exact_link(&view.links, env, url)?;
    if link.through.is_none() {
        return Ok(link.url.clone());
    }
    let stack = environment::stack(dir, env).await?;
    crate::forwards::forwarded(&stack.engine, &link.url).await
}

fn exact_link<'a>(links: &'a [ServiceLink], env: &str, url: &str) -> Result<&'a ServiceLink, ApiError> {
    links.iter().find(|link| link.url == url).ok_or_else(|| {
        ApiError::new(
            ErrorCode::Internal,
            format!("not opened: {url} is not one of the links EnvDeck shows for {env}"),
        )
    })
}

/// The model with stored secrets (none generated): images and published ports for the links.
/// Start, as a task [`cancel_start`] can abort; a cancelled Start answers with `ErrorCode::Cancelled`.
pub async fn start(
    starts: &Starts,
    dir: &Path,
    env: &str,
    typed_name: Option<String>,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<UpReport, ApiError> {
    let (owned_dir, owned_env) = (dir.to_path_buf(), env.to_owned());
    starts
        .run(dir, env, async move {
            environment::start_confirmed(&owned_dir, &owned_env, typed_name.as_deref(), on_progress).await
        })
        .await
}

/// Cancels the running Start of `env`: the containers created so far stay, labelled, and the next
/// Start continues from them. `false` when no Start of it runs.
pub fn cancel_start(starts: &Starts, dir: &Path, env: &str) -> bool {
    let cancelled = starts.cancel(dir, env);
    if cancelled {
        tracing::info!(environment = env, project = %dir.display(), "start cancelled");
    }
    cancelled
}

/// Stop keeps the data: only "Wipe data" ([`wipe`]) removes volumes. A server's staging or production
/// environment needs `typed_name`.
pub async fn stop(
    dir: &Path,
    env: &str,
    typed_name: Option<String>,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<DownReport, ApiError> {
    environment::stop_confirmed(dir, env, RemoveVolumes::Keep, typed_name.as_deref(), on_progress).await
}

/// Restarts one Service of the environment's stack (its card's button); returns the containers
/// restarted. The cards learn the new state from Docker's events, as for any other change.
pub async fn restart_service(dir: &Path, env: &str, service: &str) -> Result<Vec<String>, ApiError> {
    let name = environment::stack(dir, env).await?;
    tracing::info!(environment = env, service, "restarting a service");
    stack::restart(&name, Some(service)).await
}

/// The volumes "Wipe data" would delete, listed before the person confirms.
pub async fn wipe_preview(dir: &Path, env: &str) -> Result<Vec<String>, ApiError> {
    if environment::runs_on_host(dir, env)? {
        // A host process keeps its data in the project's own files: EnvDeck deletes none of them.
        return Ok(Vec::new());
    }
    stack::volumes(&environment::stack(dir, env).await?).await
}

/// Stops the stack and deletes its volumes, only when `typed_name` is the environment's id: the
/// engine refuses a mismatch before stopping anything.
pub async fn wipe(
    dir: &Path,
    env: &str,
    typed_name: &str,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<DownReport, ApiError> {
    let volumes = RemoveVolumes::Confirmed {
        typed_name: typed_name.to_owned(),
    };
    environment::stop(dir, env, volumes, on_progress).await
}

/// Replaces the environment's database with a backup, only when `typed_name` is the environment's id
/// (the restore dialog asks for it, as "Wipe data" does): a mismatch is refused before anything is read.
pub async fn restore_backup(dir: &Path, env: &str, file: &Path, typed_name: &str) -> Result<(), ApiError> {
    if typed_name != env {
        return Err(crate::backup::not_confirmed(env));
    }
    tracing::info!(environment = env, file = %file.display(), "restoring a backup");
    crate::backup::restore(dir, env, file).await
}

pub async fn secret_rows(dir: &Path, env: &str) -> Result<Vec<SecretRow>, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    secrets::list(project_id(project)?, env, &specs(project, env)?).await
}

pub async fn generate_secrets(dir: &Path, env: &str) -> Result<GenerateReport, ApiError> {
    environment::generate_secrets(dir, env).await
}

pub async fn reveal_secret(dir: &Path, env: &str, name: &str) -> Result<RevealedSecret, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    secrets::reveal(project_id(project)?, env, name).await
}

/// What rotating `name` would imply, shown before the person confirms; nothing changes yet.
pub fn rotation_preview(dir: &Path, env: &str, name: &str) -> Result<Vec<Consequence>, ApiError> {
    let project = crate::project::open(dir)?;
    let specs = specs(&project, env)?;
    let spec = crate::environment::spec(&specs, env, name)?;
    if !matches!(spec.supply, Supply::Generate(_)) {
        return Err(secrets::entered_not_generated(env, name));
    }
    Ok(rotation_consequences(name))
}

pub async fn rotate_secret(dir: &Path, env: &str, name: &str) -> Result<Rotation, ApiError> {
    environment::rotate_secret(dir, env, name).await
}

/// Stores the value a person typed for `name` (SMTP password, third-party key) in the keychain.
pub async fn enter_secret(dir: &Path, env: &str, name: &str, value: String) -> Result<(), ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    crate::environment::spec(&specs(project, env)?, env, name)?;
    secrets::enter(project_id(project)?, env, name, SecretValue::new(value)).await
}

/// Takes the environment's secrets from a `.env` file the person picked; other keys stay unread.
pub async fn import_secrets(
    dir: &Path,
    env: &str,
    file: &Path,
    overwrite: bool,
) -> Result<ImportReport, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    secrets::import_env_file(project_id(project)?, env, &specs(project, env)?, file, overwrite).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_link_envdeck_derived_is_opened_exactly() {
        let links = vec![ServiceLink {
            kind: crate::links::LinkKind::Mail,
            label: "MailHog".into(),
            service: Some("mailhog".into()),
            url: "http://localhost:8025".into(),
            enabled: true,
            through: None,
            only_on: None,
        }];
        assert_eq!(
            exact_link(&links, "local", "http://localhost:8025")
                .ok()
                .map(|l| l.url.as_str()),
            Some("http://localhost:8025")
        );
        for other in [
            "http://localhost:@evil.example/",
            "http://localhost:8025@evil.example/",
            "http://localhost:8025/../../etc",
            "http://localhost:8025/",
            "file:///etc/passwd",
            "http://127.0.0.1:5432",
        ] {
            let err = exact_link(&links, "local", other).expect_err(other);
            assert!(err.message.contains("not opened"), "{}", err.message);
        }
    }

    #[test]
    fn the_first_plain_argument_is_the_project() {
        let args = ["envdeck-app", "--flag", "/p/shop"].map(String::from);
        assert_eq!(project_arg(args), Some(PathBuf::from("/p/shop")));
        assert_eq!(project_arg(["envdeck-app".to_owned()]), None);
    }

    #[tokio::test]
    async fn a_restore_with_the_wrong_name_typed_is_refused_before_anything_is_read() {
        let missing = Path::new("/nonexistent/envdeck-project");
        let refused = restore_backup(missing, "local", &missing.join("x.sql.gz"), "prod")
            .await
            .expect_err("`prod` is not `local`");
        assert!(
            refused.message.contains("nothing was restored") && refused.message.contains("`local`"),
            "the refusal says nothing happened and what to type, before the project is even opened: {}",
            refused.message
        );
    }

    #[test]
    fn comparison_lists_each_service_once_against_every_environment() {
        let project = envdeck_core::Project::open(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/projects/e2e-stack"),
        )
        .expect("the e2e fixture opens");
        let table = comparison(project.environments());
        assert_eq!(table.environments, vec!["local", "minimal"]);
        let web = table
            .rows
            .iter()
            .find(|r| r.service == "web")
            .expect("web is a row");
        assert_eq!(web.present, vec![true, true], "web runs in both environments");
        let db = table
            .rows
            .iter()
            .find(|r| r.service == "db")
            .expect("db is a row");
        assert_eq!(db.present, vec![true, false], "minimal leaves the database out");
    }
}
