//! What the app shows before a project is open: its version, and whether Docker and the keychain answer.

use envdeck_engine::EngineError;
use serde::Serialize;

use crate::ApiError;
use crate::reason::Reason;

/// The About line and the first two rows of the doctor.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AppInfo {
    pub version: String,
    pub docker: Reachability,
    pub keychain: Reachability,
}

/// Whether a dependency answered, and what it said either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum Reachability {
    Reachable {
        detail: String,
    },
    Unreachable {
        reason: String,
        /// The reason's facts, for the window to word in the person's language (see [`Reason`]).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        because: Option<Reason>,
    },
}

impl Reachability {
    /// Did not answer, for the reason an error gives.
    pub fn failed(e: ApiError) -> Self {
        Reachability::Unreachable {
            reason: e.message,
            because: e.reason,
        }
    }

    /// Did not answer, for a reason said only in English.
    pub fn unreachable(reason: impl Into<String>) -> Self {
        Reachability::Unreachable {
            reason: reason.into(),
            because: None,
        }
    }
}

/// The platform's keychain by its product name: the doctor's detail, the same in every UI language.
const KEYCHAIN_NAME: &str = if cfg!(target_os = "macos") {
    "macOS Keychain"
} else if cfg!(windows) {
    "Windows Credential Manager"
} else {
    "Secret Service"
};

/// Asks Docker for its version and makes a throwaway keychain round trip.
pub async fn app_info() -> AppInfo {
    let docker = match envdeck_engine::docker::connect().await {
        Ok(d) => match envdeck_engine::docker::info(&d).await {
            Ok(i) => Reachability::Reachable {
                detail: format!("Docker {} (API {})", i.version, i.api_version),
            },
            Err(e) => Reachability::failed(ApiError::from(EngineError::from(e))),
        },
        Err(e) => Reachability::failed(ApiError::from(EngineError::from(e))),
    };
    // keyring's Secret Service client blocks: keep it off the async workers.
    // A keychain waiting for the person (a consent prompt) is reported after the keychain time limit.
    let keychain = match crate::secrets::blocking(|| Ok(envdeck_vault::probe::probe())).await {
        Ok(status) => keychain_row(status),
        Err(e) => Reachability::failed(e),
    };
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        docker,
        keychain,
    }
}

/// The doctor's keychain row; a keychain that is not there carries its facts for the window.
pub(crate) fn keychain_row(status: envdeck_vault::probe::KeychainStatus) -> Reachability {
    let Some(problem) = status.problem() else {
        return Reachability::Reachable {
            detail: KEYCHAIN_NAME.into(),
        };
    };
    let because = match status {
        envdeck_vault::probe::KeychainStatus::NotAvailable { detail } => {
            Some(Reason::KeychainNotAvailable { detail })
        }
        _ => None,
    };
    Reachability::Unreachable {
        reason: problem,
        because,
    }
}
