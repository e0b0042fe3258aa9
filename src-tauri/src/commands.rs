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
use envdeck_api::develop::WatchEvent;
use envdeck_api::environment::{EnvironmentDoctor, StartPreview};
use envdeck_api::identity::{self, ProjectQuestion};
use envdeck_api::secrets::{Consequence, GenerateReport, ImportReport, RevealedSecret, Rotation, SecretRow};
use envdeck_api::stack::{DownReport, LogLine, ServiceEvent, StatsSample, UpReport};
use envdeck_api::starts::Starts;
use envdeck_api::task::{self, TaskView};
use envdeck_api::watch::{self, LogRequest, Subscriptions};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::clipboard::SystemClipboard;
use crate::picks::{self, Dialog, OpenedDir};
use envdeck_api::picks::{Picks, Purpose};

/// The project folder the app was started with (`envdeck-app /path/to/project`); counts as chosen.
#[derive(Debug, Default)]
pub struct LaunchProject(pub Option<PathBuf>);

/// Lines of history a logs view starts with before following.
const LOG_TAIL: u32 = 500;

#[tauri::command]
pub async fn app_info() -> AppInfo {
    envdeck_api::app_info::app_info().await
}

#[tauri::command]
pub fn open_sample(picks: State<'_, Picks>) -> Result<PathBuf, ApiError> {
    Ok(picks.chose(Purpose::Project, envdeck_api::sample::own_copy()?.into()))
}

#[tauri::command]
pub fn launch_project(launch: State<'_, LaunchProject>) -> Option<PathBuf> {
    launch.0.clone()
}

#[tauri::command]
pub async fn open_project(picks: State<'_, Picks>, dir: PathBuf) -> Result<ProjectView, ApiError> {
    desktop::open_project(&picks.to_open(&dir).await?).await
}

/// What EnvDeck asks about a folder that may be a project it knew, before opening it (`None`: nothing).
#[tauri::command]
pub async fn project_question(
    picks: State<'_, Picks>,
    dir: PathBuf,
) -> Result<Option<ProjectQuestion>, ApiError> {
    identity::question_for(&picks.to_open(&dir).await?).await
}

/// The person's answer: adopt the earlier project offered as `adopt`, or (`None`) a project of its own.
#[tauri::command]
pub async fn answer_project(
    picks: State<'_, Picks>,
    dir: PathBuf,
    adopt: Option<String>,
) -> Result<(), ApiError> {
    identity::answer(&picks.to_open(&dir).await?, adopt.as_deref()).await
}

/// The native folder picker; answers the folder chosen (which `open_project` then takes), or `None`.
#[tauri::command]
pub async fn pick_project(
    app: AppHandle,
    picks: State<'_, Picks>,
    title: String,
) -> Result<Option<PathBuf>, ()> {
    Ok(picks::pick(&app, &picks, Dialog::ProjectFolder, &title).await)
}

/// The native file picker for a `.env` to import (any file: their names start with a dot).
#[tauri::command]
pub async fn pick_secrets_file(
    app: AppHandle,
    picks: State<'_, Picks>,
    title: String,
) -> Result<Option<PathBuf>, ()> {
    Ok(picks::pick(&app, &picks, Dialog::SecretsFile, &title).await)
}

/// The native save dialog for a new backup, opening on `suggested` (inside the project).
#[tauri::command]
pub async fn pick_new_backup(
    app: AppHandle,
    picks: State<'_, Picks>,
    title: String,
    suggested: PathBuf,
    kind: String,
) -> Result<Option<PathBuf>, ()> {
    Ok(picks::pick(
        &app,
        &picks,
        Dialog::NewBackup {
            suggested: &suggested,
            kind: &kind,
        },
        &title,
    )
    .await)
}

/// The native open dialog for a backup to restore.
#[tauri::command]
pub async fn pick_backup(
    app: AppHandle,
    picks: State<'_, Picks>,
    title: String,
    kind: String,
) -> Result<Option<PathBuf>, ()> {
    Ok(picks::pick(&app, &picks, Dialog::Backup { kind: &kind }, &title).await)
}

