//! What one click on an Environment does, for both clients: find its secrets in the keychain
//! (generating the missing ones), resolve its compose model with them, and start or stop its stack.
//! Every text that leaves here has the environment's secret values masked.

use std::path::Path;

use envdeck_core::checklist::Exposure;
use envdeck_core::compose::{ComposeModel, Layer, Variables};
use envdeck_core::progress::{Notice, Progress};
use envdeck_core::secret::{Conflict, Masker, SecretSpec, precedence, secret_specs};
use envdeck_core::{Environment, Project};
use indexmap::IndexMap;
use serde::Serialize;

use crate::error::{ApiError, ErrorCode};
use crate::host;
use crate::reason::Reason;
use crate::secrets::{self, StartSecrets};
use crate::session::Runtime;
use crate::stack::{self, DownReport, RemoveVolumes, StackId, UpReport};
use crate::writer::{self, Operation};

/// The secrets of one environment: detected from its env template, refined by `envdeck.toml`.
pub fn specs(project: &Project, env: &str) -> Result<Vec<SecretSpec>, ApiError> {
    let environment = project.environment(env).map_err(ApiError::from)?;
    let template: Vec<(String, String)> = match project.env_template(env).map_err(ApiError::from)? {
        Some(file) => file.values().collect(),
        None => Vec::new(),
    };
    let rules: IndexMap<_, _> = environment
        .secrets
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    secret_specs(env, &template, &rules).map_err(ApiError::from)
}

/// One secret of `specs`, or an error naming the ones the environment has.
pub fn spec<'a>(specs: &'a [SecretSpec], env: &str, name: &str) -> Result<&'a SecretSpec, ApiError> {
    specs.iter().find(|s| s.name == name).ok_or_else(|| {
        let known: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        ApiError::new(
            ErrorCode::InvalidProject,
            format!(
                "{name} is not a secret of environment {env}; its secrets are: {} (see `envdeck secrets list {env}`)",
                if known.is_empty() { "none".to_owned() } else { known.join(", ") },
            ),
        )
    })
}

/// A change to an environment that runs on a server and is staging or production: said where, and made
/// only with the environment's name typed (Start, Stop; Wipe and restore ask for it anyway).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ServerChange {
    pub environment: String,
    /// The server (or the docker context) it runs on.
    pub host: String,
    /// `staging` or `production`.
    pub exposure: String,
    /// Its services, which a Start creates or updates there and a Stop removes.
    pub services: Vec<String>,
}

/// `Some` when the environment runs on a server and is staging or production.
pub fn server_change(environment: &Environment) -> Option<ServerChange> {
    let host = environment.engine.host()?;
    let exposure = match environment.exposure {
        Exposure::Development => return None,
        Exposure::Staging => "staging",
        Exposure::Production => "production",
    };
    Some(ServerChange {
        environment: environment.id.clone(),
        host: host.to_owned(),
        exposure: exposure.to_owned(),
        services: environment.services.clone(),
    })
}

/// Refuses a change to a server's staging or production environment unless `typed_name` is its id,
/// before anything is read or changed.
fn confirmed(project: &Project, env: &str, typed_name: Option<&str>, what: &str) -> Result<(), ApiError> {
    let Some(change) = server_change(project.environment(env).map_err(ApiError::from)?) else {
        return Ok(());
    };
    if typed_name == Some(env) {
        tracing::info!(environment = env, host = %change.host, "a change to a server, confirmed");
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::NotConfirmed,
        format!(
            "`{env}` is the {} environment on the server {}: {what} {} there. Nothing was changed; type its \
             name to confirm (`--confirm {env}`, or the window's dialog). `envdeck up {env} --dry-run` says \
             what a Start would do there",
            change.exposure,
            change.host,
            change.services.join(", "),
        ),
    ))
}

/// The keychain's id of a project: from its identity (never its readable name), the same identity
/// its stacks are named and labelled by, so secrets and the data they protect stay paired.
pub fn project_id(project: &Project) -> Result<&str, ApiError> {
    Ok(project.identity().map_err(ApiError::from)?.keychain_id())
}

/// The stack of one environment of an identified project: its name and whose it is.
pub fn stack_of(project: &Project, env: &str) -> Result<StackId, ApiError> {
    let environment = project.environment(env).map_err(ApiError::from)?;
    Ok(stack::stack_id(
        project.identity().map_err(ApiError::from)?,
        environment,
    ))
}

