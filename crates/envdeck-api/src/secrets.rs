//! An environment's secrets, as both clients see them: list, generate the missing ones, rotate one,
//! enter one, import from / export to a `.env` file, reveal one, and hand the values to a Start.
//!
//! Inputs are plain (project id, environment id, the policy's [`SecretSpec`]s) so this does not depend
//! on how a Project is loaded. The keychain is blocking, so every operation runs on tokio's blocking
//! pool. Types sent to the UI never carry a value, except [`RevealedSecret`].

pub(crate) mod env_file;
mod known;

pub use env_file::{ExportReport, ImportReport, export_env_file, import_env_file};
pub use envdeck_core::secret::Consequence;

use envdeck_core::secret::{
    MIN_MASKED_LEN, Masker, SecretSpec, SecretValue, Supply, estimated_bits, generate, rotation_consequences,
};
use std::time::Duration;

use envdeck_vault::{Namespace, Stored, VaultError};
use serde::Serialize;

use crate::ApiError;
use crate::error::ErrorCode;
use crate::reason::Reason;
use crate::writer::{self, Operation, Writer};

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
    /// A generated secret holding a value under 128 bits (only after an import).
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
    pub consequences: Vec<Consequence>,
    /// The database Service where the password was changed too (`ALTER ROLE`), when one keeps it.
    pub changed_in: Option<String>,
}

/// The one type that carries a value to the UI: the answer to an explicit Reveal. Its `Debug` shows the
/// name only, so a `{:?}` in a log line cannot leak it.
#[derive(Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RevealedSecret {
    pub name: String,
    pub value: String,
}

impl std::fmt::Debug for RevealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevealedSecret")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .finish()
    }
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
        // Only for secrets EnvDeck would generate: an SMTP password is the provider's to judge.
        weak: generated && bits.is_some_and(|b| (b as f64) < envdeck_core::secret::MIN_BITS),
        masked: stored.map(|_| "••••••••".to_owned()),
    }
}

/// The generated secrets the keychain does not hold: what a Start or `secrets generate` would create.
/// A read that fails is an error, never "missing".
pub async fn missing(project_id: &str, env: &str, specs: &[SecretSpec]) -> Result<Vec<String>, ApiError> {
    let (ns, specs) = (namespace(project_id, env)?, specs.to_vec());
    blocking(move || {
        let mut missing = Vec::new();
        for spec in specs.iter().filter(|s| matches!(s.supply, Supply::Generate(_))) {
            if envdeck_vault::read(&ns, &spec.name)
                .map_err(vault_error)?
                .is_none()
            {
                missing.push(spec.name.clone());
            }
        }
        Ok(missing)
    })
    .await
}

/// Generates and stores every generated secret the keychain definitely does not hold, under the
/// environment's writer lock. A secret whose read fails stops the operation with that error: it is
/// never regenerated over a value that may exist. Nor over data: while the environment has `data`
/// (its volumes), a missing secret it had a value for is refused, naming the secret and the volumes,
/// and nothing is generated; one new to the project is generated.
pub async fn generate_missing(
    _writer: &Writer,
    project_id: &str,
    env: &str,
    specs: &[SecretSpec],
    data: &[String],
) -> Result<GenerateReport, ApiError> {
    let (ns, specs, data) = (namespace(project_id, env)?, specs.to_vec(), data.to_vec());
    let (project_id, env) = (project_id.to_owned(), env.to_owned());
    blocking(move || {
        let known = known::read(&project_id, &env)?;
        if !data.is_empty() {
            let mut lost = Vec::new();
            for spec in specs.iter().filter(|s| matches!(s.supply, Supply::Generate(_))) {
                let had_one = known.as_ref().is_none_or(|k| k.contains(&spec.name));
                if had_one
                    && envdeck_vault::read(&ns, &spec.name)
                        .map_err(vault_error)?
                        .is_none()
                {
                    lost.push(spec.name.as_str());
                }
            }
            if !lost.is_empty() {
                return Err(lost_over_data(&env, &lost, &data));
            }
        }
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
        let stored = report.generated.iter().chain(&report.already_stored);
        known::add(&project_id, &env, stored.map(String::as_str))?;
        Ok(report)
    })
    .await
}