#[tauri::command]
pub async fn start(
    starts: State<'_, Starts>,
    dir: OpenedDir,
    env: String,
    typed_name: Option<String>,
    on_progress: Channel<Progress>,
) -> Result<UpReport, ApiError> {
    desktop::start(&starts, &dir, &env, typed_name, move |p| {
        drop(on_progress.send(p))
    })
    .await
}

#[tauri::command]
pub fn cancel_start(starts: State<'_, Starts>, dir: OpenedDir, env: String) -> bool {
    desktop::cancel_start(&starts, &dir, &env)
}

#[tauri::command]
pub async fn stop(
    dir: OpenedDir,
    env: String,
    typed_name: Option<String>,
    on_progress: Channel<Progress>,
) -> Result<DownReport, ApiError> {
    desktop::stop(&dir, &env, typed_name, move |p| drop(on_progress.send(p))).await
}

#[tauri::command]
pub async fn restart_service(dir: OpenedDir, env: String, service: String) -> Result<Vec<String>, ApiError> {
    desktop::restart_service(&dir, &env, &service).await
}

/// Opens one of the environment's links in the default browser: only a URL EnvDeck derived for it.
#[tauri::command]
pub async fn open_link(app: AppHandle, dir: OpenedDir, env: String, url: String) -> Result<(), ApiError> {
    let url = desktop::link_to_open(&dir, &env, &url).await?;
    open_url(&app, &url)
}

#[tauri::command]
pub async fn stack_view(dir: OpenedDir, env: String) -> Result<StackView, ApiError> {
    desktop::stack_view(&dir, &env).await
}

#[tauri::command]
pub async fn watch_events(
    subscriptions: State<'_, Subscriptions>,
    dir: OpenedDir,
    env: String,
    on_event: Channel<ServiceEvent>,
) -> Result<u32, ApiError> {
    watch::events(&subscriptions, &dir, &env, move |e| on_event.send(e).is_ok()).await
}

#[tauri::command]
pub async fn watch_logs(
    subscriptions: State<'_, Subscriptions>,
    dir: OpenedDir,
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
    dir: OpenedDir,
    env: String,
    on_sample: Channel<StatsSample>,
) -> Result<u32, ApiError> {
    watch::stats(&subscriptions, &dir, &env, move |s| on_sample.send(s).is_ok()).await
}

/// The Watch switch: the environment's `develop.watch` rules kept in step until `unwatch(id)`.
#[tauri::command]
pub async fn watch_files(
    subscriptions: State<'_, Subscriptions>,
    dir: OpenedDir,
    env: String,
    on_event: Channel<WatchEvent>,
) -> Result<u32, ApiError> {
    watch::develop(&subscriptions, &dir, &env, move |e| on_event.send(e).is_ok()).await
}

#[tauri::command]
pub fn unwatch(subscriptions: State<'_, Subscriptions>, id: u32) {
    subscriptions.cancel(id)
}

/// What a Start would do there (each Service, the images to fetch), shown in a server's Start dialog.
#[tauri::command]
pub async fn start_preview(dir: OpenedDir, env: String) -> Result<StartPreview, ApiError> {
    envdeck_api::environment::preview(&dir, &env).await
}

#[tauri::command]
pub async fn environment_doctor(dir: OpenedDir, env: String) -> Result<EnvironmentDoctor, ApiError> {
    envdeck_api::environment::doctor(&dir, &env).await
}

#[tauri::command]
pub async fn secret_rows(dir: OpenedDir, env: String) -> Result<Vec<SecretRow>, ApiError> {
    desktop::secret_rows(&dir, &env).await
}

#[tauri::command]
pub async fn generate_secrets(dir: OpenedDir, env: String) -> Result<GenerateReport, ApiError> {
    desktop::generate_secrets(&dir, &env).await
}

