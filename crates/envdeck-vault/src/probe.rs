//! Is the keychain usable right now? Answered by a real write, read and delete of a throwaway entry.

use crate::store::asked_again_if_dropped;

/// Outcome of a keychain probe, with the reason when it is not usable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum KeychainStatus {
    Usable,
    Unusable(String),
}

/// Writes, reads back and deletes a throwaway entry under EnvDeck's probe service name.
pub fn probe() -> KeychainStatus {
    let entry = match keyring::Entry::new("envdeck:probe", "probe") {
        Ok(e) => e,
        Err(e) => return KeychainStatus::Unusable(describe(&e)),
    };
    let outcome = asked_again_if_dropped(|| entry.set_password("probe"))
        .and_then(|()| asked_again_if_dropped(|| entry.get_password()));
    let _ = asked_again_if_dropped(|| entry.delete_credential());
    match outcome {
        Ok(v) if v == "probe" => KeychainStatus::Usable,
        Ok(_) => KeychainStatus::Unusable("the keychain returned a different value than was stored".into()),
        Err(e) => KeychainStatus::Unusable(describe(&e)),
    }
}

fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => format!(
            "the OS keychain is not available ({e}). On Linux, install and unlock a Secret Service such as GNOME Keyring or KWallet."
        ),
        other => format!("the OS keychain failed: {other}"),
    }
}
