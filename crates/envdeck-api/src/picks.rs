//! Which folders and files the desktop window may name. Its commands carry paths over IPC, and a page
//! made to invoke them (a script slipped into the window) must not reach a folder or file the person
//! never chose: reading `~/.ssh` as "secrets to import", restoring from a stranger's dump, opening a
//! folder as a project to start it.
//!
//! So a path is taken only when the person chose it:
//! - a project folder: picked in a native dialog (Rust opens them and records the answer here), given
//!   on the command line, the app's own sample, or already on EnvDeck's list of projects (opened
//!   before, by the app or the CLI); every other command names a project opened in this run;
//! - a file (a `.env` to import, a backup to restore, where a new backup goes): picked in a dialog
//!   for that use, or inside the project's folder (after following links: a link inside pointing out
//!   is outside).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::error::{ApiError, ErrorCode};

/// What a chosen path is for: a pick serves its own use only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// A folder to open as a project.
    Project,
    /// A `.env` file whose values become the environment's secrets.
    SecretsFile,
    /// Where a new database backup is written (the file need not exist yet).
    NewBackup,
    /// A backup to restore.
    Backup,
}

/// What the person chose in this run of the app, and which projects it opened.
#[derive(Debug, Default)]
pub struct Picks {
    inner: Mutex<Chosen>,
}

#[derive(Debug, Default)]
struct Chosen {
    /// Paths as [`resolved`] gives them, with their use.
    picked: HashSet<(Purpose, PathBuf)>,
    /// Project folders opened in this run, canonical.
    opened: HashSet<PathBuf>,
}

/// The path with its links and `..` followed; for a file not written yet, its folder's path so followed
/// and its name. `None` when there is no such folder.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(found) = std::fs::canonicalize(path) {
        return Some(found);
    }
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(name))
}

fn not_chosen(message: String) -> ApiError {
    ApiError::new(ErrorCode::NotChosen, message)
}

impl Picks {
    fn chosen(&self) -> MutexGuard<'_, Chosen> {
        // A panic while holding this lock cannot leave the sets half-changed: each change is one insert.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records that the person chose `path` for `purpose` (a dialog's answer, the command-line folder,
    /// the sample's folder); answers the path, for the window to pass back.
    pub fn chose(&self, purpose: Purpose, path: PathBuf) -> PathBuf {
        if let Some(found) = resolved(&path) {
            self.chosen().picked.insert((purpose, found));
        }
        path
    }

    fn was_picked(&self, purpose: Purpose, path: &Path) -> bool {
        self.chosen().picked.contains(&(purpose, path.to_path_buf()))
    }

    /// The project folder `dir`, if the window may open it: chosen in this run or already on EnvDeck's
    /// list of projects. From then on it counts as opened (see [`Picks::opened`]).
    pub async fn to_open(&self, dir: &Path) -> Result<PathBuf, ApiError> {
        let refused = || {
            not_chosen(format!(
                "EnvDeck opens only folders you choose: {} was not chosen in this window and is not a \
                 project EnvDeck knows. Use \"Open project…\" and choose it",
                dir.display()
            ))
        };
        let Some(found) = resolved(dir).filter(|d| d.is_dir()) else {
            return Err(refused());
        };
        let known = {
            let chosen = self.chosen();
            chosen.opened.contains(&found) || chosen.picked.contains(&(Purpose::Project, found.clone()))
        };
        if !known && !crate::identity::is_known(&found).await? {
            return Err(refused());
        }
        self.chosen().opened.insert(found.clone());
        Ok(found)
    }

    /// The project folder `dir`, which must have been opened in this run.
    pub fn opened(&self, dir: &Path) -> Result<PathBuf, ApiError> {
        resolved(dir)
            .filter(|d| self.chosen().opened.contains(d))
            .ok_or_else(|| {
                not_chosen(format!(
                    "{} is not a project opened in this window: open it first (\"Open project…\")",
                    dir.display()
                ))
            })
    }