#[tauri::command]
pub async fn reveal_secret(dir: OpenedDir, env: String, name: String) -> Result<RevealedSecret, ApiError> {
    desktop::reveal_secret(&dir, &env, &name).await
}

#[tauri::command]
pub fn rotation_preview(dir: OpenedDir, env: String, name: String) -> Result<Vec<Consequence>, ApiError> {
    desktop::rotation_preview(&dir, &env, &name)
}

#[tauri::command]
pub async fn rotate_secret(dir: OpenedDir, env: String, name: String) -> Result<Rotation, ApiError> {
    desktop::rotate_secret(&dir, &env, &name).await
}

/// The value a person typed; it is stored, never logged or sent back.
#[tauri::command]
pub async fn enter_secret(dir: OpenedDir, env: String, name: String, value: String) -> Result<(), ApiError> {
    desktop::enter_secret(&dir, &env, &name, value).await
}

#[tauri::command]
pub async fn import_secrets(
    dir: OpenedDir,
    env: String,
    file: PathBuf,
    overwrite: bool,
    picks: State<'_, Picks>,
) -> Result<ImportReport, ApiError> {
    let file = picks.file(Purpose::SecretsFile, &dir, &file)?;
    desktop::import_secrets(&dir, &env, &file, overwrite).await
}

/// Copies a stored secret to the clipboard (never through the window); returns the seconds until cleared.
#[tauri::command]
pub async fn copy_secret(
    app: AppHandle,
    copied: State<'_, CopiedSecret>,
    dir: OpenedDir,
    env: String,
    name: String,
) -> Result<u32, ApiError> {
    clipboard::copy_secret(&copied, Arc::new(SystemClipboard(app)), &dir, &env, &name).await
}

#[tauri::command]
pub async fn wipe_preview(dir: OpenedDir, env: String) -> Result<Vec<String>, ApiError> {
    desktop::wipe_preview(&dir, &env).await
}

#[tauri::command]
pub async fn wipe(
    dir: OpenedDir,
    env: String,
    typed_name: String,
    on_progress: Channel<Progress>,
) -> Result<DownReport, ApiError> {
    desktop::wipe(&dir, &env, &typed_name, move |p| drop(on_progress.send(p))).await
}

#[tauri::command]
pub fn task_list(dir: OpenedDir, env: String) -> Result<Vec<TaskView>, ApiError> {
    task::list(&dir, &env)
}

/// Runs a Task; its output (secrets masked by the API) streams over `on_output`; answers its exit code.
#[tauri::command]
pub async fn run_task(
    dir: OpenedDir,
    env: String,
    task: String,
    on_output: Channel<LogLine>,
) -> Result<i64, ApiError> {
    task::run(&dir, &env, &task, move |l| drop(on_output.send(l))).await
}

#[tauri::command]
pub fn backup_list(dir: OpenedDir, env: String) -> Result<Vec<BackupFile>, ApiError> {
    backup::list(&dir, &env)
}

/// The file the save dialog proposes for a new backup (its folder made ready).
#[tauri::command]
pub fn backup_default_file(dir: OpenedDir, env: String) -> Result<PathBuf, ApiError> {
    backup::default_file(&dir, &env)
}

/// Dumps the database into the file the person chose in the save dialog; answers where it was written.
#[tauri::command]
pub async fn backup_now(
    picks: State<'_, Picks>,
    dir: OpenedDir,
    env: String,
    file: PathBuf,
) -> Result<PathBuf, ApiError> {
    let file = picks.file(Purpose::NewBackup, &dir, &file)?;
    backup::backup(&dir, &env, Some(file)).await
}

#[tauri::command]
pub async fn restore_backup(
    dir: OpenedDir,
    env: String,
    file: PathBuf,
    typed_name: String,
    picks: State<'_, Picks>,
) -> Result<(), ApiError> {
    let file = picks.file(Purpose::Backup, &dir, &file)?;
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