/// Resolves with EnvDeck's variable order: the keychain's secrets, then the process environment, then
/// the environment's env files; then every service variable named like a managed secret gets the
/// keychain's value (`secret::precedence`), whatever its `env_file:` or `environment:` said.
pub(crate) fn resolve_with(
    project: &Project,
    env: &str,
    secrets: &StartSecrets,
) -> Result<ComposeModel, ApiError> {
    resolve_reporting(project, env, secrets).map(|(model, _)| model)
}

/// [`resolve_with`], and where another value of a managed secret was found and not used: the shell, an
/// env file, a service's `env_file:` or `environment:` (for the Start's warnings and the doctor).
pub(crate) fn resolve_reporting(
    project: &Project,
    env: &str,
    secrets: &StartSecrets,
) -> Result<(ComposeModel, Vec<Conflict>), ApiError> {
    let mut vars = Variables::new();
    vars.push(Layer::new(
        "OS keychain",
        secrets
            .values
            .iter()
            .map(|(k, v)| (k.clone(), v.expose().to_string())),
    ));
    vars.push(Layer::process_env());
    project.push_env_files(env, &mut vars).map_err(ApiError::from)?;
    let mut model = project.resolve(env, &vars).map_err(ApiError::from)?;
    let mut conflicts = precedence::in_layers(&vars.layers()[1..], &secrets.values);
    conflicts.extend(precedence::enforce(&mut model, &secrets.values));
    Ok((model, conflicts))
}

/// Resolves with secrets already read, masking them in any error: the service cards' links need the
/// model's images without starting anything.
pub fn resolve_masked(
    project: &Project,
    env: &str,
    secrets: &StartSecrets,
) -> Result<ComposeModel, ApiError> {
    resolve_with(project, env, secrets).map_err(|e| e.masked(&secrets.masker()))
}

/// The same event with every secret value in its text replaced by `••••`.
pub fn mask_progress(p: Progress, masker: &Masker) -> Progress {
    match p {
        Progress::StepFailed { step, message } => Progress::StepFailed {
            step,
            message: masker.mask(&message),
        },
        Progress::BuildOutput { service, line } => Progress::BuildOutput {
            service,
            line: masker.mask(&line),
        },
        other => other,
    }
}

/// An environment's resolved model as `envdeck config ENV` prints it: stored secrets filled in, then
/// masked, so the output shows where each secret goes without showing it.
#[derive(Debug)]
pub struct Config {
    pub json: serde_json::Value,
    pub warnings: Vec<String>,
}

/// Nothing is generated; a keychain that cannot be read is an error, not an empty value.
pub async fn config(dir: &Path, env: &str) -> Result<Config, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    let secrets = secrets::stored_values(project_id(project)?, env, &specs(project, env)?).await?;
    let masker = secrets.masker();
    let (model, conflicts) = resolve_reporting(project, env, &secrets).map_err(|e| e.masked(&masker))?;
    let mut json =
        serde_json::to_value(&model).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    // Masked before it is printed as JSON: in the printed text a value holding `"` or `\` is escaped,
    // no longer the value the masker looks for.
    mask_json(&mut json, &masker);
    let warnings = model
        .warnings
        .iter()
        .map(|w| masker.mask(&w.to_string()))
        .chain(conflicts.iter().map(|c| c.to_string()))
        .collect();
    Ok(Config { json, warnings })
}

/// Every string of `value`, keys included, with secret values masked.
fn mask_json(value: &mut serde_json::Value, masker: &Masker) {
    use serde_json::Value;
    match value {
        Value::String(s) => *s = masker.mask(s),
        Value::Array(items) => items.iter_mut().for_each(|v| mask_json(v, masker)),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut v) in entries {
                mask_json(&mut v, masker);
                map.insert(masker.mask(&key), v);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The doctor's lines for one environment, before its Start: each published port free or taken, each
/// image present or to be pulled or built, each secret stored or still to be generated or entered.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EnvironmentDoctor {
    pub ports: Vec<stack::PortCheck>,
    pub images: Vec<stack::ImageCheck>,
    pub secrets: Vec<secrets::SecretRow>,
    /// A host-process environment's program: installed, or what to do (no ports or images then).
    pub program: Option<crate::host::HostProgram>,
    /// Another value of a managed secret found in the shell, an env file or a service's settings,
    /// which Start will not use (the keychain's wins): naming where, never the value.
    pub conflicts: Vec<ConflictLine>,
    /// A server's environment: the engine it runs on, and whether that answers now (when it does not,
    /// the ports and images there are unknown and not listed).
    pub server: Option<ServerCheck>,
}

/// Whether a server's engine answers.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ServerCheck {
    /// `ssh://…` or `context:NAME`, as the manifest names it.
    pub engine: String,
    pub status: crate::app_info::Reachability,
}

