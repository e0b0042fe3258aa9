//! Moving an environment's secrets between the keychain and `.env` files: import from a file a team
//! already has, export on explicit request to a new file only its owner can read.

use std::io::Write;
use std::path::Path;

use envdeck_core::compose::EnvFile;
use envdeck_core::secret::{MIN_MASKED_LEN, SecretSpec, SecretValue, estimated_bits};
use serde::Serialize;
use zeroize::Zeroizing;

use super::{blocking, namespace, vault_error};
use crate::ApiError;
use crate::error::ErrorCode;

/// What an import took from the file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportReport {
    pub imported: Vec<String>,
    /// Already stored and not overwritten (no `overwrite` flag).
    pub kept_existing: Vec<String>,
    /// Secrets of the environment that were empty or placeholders in the file.
    pub empty_in_file: Vec<String>,
    /// Imported values under 128 bits: rotate them when the services allow.
    pub weak: Vec<String>,
    /// How many keys of the file are not secrets of this environment (left alone).
    pub ignored_keys: u32,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ExportReport {
    pub path: String,
    pub written: Vec<String>,
    /// Secrets of the environment not in the keychain, written as comments.
    pub not_stored: Vec<String>,
}

/// Imports the environment's secrets from an existing `.env` file; other keys are left alone. A
/// secret already in the keychain is kept unless `overwrite` is set.
pub async fn import_env_file(
    project_id: &str,
    env: &str,
    specs: &[SecretSpec],
    path: &Path,
    overwrite: bool,
) -> Result<ImportReport, ApiError> {
    let (ns, specs, path) = (namespace(project_id, env)?, specs.to_vec(), path.to_owned());
    let _writer = crate::writer::lock(
        project_id,
        env,
        crate::writer::Operation::Secrets,
        crate::writer::announce,
    )
    .await?;
    let (project_id, env) = (project_id.to_owned(), env.to_owned());
    blocking(move || {
        // A FIFO or a device the window was tricked into naming is refused before it is opened.
        let text = Zeroizing::new(
            // The file is the person's, not the project's: its facts, without "the project's files" headline.
            envdeck_core::files::read_text(&path).map_err(|e| ApiError {
                code: ErrorCode::Internal,
                ..ApiError::from(e)
            })?,
        );
        let mut report = ImportReport::default();
        // A line that is no assignment is an error naming it: nothing is imported from a file half read.
        let mut entries = EnvFile::parse(&path, &text).map_err(ApiError::from)?.entries;
        // The last assignment wins, as in compose.
        entries.reverse();
        let mut seen = std::collections::HashSet::new();
        entries.retain(|e| seen.insert(e.key.clone()));
        entries.reverse();
        let short: Vec<&str> = entries
            .iter()
            .filter(|e| {
                specs.iter().any(|s| s.name == e.key)
                    && !e.value.trim().is_empty()
                    && !envdeck_core::secret::policy::is_placeholder(&e.value)
                    && e.value.chars().count() < MIN_MASKED_LEN
            })
            .map(|e| e.key.as_str())
            .collect();
        if !short.is_empty() {
            // Checked before anything is written: an import stores all of its values or none.
            return Err(super::too_short(env.as_str(), &short, Some(&path)));
        }
        for mut entry in entries {
            let key = entry.key.clone();
            let value = &mut entry.value;
            let Some(spec) = specs.iter().find(|s| s.name == key) else {
                report.ignored_keys += 1;
                continue;
            };
            if value.trim().is_empty() || envdeck_core::secret::policy::is_placeholder(value) {
                report.empty_in_file.push(key);
                continue;
            }
            // Moved, not copied: the entry left behind holds an empty string.
            let value = SecretValue::new(std::mem::take(value));
            if !overwrite
                && envdeck_vault::read(&ns, &spec.name)
                    .map_err(vault_error)?
                    .is_some()
            {
                report.kept_existing.push(key);
                continue;
            }
            envdeck_vault::write(&ns, &spec.name, &value).map_err(vault_error)?;
            if (estimated_bits(value.expose()) as f64) < envdeck_core::secret::MIN_BITS {
                report.weak.push(key.clone());
            }
            report.imported.push(key);
        }
        super::known::add(&project_id, &env, report.imported.iter().map(String::as_str))?;
        Ok(report)
    })
    .await
}

/// Writes the environment's stored secrets to a new `.env` file readable only by its owner (0600 on
/// Unix). Never overwrites: an existing file is an error, so the caller asks for another name.
pub async fn export_env_file(
    project_id: &str,
    env: &str,
    specs: &[SecretSpec],
    path: &Path,
) -> Result<ExportReport, ApiError> {
    let (ns, specs, path, env) = (
        namespace(project_id, env)?,
        specs.to_vec(),
        path.to_owned(),
        env.to_owned(),
    );
    blocking(move || {
        let mut text = Zeroizing::new(format!(
            "# Secrets of environment {env}, exported by EnvDeck from the OS keychain.\n\
             # Anyone who can read this file has them: keep it out of version control, delete it when done.\n"
        ));
        let mut report = ExportReport {
            path: path.display().to_string(),
            written: Vec::new(),
            not_stored: Vec::new(),
        };
        for spec in &specs {
            match envdeck_vault::read(&ns, &spec.name).map_err(vault_error)? {
                Some(v) => {
                    let quoted = envdeck_core::compose::env_file::quote(v.expose())
                        .map(Zeroizing::new)
                        .ok_or_else(|| not_exportable(&spec.name))?;
                    text.push_str(&format!("{}={}\n", spec.name, quoted.as_str()));
                    report.written.push(spec.name.clone());
                }
                None => {
                    text.push_str(&format!("# {}: not in the keychain\n", spec.name));
                    report.not_stored.push(spec.name.clone());
                }
            }
        }
        write_new_private_file(&path, text.as_bytes())?;
        Ok(report)
    })
    .await
}

fn write_new_private_file(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            export_exists(path)
        } else {
            file_error("create", path, &e)
        }
    })?;
    if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
        // A half-written secrets file helps no one and still leaks what it holds.
        let _ = std::fs::remove_file(path);
        return Err(file_error("write", path, &e));
    }
    Ok(())
}

/// A secret whose value a `.env` line cannot hold.
pub(crate) fn not_exportable(name: &str) -> ApiError {
    ApiError {
        reason: Some(crate::reason::Reason::NotExportable {
            name: name.to_owned(),
        }),
        ..ApiError::new(
            ErrorCode::Internal,
            format!(
                "{name} cannot be written to a .env file (it holds a newline and both quote kinds); copy it with \
                 Reveal instead"
            ),
        )
    }
}

/// An export over a file that is there already.
pub(crate) fn export_exists(path: &Path) -> ApiError {
    let file = path.display().to_string();
    ApiError {
        reason: Some(crate::reason::Reason::ExportExists { file: file.clone() }),
        ..ApiError::new(
            ErrorCode::Internal,
            format!(
                "{file} already exists; EnvDeck never overwrites a file with secrets: choose another name or move \
                 it away"
            ),
        )
    }
}

fn file_error(verb: &str, path: &Path, e: &std::io::Error) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("could not {verb} {}: {e}", path.display()),
    )
}