/// Why nothing was generated: the environment's data outlived a secret that protected it.
pub(crate) fn lost_over_data(env: &str, lost: &[&str], volumes: &[String]) -> ApiError {
    let first = lost[0];
    let reason = Reason::SecretLost {
        env: env.to_owned(),
        volumes: volumes.join(", "),
        names: lost.join(", "),
        first: first.to_owned(),
    };
    let error = ApiError::new(
        ErrorCode::SecretLost,
        format!(
            "environment {env} still has its data (volume {}) but the keychain no longer holds {}: a new value \
             would lock that data out, so nothing was generated or started. Put the old value back with \
             `envdeck secrets enter {env} {first}` (Enter… in the app), or from a .env file that holds it with \
             `envdeck secrets import {env} FILE`; or, if the data can go, wipe it with `envdeck down {env} \
             --volumes --confirm {env}` (Wipe data in the app) and start again",
            volumes.join(", "),
            lost.join(", ")
        ),
    );
    ApiError {
        reason: Some(reason),
        ..error
    }
}

/// A new value for a generated secret, by its policy (not stored yet: see [`store_rotated`]).
pub fn new_value(env: &str, spec: &SecretSpec) -> Result<SecretValue, ApiError> {
    let Supply::Generate(strength) = spec.supply else {
        return Err(entered_not_generated(env, &spec.name));
    };
    generate(&strength).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
}

/// Stores a rotated secret's new value (the caller holds the writer lock and has changed whatever keeps
/// the old one, such as the database), and says what the rotation implies.
pub async fn store_rotated(
    _writer: &Writer,
    project_id: &str,
    env: &str,
    spec: &SecretSpec,
    value: SecretValue,
) -> Result<Rotation, ApiError> {
    let Supply::Generate(strength) = spec.supply else {
        return Err(entered_not_generated(env, &spec.name));
    };
    let (ns, spec) = (namespace(project_id, env)?, spec.clone());
    let (project_id, env) = (project_id.to_owned(), env.to_owned());
    blocking(move || {
        envdeck_vault::write(&ns, &spec.name, &value).map_err(vault_error)?;
        known::add(&project_id, &env, [spec.name.as_str()])?;
        Ok(Rotation {
            bits: strength.bits(),
            consequences: rotation_consequences(&spec.name),
            name: spec.name,
            changed_in: None,
        })
    })
    .await
}

/// Why an entered secret (SMTP password, third-party key) has no Rotate.
pub fn entered_not_generated(env: &str, name: &str) -> ApiError {
    ApiError {
        reason: Some(Reason::EnteredNotGenerated {
            name: name.to_owned(),
            env: env.to_owned(),
        }),
        ..ApiError::new(
            ErrorCode::Internal,
            format!(
                "{name} of environment {env} is entered by a person, not generated: enter its new value instead"
            ),
        )
    }
}

/// Stores a value a person typed (SMTP password, third-party key), replacing any previous one. A value
/// under [`MIN_MASKED_LEN`] characters is refused: it could not be masked in logs and output.
pub async fn enter(project_id: &str, env: &str, name: &str, value: SecretValue) -> Result<(), ApiError> {
    let (ns, name) = (namespace(project_id, env)?, name.to_owned());
    if value.is_empty() {
        return Err(empty_value(&name, env));
    }
    if value.char_len() < MIN_MASKED_LEN {
        return Err(too_short(env, &[name.as_str()], None));
    }
    let _writer = writer::lock(project_id, env, Operation::Secrets, writer::announce).await?;
    let (project_id, env) = (project_id.to_owned(), env.to_owned());
    blocking(move || {
        envdeck_vault::write(&ns, &name, &value).map_err(vault_error)?;
        known::add(&project_id, &env, [name.as_str()])
    })
    .await
}

/// An entered value that was empty.
pub(crate) fn empty_value(name: &str, env: &str) -> ApiError {
    ApiError {
        reason: Some(Reason::EmptyValue {
            name: name.to_owned(),
            env: env.to_owned(),
        }),
        ..ApiError::new(
            ErrorCode::Internal,
            format!("{name} of environment {env}: an empty value was not stored"),
        )
    }
}

/// A Reveal or Copy of a secret the keychain does not hold yet.
pub(crate) fn not_stored_yet(name: &str, env: &str) -> ApiError {
    ApiError {
        reason: Some(Reason::NotStoredYet {
            name: name.to_owned(),
            env: env.to_owned(),
        }),
        ..ApiError::new(
            ErrorCode::Internal,
            format!("{name} of environment {env} is not in the keychain yet: generate or enter it first"),
        )
    }
}

