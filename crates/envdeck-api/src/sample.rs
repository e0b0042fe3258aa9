//! The built-in sample project (templates/sample, embedded at build time by build.rs): the desktop's
//! "Create project from sample" and `envdeck new --sample DIR` write it to a folder a person can
//! open, start and change, with only Docker installed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{ApiError, ErrorCode};

/// `(path relative to the project, contents)`, paths `/`-separated, sorted.
static FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/sample_files.rs"));

/// The embedded files, for clients that show or check them.
pub fn files() -> &'static [(&'static str, &'static [u8])] {
    FILES
}

/// What [`create`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CreatedSample {
    /// The project folder, ready for `project::open`.
    pub dir: String,
    pub files: usize,
}

/// Writes the sample project into `dir`, creating it if needed.
///
/// Refuses a folder that already has anything in it: the sample must never overwrite or mix with
/// someone's files. Each file is created new (never truncated) for the same reason.
pub fn create(dir: &Path) -> Result<CreatedSample, ApiError> {
    let fail = |what: String| ApiError::new(ErrorCode::Internal, what);
    fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create the folder {}: {e}", dir.display())))?;
    let mut entries =
        fs::read_dir(dir).map_err(|e| fail(format!("cannot read the folder {}: {e}", dir.display())))?;
    if entries.next().is_some() {
        return Err(fail(format!(
            "{} is not empty: choose an empty or new folder for the sample project (nothing was written)",
            dir.display()
        )));
    }
    for (rel, contents) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| fail(format!("cannot create the folder {}: {e}", parent.display())))?;
        }
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut file| file.write_all(contents))
            .map_err(|e| fail(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(CreatedSample {
        dir: dir.display().to_string(),
        files: FILES.len(),
    })
}

/// Overrides the folder of the app's own copy of the sample (tests, portable installs).
pub const SAMPLE_DIR_VAR: &str = "ENVDECK_SAMPLE_DIR";

/// The app's own copy of the sample: `$XDG_DATA_HOME/envdeck/sample` (or `~/.local/share/envdeck/sample`)
/// on Linux, `~/Library/Application Support/EnvDeck/sample` on macOS, `%LOCALAPPDATA%\EnvDeck\sample`
/// on Windows; `ENVDECK_SAMPLE_DIR` wins everywhere.
pub fn own_copy_dir() -> Option<PathBuf> {
    let macos = ["Library", "Application Support", "EnvDeck", "sample"];
    crate::folders::folder(SAMPLE_DIR_VAR, "sample", crate::folders::Xdg::Data, &macos)
}

/// The desktop's "Try the sample project" and its first run: the app's own copy of the sample, written
/// the first time and reused after (a person's changes to it are kept, never overwritten).
pub fn own_copy() -> Result<String, ApiError> {
    let dir = own_copy_dir().ok_or_else(|| {
        ApiError::new(
            ErrorCode::Internal,
            format!("no folder for the sample project (HOME is not set); set {SAMPLE_DIR_VAR}"),
        )
    })?;
    own_copy_in(&dir)
}

/// [`own_copy`] in a given folder.
pub fn own_copy_in(dir: &Path) -> Result<String, ApiError> {
    if dir.join("envdeck.toml").is_file() {
        return Ok(dir.display().to_string());
    }
    Ok(create(dir)?.dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_copy_is_written_once_and_then_kept() {
        let root = tempfile::tempdir().expect("a temp dir");
        let dir = root.path().join("sample");
        let first = own_copy_in(&dir).expect("the sample is written");
        assert_eq!(Path::new(&first), dir);
        assert!(dir.join("docker-compose.yml").is_file());
        std::fs::write(dir.join("NOTES.md"), "mine").expect("a person's own file");
        let again = own_copy_in(&dir).expect("the copy is reused");
        assert_eq!(again, first);
        assert_eq!(
            std::fs::read_to_string(dir.join("NOTES.md")).unwrap_or_default(),
            "mine"
        );
    }

    #[test]
    fn the_sample_embeds_every_environment_and_no_local_state() {
        let names: Vec<&str> = FILES.iter().map(|(n, _)| *n).collect();
        for env in ["testing", "local-minimal", "local", "dev", "staging", "prod"] {
            assert!(
                names.contains(&format!("docker-compose.{env}.yml").as_str())
                    && names.contains(&format!(".env.{env}.example").as_str()),
                "{env} needs its overlay and env template to be an environment: {names:?}"
            );
        }
        assert!(
            names
                .iter()
                .all(|n| !n.ends_with(".db") && !n.contains("__pycache__")),
            "a developer's local database or caches must never ship in the binary: {names:?}"
        );
    }
}
