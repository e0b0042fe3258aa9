//! Which secrets an environment has had a value for: names only, never a value, kept in EnvDeck's state
//! folder beside the keychain. It tells a secret *lost* from the keychain (an entry deleted, a new login
//! keyring) from one *new* to the project (a variable added to the template since the data was made):
//! with the environment's data still there, a lost one is never generated again (the database keeps
//! the old password), while a new one is.
//!
//! No record at all (a fresh state folder, an EnvDeck from before it) counts every missing secret as
//! possibly lost. Callers hold the environment's writer lock, so a read-then-add is not raced.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ApiError;
use crate::error::ErrorCode;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    version: u32,
    names: BTreeSet<String>,
}

fn path(project_id: &str, env: &str) -> Result<PathBuf, ApiError> {
    let dir = crate::folders::state_folder("secrets")?;
    Ok(dir.join(format!(
        "{}.json",
        crate::folders::environment_stem(project_id, env)
    )))
}

/// The names the environment has had a value for; `None` when EnvDeck has no record of it. A damaged
/// record is no record: the cautious reading.
pub(crate) fn read(project_id: &str, env: &str) -> Result<Option<BTreeSet<String>>, ApiError> {
    let path = path(project_id, env)?;
    match std::fs::read(&path) {
        Ok(bytes) => match serde_json::from_slice::<Record>(&bytes) {
            Ok(record) => Ok(Some(record.names)),
            Err(e) => {
                tracing::warn!(
                    "{} is damaged ({e}); every missing secret counts as lost",
                    path.display()
                );
                Ok(None)
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("reading", &path, &e)),
    }
}

/// Adds `names` to the record (written whole to a temporary file, then renamed over it).
pub(crate) fn add<'a>(
    project_id: &str,
    env: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<(), ApiError> {
    let path = path(project_id, env)?;
    let mut names_now = read(project_id, env)?.unwrap_or_default();
    let before = names_now.len();
    names_now.extend(names.into_iter().map(str::to_owned));
    if names_now.is_empty() || (names_now.len() == before && path.exists()) {
        return Ok(());
    }
    let record = Record {
        version: 1,
        names: names_now,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer(&mut file, &record)?;
        file.as_file().sync_all()?;
        file.persist(&path).map_err(|e| e.error)?;
        Ok(())
    };
    write().map_err(|e| io_error("writing", &path, &e))
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!(
            "{what} EnvDeck's record of known secrets {} failed: {e}",
            path.display()
        ),
    )
}