/// Why a short value is not stored. EnvDeck hides every stored value wherever it prints output;
/// a value shorter than [`MIN_MASKED_LEN`] would blank ordinary words and numbers all over a log, so
/// the masker skips it, and storing it would mean showing it. Generated values are always longer.
pub(crate) fn too_short(env: &str, names: &[&str], file: Option<&std::path::Path>) -> ApiError {
    let (names, env) = (names.join(", "), env.to_owned());
    let what = match file {
        Some(file) => format!("the value in {}", file.display()),
        None => "the value entered".to_owned(),
    };
    let message = format!(
        "{names} of environment {env}: {what} is shorter than {MIN_MASKED_LEN} characters, the least EnvDeck \
         can hide in logs and output; nothing was stored. Use a longer value (the service's own setting may \
         need changing too)"
    );
    let least = MIN_MASKED_LEN;
    let reason = match file {
        Some(file) => Reason::TooShortInFile {
            names,
            env,
            file: file.display().to_string(),
            least,
        },
        None => Reason::TooShort { names, env, least },
    };
    ApiError {
        reason: Some(reason),
        ..ApiError::new(ErrorCode::Internal, message)
    }
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
            None => Err(not_stored_yet(&name, &env)),
        },
    )
    .await
}

/// Generates what is missing (never over `data`: see [`generate_missing`]), then reads every stored
/// secret: what a Start injects. The caller holds the environment's writer lock for the whole Start, so
/// the values read are the values the containers get.
pub async fn values_for_start(
    writer: &Writer,
    project_id: &str,
    env: &str,
    specs: &[SecretSpec],
    data: &[String],
) -> Result<StartSecrets, ApiError> {
    generate_missing(writer, project_id, env, specs, data).await?;
    stored_values(project_id, env, specs).await
}

/// Reads every stored secret without generating any: what `config` shows (masked).
pub async fn stored_values(
    project_id: &str,
    env: &str,
    specs: &[SecretSpec],
) -> Result<StartSecrets, ApiError> {
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

/// Whether any of the environment's secrets is stored under `project_id` (an earlier EnvDeck's data).
pub(crate) async fn any_stored(project_id: &str, env: &str, specs: &[SecretSpec]) -> Result<bool, ApiError> {
    let (ns, specs) = (namespace(project_id, env)?, specs.to_vec());
    blocking(move || {
        for spec in &specs {
            if envdeck_vault::read(&ns, &spec.name)
                .map_err(vault_error)?
                .is_some()
            {
                return Ok(true);
            }
        }
        Ok(false)
    })
    .await
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
    ApiError {
        reason: crate::reason::Reason::of_vault(&e),
        ..ApiError::new(code, e.to_string())
    }
}

/// Overrides how long one keychain call may take, in seconds (tests; a slow corporate keychain).
pub const KEYCHAIN_WAIT_VAR: &str = "ENVDECK_KEYCHAIN_WAIT";
/// Long enough to read a consent prompt and answer it; then the operation gives up with a message
/// instead of freezing the window or holding the environment's writer lock.
const KEYCHAIN_WAIT: Duration = Duration::from_secs(60);

/// A keychain that did not answer within `seconds`: most often a prompt waiting for the person.
pub(crate) fn keychain_silent(seconds: u64) -> ApiError {
    ApiError {
        reason: Some(Reason::KeychainSilent { seconds }),
        ..ApiError::new(
            ErrorCode::KeychainUnavailable,
            format!(
                "the OS keychain did not answer within {seconds} s: it may be waiting for you (a prompt asking to \
                 allow EnvDeck, or a locked keyring asking for its password). Answer or unlock it, then try again"
            ),
        )
    }
}

/// Runs keychain work on the blocking pool (keyring's Secret Service client must not run on a tokio
/// worker thread), for at most [`KEYCHAIN_WAIT_VAR`] seconds: a keychain waiting for the person (a
/// macOS consent prompt, a locked keyring asking for its password) ends the operation with
/// `KeychainUnavailable` and what to do. The abandoned call finishes, or not, on its own thread.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let limit = std::env::var(KEYCHAIN_WAIT_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(KEYCHAIN_WAIT, Duration::from_secs);
    match tokio::time::timeout(limit, crate::blocking("a keychain operation", work)).await {
        Ok(result) => result,
        Err(_) => Err(keychain_silent(limit.as_secs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revealed_secret_never_debug_prints_its_value() {
        let revealed = RevealedSecret {
            name: "POSTGRES_PASSWORD".into(),
            value: "hunter2-very-secret".into(),
        };
        let printed = format!("{revealed:?}");
        assert!(
            printed.contains("POSTGRES_PASSWORD") && !printed.contains("hunter2"),
            "{printed}"
        );
    }
}
