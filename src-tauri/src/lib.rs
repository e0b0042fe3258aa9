//! The EnvDeck desktop shell: a window, the plugins it needs, and the commands the UI may invoke.

mod clipboard;
mod commands;
mod picks;

use commands::LaunchProject;
use envdeck_api::clipboard::CopiedSecret;
use envdeck_api::picks::{Picks, Purpose};
use envdeck_api::starts::Starts;
use envdeck_api::watch::Subscriptions;
use tauri::RunEvent;

/// Builds and runs the app until its last window closes.
pub fn run() {
    // A daily log file in the OS's log folder (secrets masked upstream); kept open while the app runs.
    let _log = envdeck_api::logging::init("envdeck-desktop");
    // Named in the message a CLI shows while it waits for this app's Start, Stop or secret change.
    envdeck_api::writer::set_client(envdeck_api::writer::Client::App);
    // What the person chose: the folder on the command line counts, like a folder picked in a dialog.
    let picks = Picks::default();
    let launch =
        envdeck_api::desktop::project_arg(std::env::args()).map(|dir| picks.chose(Purpose::Project, dir));
    let launch = LaunchProject(launch);
    let outcome = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .manage(launch)
        .manage(picks)
        .manage(Subscriptions::default())
        .manage(CopiedSecret::default())
        .manage(Starts::default())
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::launch_project,
            commands::open_project,
            commands::project_question,
            commands::answer_project,
            commands::pick_project,
            commands::pick_secrets_file,
            commands::pick_new_backup,
            commands::pick_backup,
            commands::start,
            commands::cancel_start,
            commands::stop,
            commands::stack_view,
            commands::open_link,
            commands::restart_service,
            commands::watch_events,
            commands::watch_logs,
            commands::watch_stats,
            commands::watch_files,
            commands::unwatch,
            commands::environment_doctor,
            commands::start_preview,
            commands::open_sample,
            commands::secret_rows,
            commands::generate_secrets,
            commands::reveal_secret,
            commands::rotation_preview,
            commands::rotate_secret,
            commands::enter_secret,
            commands::import_secrets,
            commands::copy_secret,
            commands::wipe_preview,
            commands::wipe,
            commands::task_list,
            commands::run_task,
            commands::backup_list,
            commands::backup_default_file,
            commands::backup_now,
            commands::restore_backup,
        ])
        .build(tauri::generate_context!());
    match outcome {
        // On quit: a copied secret leaves the clipboard (the plugin lets go of it on Exit), and the host
        // processes this app started (the `sqlite` environment) stop: none outlives it.
        Ok(app) => app.run(|app, event| match event {
            RunEvent::ExitRequested { .. } => clipboard::clear_on_exit(app),
            RunEvent::Exit => {
                let stopped = tauri::async_runtime::block_on(envdeck_api::host::stop_owned());
                if !stopped.is_empty() {
                    tracing::info!(?stopped, "host processes stopped on quit");
                }
            }
            _ => {}
        }),
        Err(e) => {
            tracing::error!("EnvDeck could not start its window: {e}");
            std::process::exit(1);
        }
    }
}