/// Changes nothing: no secret is generated, no image pulled, no port held.
pub async fn doctor(dir: &Path, env: &str) -> Result<EnvironmentDoctor, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    let runtime = session.runtime(env)?;
    let env_specs = specs(project, env)?;
    let rows = secrets::list(project_id(project)?, env, &env_specs).await?;
    let stored = secrets::stored_values(project_id(project)?, env, &env_specs).await?;
    let masker = stored.masker();
    let Some(stack) = runtime.stack() else {
        // A host process: its program instead of ports and images.
        let program = host::check_programs(dir)?
            .into_iter()
            .find(|p| p.environment == env);
        return Ok(EnvironmentDoctor {
            ports: Vec::new(),
            images: Vec::new(),
            secrets: rows,
            program,
            conflicts: sentences(host::conflicts(project, env, &stored)?),
            server: None,
        });
    };
    let (model, conflicts) = runtime.model(&stored).map_err(|e| e.masked(&masker))?;
    let server = match stack.engine.is_local() {
        true => None,
        false => Some(ServerCheck {
            engine: stack.engine.to_string(),
            status: match stack::engine_answers(stack).await {
                Ok(detail) => crate::app_info::Reachability::Reachable { detail },
                Err(e) => crate::app_info::Reachability::failed(e),
            },
        }),
    };
    if let Some(ServerCheck {
        status: crate::app_info::Reachability::Unreachable { .. },
        ..
    }) = &server
    {
        // Ports and images are the server's: unknown while it does not answer.
        return Ok(EnvironmentDoctor {
            ports: Vec::new(),
            images: Vec::new(),
            secrets: rows,
            program: None,
            conflicts: sentences(conflicts),
            server,
        });
    }
    let preflight = stack::preflight(stack, &model)
        .await
        .map_err(|e| e.masked(&masker))?;
    Ok(EnvironmentDoctor {
        ports: preflight.ports,
        images: preflight.images,
        secrets: rows,
        program: None,
        conflicts: sentences(conflicts),
        server,
    })
}

/// What a Start would do, changing nothing (`envdeck up ENV --dry-run`): where, each Service's containers
/// and the images it would fetch.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StartPreview {
    /// The server it runs on; `None` for this machine.
    pub host: Option<String>,
    pub services: Vec<stack::ServiceChange>,
    /// Only the images that are not there yet: pulled, or built from the project.
    pub images: Vec<stack::ImageCheck>,
}

/// Reads the stored secrets (generating none), resolves the model as a Start would and asks the engine
/// what it would change: the same settings and image comparison `up` makes.
pub async fn preview(dir: &Path, env: &str) -> Result<StartPreview, ApiError> {
    let session = crate::session::open(dir).await?;
    let (project, runtime) = (session.project(), session.runtime(env)?);
    let Some(stack) = runtime.stack() else {
        return Err(ApiError::new(
            ErrorCode::InvalidProject,
            format!(
                "`{env}` runs a command on this machine, not containers: a Start starts it; `envdeck doctor {env}` \
                 checks its program"
            ),
        ));
    };
    let stored = secrets::stored_values(project_id(project)?, env, &specs(project, env)?).await?;
    let masker = stored.masker();
    let (model, _) = runtime.model(&stored).map_err(|e| e.masked(&masker))?;
    let preflight = stack::preflight(stack, &model)
        .await
        .map_err(|e| e.masked(&masker))?;
    Ok(StartPreview {
        host: stack.engine.host().map(str::to_owned),
        services: preflight.services,
        images: preflight.images.into_iter().filter(|i| !i.present).collect(),
    })
}

/// A doctor's line about a secret set twice: the sentence in English (the CLI), its facts for the window.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ConflictLine {
    pub message: String,
    pub facts: Notice,
}

