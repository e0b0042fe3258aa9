//! Is the keychain usable right now? Answered by a real write, read and delete of a throwaway entry.

use crate::store::asked_again_if_dropped;

/// Outcome of a keychain probe, with the reason when it is not usable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum KeychainStatus {
    Usable,
    /// No keychain answered, or it refused access: `detail` is the platform's own words.
    NotAvailable {
        detail: String,
    },
    /// Anything else, said in English.
    Unusable(String),
}

impl KeychainStatus {
    /// What is wrong and what to do, in English; `None` when the keychain is usable.
    pub fn problem(&self) -> Option<String> {
        match self {
            KeychainStatus::Usable => None,
            KeychainStatus::NotAvailable { detail } => Some(format!(
                "the OS keychain is not available ({detail}). On Linux, install and unlock a Secret Service such as GNOME Keyring or KWallet."
            )),
            KeychainStatus::Unusable(text) => Some(text.clone()),
        }
    }
}

/// Writes, reads back and deletes a throwaway entry under EnvDeck's probe service name.
pub fn probe() -> KeychainStatus {
    let entry = match keyring::Entry::new("envdeck:probe", "probe") {
        Ok(e) => e,
        Err(e) => return status_of(e),
    };
    let outcome = asked_again_if_dropped(|| entry.set_password("probe"))
        .and_then(|()| asked_again_if_dropped(|| entry.get_password()));
    let _ = asked_again_if_dropped(|| entry.delete_credential());
    match outcome {
        Ok(v) if v == "probe" => KeychainStatus::Usable,
        Ok(_) => KeychainStatus::Unusable("the keychain returned a different value than was stored".into()),
        Err(e) => status_of(e),
    }
}

fn status_of(e: keyring::Error) -> KeychainStatus {
    match e {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => {
            KeychainStatus::NotAvailable {
                detail: e.to_string(),
            }
        }
        other => KeychainStatus::Unusable(format!("the OS keychain failed: {other}")),
    }
}
