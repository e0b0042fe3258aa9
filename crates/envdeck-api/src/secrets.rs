//! An environment's secrets, as both clients see them: list, generate the missing ones, rotate one,
//! enter one, import from / export to a `.env` file, reveal one, and hand the values to a Start.
//!
//! Inputs are plain (project id, environment id, the policy's [`SecretSpec`]s) so this does not depend
//! on how a Project is loaded. The keychain is blocking, so every operation runs on tokio's blocking
//! pool. Types sent to the UI never carry a value, except [`RevealedSecret`].

mod dotenv;

use std::io::Write;
use std::path::Path;

use envdeck_core::secret::{
    Masker, SecretSpec, SecretValue, Supply, estimated_bits, generate, rotation_consequences,
};
use envdeck_vault::{Namespace, Stored, VaultError};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::ApiError;
use crate::error::ErrorCode;

/// What the secrets table shows for one variable; never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SecretRow {
    pub name: String,
    pub state: SecretState,
    /// `true` when EnvDeck generates it, `false` when a person enters it.
    pub generated: bool,
    /// Characters of the stored value, or of the value the policy would generate.
    pub length: Option<u32>,
    /// Entropy of the policy for a generated secret; an upper-bound estimate for an imported or
    /// entered value.
    pub bits: Option<u32>,
    /// Under 128 bits (possible only for imported or entered values).
    pub weak: bool,
    /// A fixed mask when stored: the UI reveals through [`reveal`], never from this.
    pub masked: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SecretState {
    /// In the keychain.
    Stored,
    /// Not in the keychain yet; `generate_missing` will create it.
    Missing,
    /// Not in the keychain and never generated: a person must enter it.
    ToEnter,
}

/// What `generate_missing` did, by variable name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct GenerateReport {
    pub generated: Vec<String>,
    pub already_stored: Vec<String>,
    /// Secrets a person must enter that are not stored yet.
    pub to_enter: Vec<String>,
}

/// A rotation done, and what the person must do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Rotation {
    pub name: String,
    pub bits: u32,
    pub consequences: Vec<String>,
}

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

/// The one type that carries a value to the UI: the answer to an explicit Reveal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RevealedSecret {
    pub name: String,
    pub value: String,
}

/// The secrets a Start injects: values as `(variable, value)` for compose interpolation and the
/// container environment. Not serializable: it never leaves the process.
#[derive(Debug, Default)]
pub struct StartSecrets {
    pub values: Vec<(String, SecretValue)>,
    /// Secrets a person must enter that are not stored: the caller decides whether Start may go on.
    pub to_enter: Vec<String>,
}

impl StartSecrets {
    /// Hides these values in logs and messages.
    pub fn masker(&self) -> Masker {
        Masker::new(self.values.iter().map(|(_, v)| v))
    }
}

/// One row per secret of the environment, from the keychain.
pub async fn list(project_id: &str, env: &str, specs: &[SecretSpec]) -> Result<Vec<SecretRow>, ApiError> {
    let (ns, specs) = (namespace(project_id, env)?, specs.to_vec());
    blocking(move || {
        specs
            .iter()
            .map(|spec| {
                let stored = envdeck_vault::read(&ns, &spec.name).map_err(vault_error)?;
                Ok(row(spec, stored.as_ref()))
            })
            .collect()
    })
    .await
}

fn row(spec: &SecretSpec, stored: Option<&SecretValue>) -> SecretRow {
    let generated = matches!(spec.supply, Supply::Generate(_));
    let (state, length, bits) = match (stored, spec.supply) {
        (Some(v), Supply::Generate(s)) if v.char_len() == s.length && s.alphabet.admits(v.expose()) => {
            (SecretState::Stored, Some(s.length), Some(s.bits()))
        }
        (Some(v), _) => (
            SecretState::Stored,
            Some(v.char_len()),
            Some(estimated_bits(v.expose())),
        ),
        (None, Supply::Generate(s)) => (SecretState::Missing, Some(s.length), Some(s.bits())),
        (None, Supply::Enter) => (SecretState::ToEnter, None, None),
    };
    SecretRow {
        name: spec.name.clone(),
        state,
        generated,
        length: length.map(|l| l as u32),
        bits,
        weak: bits.is_some_and(|b| (b as f64) < envdeck_core::secret::MIN_BITS),
        masked: stored.map(|_| "••••••••".to_owned()),
    }
}

/// Generates and stores every generated secret the keychain definitely does not hold. A secret whose
/// read fails stops the operation with that error: it is never regenerated over a value that may exist.
pub async fn generate_missing(
    project_id: &str,
    env: &str,
    specs: &[SecretSpec],
) -> Result<GenerateReport, ApiError> {
    let (ns, specs) = (namespace(project_id, env)?, specs.to_vec());
    blocking(move || {
        let mut report = GenerateReport::default();
        for spec in &specs {
            match spec.supply {
                Supply::Generate(strength) => {
                    match envdeck_vault::store_if_absent(&ns, &spec.name, || generate(&strength))
                        .map_err(vault_error)?
                    {
                        Stored::Created(_) => report.generated.push(spec.name.clone()),
                        Stored::Existing(_) => report.already_stored.push(spec.name.clone()),
                    }
                }
                Supply::Enter => {
                    if envdeck_vault::read(&ns, &spec.name)
                        .map_err(vault_error)?
                        .is_none()
                    {
                        report.to_enter.push(spec.name.clone());
                    }
                }
            }
        }
        Ok(report)
    })
    .await
}

