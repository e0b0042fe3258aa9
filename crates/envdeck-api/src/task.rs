//! Tasks: the one-click commands a project declares in `envdeck.toml` (migrations, a test user,
//! `pytest`), run in their Service (or, in a host-process environment, on the host in its folder) with
//! output streamed and the environment's secrets masked.

use std::path::Path;

use envdeck_core::Project;
use envdeck_core::project::Task;
use serde::Serialize;

use crate::environment::{project_id, specs};
use crate::error::{ApiError, ErrorCode};
use crate::secrets;
use crate::stack::{self, LogLine};
use envdeck_engine::process;

/// One Task as the app's task list and `envdeck task ENV` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct TaskView {
    pub id: String,
    pub label: String,
    pub description: Option<String>,
    /// The Service it runs in; `None` for a host task.
    pub service: Option<String>,
    /// The command as declared, for display.
    pub command: Vec<String>,
}

fn declared_for<'a>(project: &'a Project, env: &str) -> Result<Vec<&'a Task>, ApiError> {
    project.environment(env).map_err(ApiError::from)?;
    Ok(project
        .tasks
        .iter()
        .filter(|t| t.environments.is_empty() || t.environments.iter().any(|e| e == env))
        .collect())
}

fn view(task: &Task) -> TaskView {
    TaskView {
        id: task.id.clone(),
        label: task.label.clone(),
        description: task.description.clone(),
        service: task.service.clone(),
        command: task.command.args().unwrap_or_default(),
    }
}

/// The Tasks `envdeck.toml` declares for this Environment, in file order.
pub fn list(dir: &Path, env: &str) -> Result<Vec<TaskView>, ApiError> {
    let project = crate::project::open(dir)?;
    Ok(declared_for(&project, env)?.into_iter().map(view).collect())
}

/// Runs a Task in its Service; every line goes to `on_output` with secret values masked. Returns the
/// Task's exit code (non-zero is the Task's failure, not an error of EnvDeck's).
pub async fn run(
    dir: &Path,
    env: &str,
    task_id: &str,
    mut on_output: impl FnMut(LogLine) + Send,
) -> Result<i64, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    let tasks = declared_for(project, env)?;
    let Some(task) = tasks.iter().find(|t| t.id == task_id) else {
        let known: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
        let known = if known.is_empty() {
            "none are declared for it; add [[tasks]] to envdeck.toml".to_owned()
        } else {
            format!("known tasks: {}", known.join(", "))
        };
        return Err(ApiError::new(
            ErrorCode::InvalidProject,
            format!("environment `{env}` has no task `{task_id}`; {known}"),
        ));
    };
    let command = task.command.args().ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidProject,
            format!("the command of task `{task_id}` has an unclosed quote; fix it in envdeck.toml"),
        )
    })?;
    let secrets = secrets::stored_values(project_id(project)?, env, &specs(project, env)?).await?;
    let masker = secrets.masker();
    let mask_error = |e: ApiError| e.masked(&masker);
    let Some(service) = &task.service else {
        if !crate::host::is_host(project, env) {
            return Err(ApiError::new(
                ErrorCode::InvalidProject,
                format!(
                    "task `{task_id}` names no `service`, so it would run on the host, but environment `{env}` runs \
                     on Docker: add `service = \"<the service to run it in>\"` to the task in envdeck.toml"
                ),
            ));
        }
        let spec = crate::host::task_spec(project, env, &secrets, command)?;
        tracing::info!(environment = env, task = task_id, "running task on the host");
        let code = process::run_to_end(&spec, &masker, &mut on_output)
            .await
            .map_err(|e| mask_error(e.into()))?;
        tracing::info!(environment = env, task = task_id, code, "task finished");
        return Ok(code);
    };
    let stack_name = crate::environment::stack_of(project, env)?;
    let running = stack::ps(&stack_name).await?;
    if !running
        .iter()
        .any(|s| &s.service == service && s.state == "running")
    {
        return Err(service_not_running(task_id, service, env));
    }
    tracing::info!(environment = env, task = task_id, service, "running task");
    // Docker's exec output arrives joined into whole lines (`envdeck-engine`'s exec), masked here.
    let mut masked = |mut line: LogLine| {
        line.text = masker.mask(&line.text);
        on_output(line)
    };
    let code = stack::exec(&stack_name, service, &command, &mut masked)
        .await
        .map_err(mask_error)?;
    tracing::info!(environment = env, task = task_id, code, "task finished");
    Ok(code)
}

/// A task whose service has no running container.
pub(crate) fn service_not_running(task_id: &str, service: &str, env: &str) -> ApiError {
    ApiError {
        reason: Some(crate::reason::Reason::TaskServiceNotRunning {
            task: task_id.to_owned(),
            service: service.to_owned(),
            env: env.to_owned(),
        }),
        ..ApiError::new(
            ErrorCode::NotRunning,
            format!(
                "task `{task_id}` runs in service `{service}`, which is not running; start the environment \
                 first: envdeck up {env}"
            ),
        )
    }
}
