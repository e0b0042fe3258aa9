//! The native file dialogs, opened from Rust so the window never names a path the person did not choose
//! (envdeck_api::picks says which paths the commands take): each answer is recorded before it goes back
//! to the window, and the window holds no dialog permission. `OpenedDir` is the project folder argument
//! of every command after `open_project`, refused unless that project was opened in this run.

use std::path::{Path, PathBuf};

use envdeck_api::picks::{Picks, Purpose};
use tauri::ipc::{CommandArg, CommandItem, InvokeError};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder, FilePath};

/// What a dialog is for, as the window asks for it (titles come from the window, in its language).
pub enum Dialog<'a> {
    ProjectFolder,
    SecretsFile,
    /// Opens on `suggested`, a file inside the project.
    NewBackup {
        suggested: &'a Path,
        kind: &'a str,
    },
    Backup {
        kind: &'a str,
    },
}

impl Dialog<'_> {
    fn purpose(&self) -> Purpose {
        match self {
            Dialog::ProjectFolder => Purpose::Project,
            Dialog::SecretsFile => Purpose::SecretsFile,
            Dialog::NewBackup { .. } => Purpose::NewBackup,
            Dialog::Backup { .. } => Purpose::Backup,
        }
    }
}

/// Opens the dialog and waits for the person; answers the path chosen (recorded in `picks`), or `None`
/// for Cancel.
pub async fn pick<R: Runtime>(
    app: &AppHandle<R>,
    picks: &Picks,
    dialog: Dialog<'_>,
    title: &str,
) -> Option<PathBuf> {
    let (tx, rx) = tokio::sync::oneshot::channel::<Option<FilePath>>();
    let done = move |answer| drop(tx.send(answer));
    let builder = app.dialog().file().set_title(title);
    let purpose = dialog.purpose();
    match dialog {
        Dialog::ProjectFolder => builder.pick_folder(done),
        Dialog::SecretsFile => builder.pick_file(done),
        Dialog::NewBackup { suggested, kind } => opening_on(builder, suggested)
            .add_filter(kind, &["gz"])
            .save_file(done),
        Dialog::Backup { kind } => builder.add_filter(kind, &["gz"]).pick_file(done),
    }
    let path = rx.await.ok().flatten()?.into_path().ok()?;
    Some(picks.chose(purpose, path))
}

fn opening_on<R: Runtime>(builder: FileDialogBuilder<R>, suggested: &Path) -> FileDialogBuilder<R> {
    let builder = match suggested.parent() {
        Some(folder) => builder.set_directory(folder),
        None => builder,
    };
    match suggested.file_name() {
        Some(name) => builder.set_file_name(name.to_string_lossy()),
        None => builder,
    }
}

/// The `dir` argument of a command: a project folder opened in this run (checked before the command
/// runs, so no command can forget it); derefs to its canonical path.
pub struct OpenedDir(PathBuf);

impl std::ops::Deref for OpenedDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl<'de, R: Runtime> CommandArg<'de, R> for OpenedDir {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        let webview = command.message.webview();
        let dir = PathBuf::from_command(command)?;
        webview
            .state::<Picks>()
            .opened(&dir)
            .map(OpenedDir)
            .map_err(InvokeError::from)
    }
}