/// Replaces a generated secret with a new value, and says what that implies (the caller shows it and
/// asks first). Entered secrets are changed with [`enter`] instead.
pub async fn rotate(project_id: &str, env: &str, spec: &SecretSpec) -> Result<Rotation, ApiError> {
    let (ns, spec) = (namespace(project_id, env)?, spec.clone());
    let Supply::Generate(strength) = spec.supply else {
        return Err(ApiError::new(
            ErrorCode::Internal,
            format!(
                "{} of environment {env} is entered by a person, not generated: enter its new value instead",
                spec.name
            ),
        ));
    };
    blocking(move || {
        let value = generate(&strength).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        envdeck_vault::write(&ns, &spec.name, &value).map_err(vault_error)?;
        Ok(Rotation {
            bits: strength.bits(),
            consequences: rotation_consequences(&spec.name),
            name: spec.name,
        })
    })
    .await
}

/// Stores a value a person typed (SMTP password, third-party key), replacing any previous one.
pub async fn enter(project_id: &str, env: &str, name: &str, value: SecretValue) -> Result<(), ApiError> {
    let (ns, name) = (namespace(project_id, env)?, name.to_owned());
    if value.is_empty() {
        return Err(ApiError::new(
            ErrorCode::Internal,
            format!("{name} of environment {env}: an empty value was not stored"),
        ));
    }
    blocking(move || envdeck_vault::write(&ns, &name, &value).map_err(vault_error)).await
}

/// The value of one secret, for an explicit Reveal or Copy.
pub async fn reveal(project_id: &str, env: &str, name: &str) -> Result<RevealedSecret, ApiError> {
    let (ns, name, env) = (namespace(project_id, env)?, name.to_owned(), env.to_owned());
    blocking(
        move || match envdeck_vault::read(&ns, &name).map_err(vault_error)? {
            Some(v) => Ok(RevealedSecret {
                value: v.expose().to_owned(),
                name,
            }),
            None => Err(ApiError::new(
                ErrorCode::Internal,
                format!("{name} of environment {env} is not in the keychain yet: generate or enter it first"),
            )),
        },
    )
    .await
}

/// Generates what is missing, then reads every stored secret: what a Start injects.
pub async fn values_for_start(
    project_id: &str,
    env: &str,
    specs: &[SecretSpec],
) -> Result<StartSecrets, ApiError> {
    generate_missing(project_id, env, specs).await?;
    let (ns, specs) = (namespace(project_id, env)?, specs.to_vec());
    blocking(move || {
        let mut out = StartSecrets::default();
        for spec in &specs {
            match envdeck_vault::read(&ns, &spec.name).map_err(vault_error)? {
                Some(v) => out.values.push((spec.name.clone(), v)),
                None => out.to_enter.push(spec.name.clone()),
            }
        }
        Ok(out)
    })
    .await
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
    blocking(move || {
        let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| file_error("read", &path, &e))?);
        let mut report = ImportReport::default();
        let mut pairs = dotenv::parse(&text);
        // The last assignment wins, as in compose.
        pairs.reverse();
        let mut seen = std::collections::HashSet::new();
        pairs.retain(|(k, _)| seen.insert(k.clone()));
        pairs.reverse();
        for (key, mut value) in pairs {
            let Some(spec) = specs.iter().find(|s| s.name == key) else {
                report.ignored_keys += 1;
                continue;
            };
            if value.trim().is_empty() || envdeck_core::secret::policy::is_placeholder(&value) {
                report.empty_in_file.push(key);
                continue;
            }
            // Moved, not copied: the Zeroizing husk left behind is empty.
            let value = SecretValue::new(std::mem::take(&mut *value));
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
        let mut report = ExportReport { path: path.display().to_string(), written: Vec::new(), not_stored: Vec::new() };
        for spec in &specs {
            match envdeck_vault::read(&ns, &spec.name).map_err(vault_error)? {
                Some(v) => {
                    let quoted = dotenv::quote(v.expose()).map(Zeroizing::new).ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::Internal,
                            format!("{} cannot be written to a .env file (it holds a newline and both quote kinds); copy it with Reveal instead", spec.name),
                        )
                    })?;
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
            ApiError::new(
                ErrorCode::Internal,
                format!("{} already exists; EnvDeck never overwrites a file with secrets: choose another name or move it away", path.display()),
            )
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

fn file_error(verb: &str, path: &Path, e: &std::io::Error) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("could not {verb} {}: {e}", path.display()),
    )
}

fn namespace(project_id: &str, env: &str) -> Result<Namespace, ApiError> {
    Namespace::new(project_id, env).map_err(vault_error)
}

/// The keychain's errors for clients: unavailable or locked keychains get the code the doctor and the
/// UI branch on.
pub fn vault_error(e: VaultError) -> ApiError {
    let code = match e {
        VaultError::Unavailable { .. } | VaultError::NoAccess { .. } | VaultError::NoPlatformStore { .. } => {
            ErrorCode::KeychainUnavailable
        }
        VaultError::InvalidName { .. } => ErrorCode::InvalidProject,
        _ => ErrorCode::Internal,
    };
    ApiError::new(code, e.to_string())
}

/// Runs keychain work on the blocking pool: keyring's Secret Service client must not run on a tokio
/// worker thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("a keychain operation did not finish: {e}"),
        )
    })?
}
