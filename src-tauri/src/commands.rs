//! The commands the UI invokes. Each is three lines: take state, delegate to envdeck-api, convert the error.
//! Long operations and live views stream over a `Channel` the UI passes in; a send that fails means the
//! window is gone, which is not an error of the operation.

use std::path::PathBuf;
use std::sync::Arc;

use envdeck_api::ApiError;
use envdeck_api::app_info::AppInfo;
use envdeck_api::backup::{self, BackupFile};
use envdeck_api::clipboard::{self, CopiedSecret};
use envdeck_api::desktop::{self, Progress, ProjectView, StackView};
use envdeck_api::environment::EnvironmentDoctor;
use envdeck_api::secrets::{Consequence, GenerateReport, ImportReport, RevealedSecret, Rotation, SecretRow};
use envdeck_api::stack::{DownReport, LogLine, ServiceEvent, StatsSample, UpReport};
use envdeck_api::starts::Starts;
use envdeck_api::task::{self, TaskView};
use envdeck_api::watch::{self, LogRequest, Subscriptions};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::clipboard::SystemClipboard;

/// The project folder the app was started with (`envdeck-app /path/to/project`).
#[derive(Debug, Default)]
pub struct LaunchProject(pub Option<PathBuf>);

/// Lines of history a logs view starts with before following.
const LOG_TAIL: u32 = 500;

#[tauri::command]
pub async fn app_info() -> AppInfo {
    envdeck_api::app_info::app_info().await
}

#[tauri::command]
pub fn open_sample() -> Result<String, ApiError> {
    envdeck_api::sample::own_copy()
}

#[tauri::command]
pub fn launch_project(launch: State<'_, LaunchProject>) -> Option<PathBuf> {
    launch.0.clone()
}

#[tauri::command]
pub async fn open_project(dir: PathBuf) -> Result<ProjectView, ApiError> {
    desktop::open_project(&dir).await
}

#[tauri::command]
pub async fn start(
    starts: State<'_, Starts>,
    dir: PathBuf,
    env: String,
    on_progress: Channel<Progress>,
) -> Result<UpReport, ApiError> {
    desktop::start(&starts, &dir, &env, move |p| drop(on_progress.send(p))).await
}

#[tauri::command]
pub fn cancel_start(starts: State<'_, Starts>, dir: PathBuf, env: String) -> bool {
    desktop::cancel_start(&starts, &dir, &env)
}

#[tauri::command]
pub async fn stop(dir: PathBuf, env: String, on_progress: Channel<Progress>) -> Result<DownReport, ApiError> {
    desktop::stop(&dir, &env, move |p| drop(on_progress.send(p))).await
}

#[tauri::command]
pub async fn restart_service(dir: PathBuf, env: String, service: String) -> Result<Vec<String>, ApiError> {
    desktop::restart_service(&dir, &env, &service).await
}

/// Opens one of the environment's links in the default browser: only a URL EnvDeck derived for it.
#[tauri::command]
pub async fn open_link(app: AppHandle, dir: PathBuf, env: String, url: String) -> Result<(), ApiError> {
    let url = desktop::link_to_open(&dir, &env, &url).await?;
    open_url(&app, &url)
}

#[tauri::command]
pub async fn stack_view(dir: PathBuf, env: String) -> Result<StackView, ApiError> {
    desktop::stack_view(&dir, &env).await
}

#[tauri::command]
pub async fn watch_events(
    subscriptions: State<'_, Subscriptions>,
    dir: PathBuf,
    env: String,
    on_event: Channel<ServiceEvent>,
) -> Result<u32, ApiError> {
    watch::events(&subscriptions, &dir, &env, move |e| on_event.send(e).is_ok()).await
}

#[tauri::command]
pub async fn watch_logs(
    subscriptions: State<'_, Subscriptions>,
    dir: PathBuf,
    env: String,
    service: Option<String>,
    follow: bool,
    on_line: Channel<LogLine>,
) -> Result<u32, ApiError> {
    let request = LogRequest {
        service,
        follow,
        tail: Some(LOG_TAIL),
    };
    watch::logs(&subscriptions, &dir, &env, request, move |l| {
        on_line.send(l).is_ok()
    })
    .await
}

#[tauri::command]
pub async fn watch_stats(
    subscriptions: State<'_, Subscriptions>,
    dir: PathBuf,
    env: String,
    on_sample: Channel<StatsSample>,
) -> Result<u32, ApiError> {
    watch::stats(&subscriptions, &dir, &env, move |s| on_sample.send(s).is_ok()).await
}

#[tauri::command]
pub fn unwatch(subscriptions: State<'_, Subscriptions>, id: u32) {
    subscriptions.cancel(id)
}