    /// The file `file` for `purpose` in the opened project `project`: picked in a dialog for that use,
    /// or inside the project's folder. Answers the path with its links followed, which is the one used.
    pub fn file(&self, purpose: Purpose, project: &Path, file: &Path) -> Result<PathBuf, ApiError> {
        if let Some(found) = resolved(file)
            && (found.starts_with(project) || self.was_picked(purpose, &found))
        {
            return Ok(found);
        }
        Err(not_chosen(format!(
            "EnvDeck uses only files you choose: {} was not chosen in a dialog and is not inside the \
             project {}. Choose it with the button's dialog",
            file.display(),
            project.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let dir = tmp.path().join("shop");
        std::fs::create_dir_all(dir.join("backups/local")).expect("the project folder");
        let dir = std::fs::canonicalize(dir).expect("canonical");
        (tmp, dir)
    }

    async fn opened(picks: &Picks, dir: &Path) {
        picks.chose(Purpose::Project, dir.to_path_buf());
        let opened = picks.to_open(dir).await.expect("a chosen folder opens");
        assert_eq!(opened, dir);
    }

    #[tokio::test]
    async fn a_file_inside_the_project_is_taken_and_one_outside_only_when_picked_for_that_use() {
        let (tmp, dir) = project();
        let picks = Picks::default();
        opened(&picks, &dir).await;
        let inside = dir.join(".env");
        std::fs::write(&inside, "A=1\n").expect("written");
        assert_eq!(
            picks.file(Purpose::SecretsFile, &dir, &inside).expect("inside"),
            inside
        );

        let outside = tmp.path().join("elsewhere.env");
        std::fs::write(&outside, "A=1\n").expect("written");
        let refused = picks
            .file(Purpose::SecretsFile, &dir, &outside)
            .expect_err("not chosen");
        assert_eq!(refused.code, ErrorCode::NotChosen);
        assert!(refused.message.contains("elsewhere.env"), "{}", refused.message);

        picks.chose(Purpose::Backup, outside.clone());
        assert!(
            picks.file(Purpose::SecretsFile, &dir, &outside).is_err(),
            "a file picked to restore is not thereby a file to import"
        );
        picks.chose(Purpose::SecretsFile, outside.clone());
        assert!(picks.file(Purpose::SecretsFile, &dir, &outside).is_ok());
    }

    #[tokio::test]
    async fn dot_dot_and_links_that_lead_out_of_the_project_are_outside() {
        let (tmp, dir) = project();
        let picks = Picks::default();
        opened(&picks, &dir).await;
        let secret = tmp.path().join("id_rsa");
        std::fs::write(&secret, "KEY=1\n").expect("written");
        let climbing = dir.join("backups/../../id_rsa");
        assert!(picks.file(Purpose::SecretsFile, &dir, &climbing).is_err());
        #[cfg(unix)]
        {
            let link = dir.join("innocent.env");
            std::os::unix::fs::symlink(&secret, &link).expect("a link");
            assert!(
                picks.file(Purpose::SecretsFile, &dir, &link).is_err(),
                "a link inside the project that points out of it is outside"
            );
        }
    }

    #[tokio::test]
    async fn a_new_backup_may_be_a_file_not_written_yet_in_a_picked_place() {
        let (tmp, dir) = project();
        let picks = Picks::default();
        opened(&picks, &dir).await;
        let default = dir.join("backups/local/local-1.sql.gz");
        assert_eq!(
            picks.file(Purpose::NewBackup, &dir, &default).expect("inside"),
            default
        );
        let chosen = tmp.path().join("usb/dump.sql.gz");
        assert!(
            picks.file(Purpose::NewBackup, &dir, &chosen).is_err(),
            "no such folder"
        );
        std::fs::create_dir_all(tmp.path().join("usb")).expect("folder");
        assert!(
            picks.file(Purpose::NewBackup, &dir, &chosen).is_err(),
            "not picked"
        );
        picks.chose(Purpose::NewBackup, chosen.clone());
        assert!(picks.file(Purpose::NewBackup, &dir, &chosen).is_ok());
    }

    #[tokio::test]
    async fn a_project_is_named_only_once_opened_and_opened_only_when_chosen_or_known() {
        let (tmp, dir) = project();
        let picks = Picks::default();
        assert_eq!(
            picks.opened(&dir).expect_err("not opened").code,
            ErrorCode::NotChosen
        );
        // A fresh temporary folder is on no list of projects: only a choice opens it.
        let refused = picks.to_open(&dir).await.expect_err("neither chosen nor known");
        assert_eq!(refused.code, ErrorCode::NotChosen);
        assert!(
            picks.to_open(&tmp.path().join("gone")).await.is_err(),
            "no such folder"
        );
        opened(&picks, &dir).await;
        assert_eq!(picks.opened(&dir.join("backups/..")).expect("opened"), dir);
        assert!(
            picks.opened(&dir.join("backups")).is_err(),
            "a folder inside is not the project"
        );
    }
}