fn sentences(conflicts: Vec<Conflict>) -> Vec<ConflictLine> {
    conflicts
        .iter()
        .map(|conflict| ConflictLine {
            message: conflict.to_string(),
            facts: conflict.notice(),
        })
        .collect()
}

/// Start: generate missing secrets into the keychain, resolve, and bring the stack up.
pub async fn start(
    dir: &Path,
    env: &str,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<UpReport, ApiError> {
    start_confirmed(dir, env, None, on_progress).await
}

/// [`start`], with the environment's name as the person typed it: what a server's staging or
/// production environment needs before it changes ([`server_change`]).
pub async fn start_confirmed(
    dir: &Path,
    env: &str,
    typed_name: Option<&str>,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<UpReport, ApiError> {
    tracing::info!(environment = env, project = %dir.display(), "starting");
    let result = start_logged(dir, env, typed_name, on_progress).await;
    match &result {
        Ok(report) => tracing::info!(environment = env, services = report.services.len(), "started"),
        Err(e) => tracing::error!(environment = env, code = ?e.code, "start failed: {}", e.message),
    }
    result
}

async fn start_logged(
    dir: &Path,
    env: &str,
    typed_name: Option<&str>,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<UpReport, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    let runtime = session.runtime(env)?;
    confirmed(project, env, typed_name, "starting it creates or updates")?;
    let env_specs = specs(project, env)?;
    // Held until the stack is up: a second Start (app or CLI) waits, then finds the secrets and the
    // containers this one made, instead of generating its own.
    let writer = writer::lock(project_id(project)?, env, Operation::Start, |waiting| {
        on_progress(waiting.progress())
    })
    .await?;
    let data = data_if_missing(project, &runtime, env, &env_specs).await?;
    let secrets = secrets::values_for_start(&writer, project_id(project)?, env, &env_specs, &data).await?;
    let masker = secrets.masker();
    let progress_masker = masker.clone();
    let environment = env.to_owned();
    let on_progress = move |p| {
        let p = mask_progress(p, &progress_masker);
        log_progress(&environment, &p);
        on_progress(p)
    };
    // The keychain's value wins; another one found elsewhere is said, not used.
    let warn = |conflicts: Vec<Conflict>| {
        for conflict in conflicts {
            on_progress(Progress::Warning {
                message: conflict.to_string(),
                facts: Some(conflict.notice()),
            });
        }
    };
    let exposure = crate::checklist::exposure_of(project, env)?;
    let (model, conflicts) = runtime.model(&secrets).map_err(|e| e.masked(&masker))?;
    warn(conflicts);
    // Staging and production start only when their security checklist passes.
    crate::checklist::enforce(env, exposure, &model, &env_specs).map_err(|e| e.masked(&masker))?;
    runtime
        .up(&model, &secrets, on_progress)
        .await
        .map_err(|e| e.masked(&masker))
}

/// The environment's data volumes, asked of Docker only when a generated secret is missing: a secret
/// is never generated over data it may have protected. None for a host environment, whose data is the
/// project's own files.
async fn data_if_missing(
    project: &Project,
    runtime: &Runtime<'_>,
    env: &str,
    specs: &[SecretSpec],
) -> Result<Vec<String>, ApiError> {
    if runtime.stack().is_none()
        || secrets::missing(project_id(project)?, env, specs)
            .await?
            .is_empty()
    {
        return Ok(Vec::new());
    }
    runtime.data_volumes().await
}

/// Rotate: a new value for a generated secret. When it is the password of the environment's PostgreSQL
/// and that database has data, the database is changed first (`ALTER ROLE` in the running container,
/// the new value on psql's stdin), and the keychain takes the new value only once the database has it:
/// never a silent mismatch. With that database stopped, nothing changes: start it, or wipe its data.
pub async fn rotate_secret(dir: &Path, env: &str, name: &str) -> Result<secrets::Rotation, ApiError> {
    let session = crate::session::open(dir).await?;
    let (project, runtime) = (session.project(), session.runtime(env)?);
    let env_specs = specs(project, env)?;
    let spec = spec(&env_specs, env, name)?.clone();
    let id = project_id(project)?;
    let writer = writer::lock(id, env, Operation::Secrets, writer::announce).await?;
    let value = secrets::new_value(env, &spec)?;
    let stored = secrets::stored_values(id, env, &env_specs).await?;
    if !stored.values.iter().any(|(n, _)| n == name) {
        return Err(nothing_to_rotate(name, env));
    }
    let mut changed_in = None;
    if runtime.stack().is_some()
        && let Some(db) = crate::backup::database_using(project, env, &stored, name)?
        && !runtime.data_volumes().await?.is_empty()
    {
        crate::backup::alter_role(&db, &value)
            .await
            .map_err(|e| not_rotated(e, name, &db.service, env))?;
        changed_in = Some(db.service.clone());
    }
    let mut rotation = secrets::store_rotated(&writer, id, env, &spec, value).await?;
    rotation.changed_in = changed_in;
    Ok(rotation)
}

/// A rotation refused because the database keeping the password in its data could not change it.
pub(crate) fn not_rotated(e: ApiError, name: &str, service: &str, env: &str) -> ApiError {
    let message = format!(
        "{name} was not rotated: its database (service `{service}`) keeps the password in its data, and \
         EnvDeck changes it there first. {} Or, if the data can go, wipe it with `envdeck down {env} \
         --volumes --confirm {env}` and rotate then",
        e.message
    );
    e.around(message, |cause| Reason::NotRotated {
        name: name.to_owned(),
        service: service.to_owned(),
        env: env.to_owned(),
        cause,
    })
}

/// `secrets generate` and the app's Generate: the missing generated secrets, under the environment's
/// writer lock and never over its data (see [`secrets::generate_missing`]).
pub async fn generate_secrets(dir: &Path, env: &str) -> Result<secrets::GenerateReport, ApiError> {
    let session = crate::session::open(dir).await?;
    let (project, runtime) = (session.project(), session.runtime(env)?);
    let env_specs = specs(project, env)?;
    let id = project_id(project)?;
    let writer = writer::lock(id, env, Operation::Secrets, writer::announce).await?;
    let data = data_if_missing(project, &runtime, env, &env_specs).await?;
    secrets::generate_missing(&writer, id, env, &env_specs, &data).await
}

/// The log's line for a (masked) event: Steps and health at info, pull and build chatter at debug.
fn log_progress(environment: &str, p: &Progress) {
    match p {
        Progress::StepStarted { step } => tracing::debug!(environment, ?step, "step started"),
        Progress::StepFinished { step, outcome } => {
            tracing::info!(environment, ?step, ?outcome, "step finished")
        }
        Progress::StepFailed { step, message } => {
            tracing::error!(environment, ?step, "step failed: {message}")
        }
        Progress::Health { service, health, .. } => {
            tracing::info!(environment, service, ?health, "health changed")
        }
        Progress::Pull { image, status, .. } => tracing::debug!(environment, image, status, "pull"),
        Progress::BuildOutput { service, line } => tracing::debug!(environment, service, "build: {line}"),
        Progress::Waiting { message, .. } => tracing::info!(environment, "{message}"),
        Progress::Warning { message, .. } => tracing::warn!(environment, "{message}"),
    }
}

/// Stop: remove the stack's containers and network; volumes only when confirmed by name.
pub async fn stop(
    dir: &Path,
    env: &str,
    volumes: RemoveVolumes,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<DownReport, ApiError> {
    stop_confirmed(dir, env, volumes, None, on_progress).await
}

/// [`stop`], with the environment's name as the person typed it (a server's staging or production
/// environment needs it; wiping its data counts as typed).
pub async fn stop_confirmed(
    dir: &Path,
    env: &str,
    volumes: RemoveVolumes,
    typed_name: Option<&str>,
    on_progress: impl Fn(Progress) + Send + Sync + 'static,
) -> Result<DownReport, ApiError> {
    let session = crate::session::open(dir).await?;
    let (project, runtime) = (session.project(), session.runtime(env)?);
    let typed_name = match &volumes {
        RemoveVolumes::Confirmed { typed_name } => Some(typed_name.as_str()),
        RemoveVolumes::Keep => typed_name,
    };
    confirmed(project, env, typed_name, "stopping it removes")?;
    let name = stack_of(project, env)?;
    let operation = match volumes {
        RemoveVolumes::Keep => Operation::Stop,
        RemoveVolumes::Confirmed { .. } => Operation::Wipe,
    };
    tracing::info!(environment = env, stack = %name, ?volumes, "stopping");
    let environment = env.to_owned();
    let on_progress = move |p| {
        log_progress(&environment, &p);
        on_progress(p)
    };
    let _writer = writer::lock(project_id(project)?, env, operation, |waiting| {
        on_progress(waiting.progress())
    })
    .await?;
    let result = runtime.down(volumes, on_progress).await;
    match &result {
        Ok(report) => tracing::info!(
            environment = env,
            containers = report.containers.len(),
            volumes = report.volumes.len(),
            "stopped"
        ),
        Err(e) => tracing::error!(environment = env, code = ?e.code, "stop failed: {}", e.message),
    }
    result
}

/// The stack's logs with the environment's stored secret values masked: containers print whatever
/// they like (an app echoing its settings), and neither the log view nor the terminal may show it.
/// A keychain that cannot be read is an error: unmasked lines are never the fallback.
pub async fn logs(
    dir: &Path,
    env: &str,
    options: stack::LogOptions,
) -> Result<impl futures_util::Stream<Item = Result<stack::LogLine, ApiError>> + Send + use<>, ApiError> {
    let session = crate::session::open(dir).await?;
    masked_logs(session.project(), env, options).await
}

/// Logs of either kind of environment, masked line by line: Docker's frames are joined into lines by
/// the engine before masking; a host process's lines were masked when written and are masked again on
/// reading (the file may predate a secret or an older EnvDeck's masking).
pub(crate) async fn masked_logs(
    project: &Project,
    env: &str,
    options: stack::LogOptions,
) -> Result<futures_util::stream::BoxStream<'static, Result<stack::LogLine, ApiError>>, ApiError> {
    let secrets = secrets::stored_values(project_id(project)?, env, &specs(project, env)?).await?;
    Runtime::of(project, env)?.logs(options, secrets.masker()).await
}

/// A command in one of the environment's Services (`envdeck exec`), its output masked like the logs:
/// whole lines (Docker's exec output is joined at line ends by the engine), then each value's forms.
pub async fn exec(
    dir: &Path,
    env: &str,
    service: &str,
    command: &[String],
    mut on_output: impl FnMut(stack::LogLine) + Send,
) -> Result<i64, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    let secrets = secrets::stored_values(project_id(project)?, env, &specs(project, env)?).await?;
    let masker = secrets.masker();
    stack::exec(&stack_of(project, env)?, service, command, |mut line| {
        line.text = masker.mask(&line.text);
        on_output(line)
    })
    .await
    .map_err(|e| e.masked(&masker))
}

/// `ps` of an environment: its containers, or its host process (one row while it is recorded).
pub async fn ps(dir: &Path, env: &str) -> Result<Vec<stack::ServiceStatus>, ApiError> {
    crate::session::open(dir).await?.runtime(env)?.ps().await
}

/// Whether the environment runs a command on this machine (`command` in envdeck.toml) instead of Docker.
pub fn runs_on_host(dir: &Path, env: &str) -> Result<bool, ApiError> {
    let project = crate::project::open(dir)?;
    project.environment(env).map_err(ApiError::from)?;
    Ok(host::is_host(&project, env))
}

/// How a host environment's last run ended by itself: `Some(Some(code))`, `Some(None)` for a signal;
/// `None` while it runs or when nothing is recorded.
pub async fn host_exit_code(dir: &Path, env: &str) -> Option<Option<i32>> {
    host::exit_code(crate::session::open(dir).await.ok()?.project(), env)
}

/// The stack of an environment: its compose project name (what `docker compose -p` takes) and owner.
pub async fn stack(dir: &Path, env: &str) -> Result<StackId, ApiError> {
    let session = crate::session::open(dir).await?;
    session.project().environment(env).map_err(ApiError::from)?;
    stack_of(session.project(), env)
}

/// A Rotate of a secret the keychain does not hold.
pub(crate) fn nothing_to_rotate(name: &str, env: &str) -> ApiError {
    ApiError {
        reason: Some(crate::reason::Reason::NothingToRotate {
            name: name.to_owned(),
            env: env.to_owned(),
        }),
        ..ApiError::new(
            ErrorCode::Internal,
            format!(
                "{name} of environment {env} is not in the keychain, so there is nothing to rotate: \
                 `envdeck secrets generate {env}` creates it (if its data is gone), or `envdeck secrets enter \
                 {env} {name}` puts its old value back"
            ),
        )
    }
}
