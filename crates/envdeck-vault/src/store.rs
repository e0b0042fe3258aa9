//! Reading, writing and deleting one secret in the OS keychain.
//!
//! Writes and deletes go through one process-wide lock: Secret Service and Windows Credential Manager
//! handle concurrent writers poorly, and `store_if_absent` must check and write as one step so two
//! callers cannot both generate (the second overwriting a value the first already handed out).

use std::sync::{Mutex, MutexGuard};

use crate::error::{Action, Doing};
use crate::namespace::check_variable;
use crate::{Namespace, SecretValue, VaultError};

/// Windows Credential Manager's limit (`CRED_MAX_CREDENTIAL_BLOB_SIZE`), passwords stored as UTF-16.
pub const MAX_VALUE_BYTES: usize = 2560;

static WRITER: Mutex<()> = Mutex::new(());

fn writer() -> MutexGuard<'static, ()> {
    // The lock guards no data, only the order of keychain calls: a panic while holding it leaves
    // nothing inconsistent behind, so a poisoned lock is still usable.
    WRITER.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn doing(action: Action, ns: &Namespace, name: &str) -> Doing {
    Doing {
        action,
        name: name.to_owned(),
        env: ns.env().to_owned(),
        service: ns.service(),
    }
}

fn entry(ns: &Namespace, name: &str, doing: &Doing) -> Result<keyring::Entry, VaultError> {
    check_variable(name)?;
    let entry =
        keyring::Entry::new(&ns.service(), name).map_err(|e| VaultError::from_keyring(doing.clone(), e))?;
    // keyring hands out in-memory mock credentials when no platform store was compiled in.
    if entry
        .get_credential()
        .downcast_ref::<keyring::mock::MockCredential>()
        .is_some()
    {
        return Err(VaultError::NoPlatformStore { doing: doing.clone() });
    }
    Ok(entry)
}

/// The stored value, `None` only when the keychain answered that there is no such entry.
/// Any failure to answer is an error: callers must never treat it as "absent".
pub fn read(ns: &Namespace, name: &str) -> Result<Option<SecretValue>, VaultError> {
    let doing = doing(Action::Read, ns, name);
    read_entry(&entry(ns, name, &doing)?, doing)
}

fn read_entry(entry: &keyring::Entry, doing: Doing) -> Result<Option<SecretValue>, VaultError> {
    match asked_again_if_dropped(|| entry.get_password()) {
        Ok(value) => Ok(Some(SecretValue::new(value))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(VaultError::from_keyring(doing, e)),
    }
}

/// Stores `value`, replacing any previous one.
pub fn write(ns: &Namespace, name: &str, value: &SecretValue) -> Result<(), VaultError> {
    let doing = doing(Action::Store, ns, name);
    let entry = entry(ns, name, &doing)?;
    let _turn = writer();
    write_entry(&entry, value, doing)
}

fn write_entry(entry: &keyring::Entry, value: &SecretValue, doing: Doing) -> Result<(), VaultError> {
    let bytes = value.expose().encode_utf16().count() * 2;
    if bytes > MAX_VALUE_BYTES {
        return Err(VaultError::TooLong {
            doing,
            bytes,
            max: MAX_VALUE_BYTES,
        });
    }
    asked_again_if_dropped(|| entry.set_password(value.expose()))
        .map_err(|e| VaultError::from_keyring(doing, e))
}

/// Deletes the entry; `false` when there was none.
pub fn delete(ns: &Namespace, name: &str) -> Result<bool, VaultError> {
    let doing = doing(Action::Delete, ns, name);
    let entry = entry(ns, name, &doing)?;
    let _turn = writer();
    match asked_again_if_dropped(|| entry.delete_credential()) {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(VaultError::from_keyring(doing, e)),
    }
}

/// Asks the keychain once more when its daemon went away without answering: gnome-keyring (42 to 50 at
/// least) aborts now and then when clients come and go quickly, and the session's bus starts it again
/// on the next call. The same question again, so nothing is written twice or generated because of it; a
/// keychain that comes back locked says so on the second answer.
pub(crate) fn asked_again_if_dropped<T>(call: impl Fn() -> keyring::Result<T>) -> keyring::Result<T> {
    match call() {
        Err(keyring::Error::PlatformFailure(e)) if went_away(e.as_ref()) => {
            tracing::warn!("the keychain's daemon went away without answering ({e}); asking once more");
            std::thread::sleep(std::time::Duration::from_millis(100));
            call()
        }
        other => other,
    }
}

/// The words of a daemon that ended with the call unanswered (D-Bus's `NoReply`), or of the new daemon
/// the bus started in its place, which does not know the session the call opened with the old one
/// (the Secret Service's `NoSession`): keyring passes the D-Bus error on as text only.
fn went_away(e: &(dyn std::error::Error + Send + Sync)) -> bool {
    let said = e.to_string();
    said.contains("disconnected from message bus without replying")
        || said.contains("The session does not exist")
}

/// What `store_if_absent` found.
#[derive(Debug)]
pub enum Stored {
    /// The keychain already held a value; it is returned and nothing was written.
    Existing(SecretValue),
    /// There was definitely no entry; `make`'s value was stored.
    Created(SecretValue),
}

impl Stored {
    pub fn value(&self) -> &SecretValue {
        match self {
            Stored::Existing(v) | Stored::Created(v) => v,
        }
    }

    pub fn into_value(self) -> SecretValue {
        match self {
            Stored::Existing(v) | Stored::Created(v) => v,
        }
    }
}

/// Returns the stored value, or calls `make` and stores its value when, and only when, the keychain
/// answered that the entry does not exist. A read that fails returns the error without calling
/// `make`: a keychain that is locked or gone must never lead to a new secret over one that may exist.
pub fn store_if_absent(
    ns: &Namespace,
    name: &str,
    make: impl FnOnce() -> Result<SecretValue, envdeck_core::CoreError>,
) -> Result<Stored, VaultError> {
    let entry = entry(ns, name, &doing(Action::Read, ns, name))?;
    let _turn = writer();
    if let Some(existing) = read_entry(&entry, doing(Action::Read, ns, name))? {
        return Ok(Stored::Existing(existing));
    }
    let value = make()?;
    write_entry(&entry, &value, doing(Action::Store, ns, name))?;
    Ok(Stored::Created(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str) -> Box<dyn std::error::Error + Send + Sync> {
        text.into()
    }

    #[test]
    fn a_daemon_that_went_away_or_was_replaced_is_asked_again_and_nothing_else_is() {
        assert!(went_away(
            said("DBus error: Remote peer disconnected from message bus without replying").as_ref()
        ));
        assert!(
            went_away(said("DBus error: The session does not exist").as_ref()),
            "a new daemon that does not know the old one's session"
        );
        assert!(!went_away(
            said("DBus error: Cannot create an item in a locked collection").as_ref()
        ));
    }
}
