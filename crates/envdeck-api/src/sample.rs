//! The built-in sample project (templates/sample, embedded at build time by build.rs): the desktop's
//! "Create project from sample" and `envdeck new --sample DIR` write it to a folder a person can
//! open, start and change, with only Docker installed.

use std::fs;
use std::io::Write;
use std::path::Path;

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

#[cfg(test)]
mod tests {
    use super::*;

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