#[tauri::command]
pub async fn environment_doctor(dir: PathBuf, env: String) -> Result<EnvironmentDoctor, ApiError> {
    envdeck_api::environment::doctor(&dir, &env).await
}

#[tauri::command]
pub async fn secret_rows(dir: PathBuf, env: String) -> Result<Vec<SecretRow>, ApiError> {
    desktop::secret_rows(&dir, &env).await
}

#[tauri::command]
pub async fn generate_secrets(dir: PathBuf, env: String) -> Result<GenerateReport, ApiError> {
    desktop::generate_secrets(&dir, &env).await
}

#[tauri::command]
pub async fn reveal_secret(dir: PathBuf, env: String, name: String) -> Result<RevealedSecret, ApiError> {
    desktop::reveal_secret(&dir, &env, &name).await
}

#[tauri::command]
pub fn rotation_preview(dir: PathBuf, env: String, name: String) -> Result<Vec<Consequence>, ApiError> {
    desktop::rotation_preview(&dir, &env, &name)
}

#[tauri::command]
pub async fn rotate_secret(dir: PathBuf, env: String, name: String) -> Result<Rotation, ApiError> {
    desktop::rotate_secret(&dir, &env, &name).await
}

/// The value a person typed; it is stored, never logged or sent back.
#[tauri::command]
pub async fn enter_secret(dir: PathBuf, env: String, name: String, value: String) -> Result<(), ApiError> {
    desktop::enter_secret(&dir, &env, &name, value).await
}

#[tauri::command]
pub async fn import_secrets(
    dir: PathBuf,
    env: String,
    file: PathBuf,
    overwrite: bool,
) -> Result<ImportReport, ApiError> {
    desktop::import_secrets(&dir, &env, &file, overwrite).await
}

/// Copies a stored secret to the clipboard (never through the window); returns the seconds until cleared.
#[tauri::command]
pub async fn copy_secret(
    app: AppHandle,
    copied: State<'_, CopiedSecret>,
    dir: PathBuf,
    env: String,
    name: String,
) -> Result<u32, ApiError> {
    clipboard::copy_secret(&copied, Arc::new(SystemClipboard(app)), &dir, &env, &name).await
}

#[tauri::command]
pub async fn wipe_preview(dir: PathBuf, env: String) -> Result<Vec<String>, ApiError> {
    desktop::wipe_preview(&dir, &env).await
}

#[tauri::command]
pub async fn wipe(
    dir: PathBuf,
    env: String,
    typed_name: String,
    on_progress: Channel<Progress>,
) -> Result<DownReport, ApiError> {
    desktop::wipe(&dir, &env, &typed_name, move |p| drop(on_progress.send(p))).await
}

#[tauri::command]
pub fn task_list(dir: PathBuf, env: String) -> Result<Vec<TaskView>, ApiError> {
    task::list(&dir, &env)
}

/// Runs a Task; its output (secrets masked by the API) streams over `on_output`; answers its exit code.
#[tauri::command]
pub async fn run_task(
    dir: PathBuf,
    env: String,
    task: String,
    on_output: Channel<LogLine>,
) -> Result<i64, ApiError> {
    task::run(&dir, &env, &task, move |l| drop(on_output.send(l))).await
}

#[tauri::command]
pub fn backup_list(dir: PathBuf, env: String) -> Result<Vec<BackupFile>, ApiError> {
    backup::list(&dir, &env)
}

/// The file the save dialog proposes for a new backup (its folder made ready).
#[tauri::command]
pub fn backup_default_file(dir: PathBuf, env: String) -> Result<PathBuf, ApiError> {
    backup::default_file(&dir, &env)
}

/// Dumps the database into the file the person chose in the save dialog; answers where it was written.
#[tauri::command]
pub async fn backup_now(dir: PathBuf, env: String, file: PathBuf) -> Result<PathBuf, ApiError> {
    backup::backup(&dir, &env, Some(file)).await
}

#[tauri::command]
pub async fn restore_backup(
    dir: PathBuf,
    env: String,
    file: PathBuf,
    typed_name: String,
) -> Result<(), ApiError> {
    desktop::restore_backup(&dir, &env, &file, &typed_name).await
}

fn open_url(app: &AppHandle, url: &str) -> Result<(), ApiError> {
    use tauri_plugin_opener::OpenerExt;
    app.opener().open_url(url, None::<&str>).map_err(|e| {
        ApiError::new(
            envdeck_api::error::ErrorCode::Internal,
            format!("the browser could not be opened for {url}: {e}"),
        )
    })
}
