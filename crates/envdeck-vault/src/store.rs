//! Reading, writing and deleting one secret in the OS keychain.
//!
//! Writes and deletes go through one process-wide lock: Secret Service and Windows Credential Manager
//! handle concurrent writers poorly, and `store_if_absent` must check and write as one step so two
//! callers cannot both generate (the second overwriting a value the first already handed out).

use std::sync::{Mutex, MutexGuard};

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

fn doing(verb: &str, ns: &Namespace, name: &str) -> String {
    format!(
        "{verb} {name} of environment {} (keychain service {})",
        ns.env(),
        ns.service()
    )
}

fn entry(ns: &Namespace, name: &str, doing: &str) -> Result<keyring::Entry, VaultError> {
    check_variable(name)?;
    let entry = keyring::Entry::new(&ns.service(), name)
        .map_err(|e| VaultError::from_keyring(doing.to_owned(), e))?;
    // keyring hands out in-memory mock credentials when no platform store was compiled in.
    if entry
        .get_credential()
        .downcast_ref::<keyring::mock::MockCredential>()
        .is_some()
    {
        return Err(VaultError::NoPlatformStore {
            doing: doing.to_owned(),
        });
    }
    Ok(entry)
}

/// The stored value, `None` only when the keychain answered that there is no such entry.
/// Any failure to answer is an error: callers must never treat it as "absent".
pub fn read(ns: &Namespace, name: &str) -> Result<Option<SecretValue>, VaultError> {
    let doing = doing("read", ns, name);
    read_entry(&entry(ns, name, &doing)?, doing)
}

fn read_entry(entry: &keyring::Entry, doing: String) -> Result<Option<SecretValue>, VaultError> {
    match entry.get_password() {
        Ok(value) => Ok(Some(SecretValue::new(value))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(VaultError::from_keyring(doing, e)),
    }
}

/// Stores `value`, replacing any previous one.
pub fn write(ns: &Namespace, name: &str, value: &SecretValue) -> Result<(), VaultError> {
    let doing = doing("store", ns, name);
    let entry = entry(ns, name, &doing)?;
    let _turn = writer();
    write_entry(&entry, value, doing)
}

fn write_entry(entry: &keyring::Entry, value: &SecretValue, doing: String) -> Result<(), VaultError> {
    let bytes = value.expose().encode_utf16().count() * 2;
    if bytes > MAX_VALUE_BYTES {
        return Err(VaultError::TooLong {
            doing,
            bytes,
            max: MAX_VALUE_BYTES,
        });
    }
    entry
        .set_password(value.expose())
        .map_err(|e| VaultError::from_keyring(doing, e))
}

/// Deletes the entry; `false` when there was none.
pub fn delete(ns: &Namespace, name: &str) -> Result<bool, VaultError> {
    let doing = doing("delete", ns, name);
    let entry = entry(ns, name, &doing)?;
    let _turn = writer();
    match entry.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(VaultError::from_keyring(doing, e)),
    }
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
    let entry = entry(ns, name, &doing("read", ns, name))?;
    let _turn = writer();
    if let Some(existing) = read_entry(&entry, doing("read", ns, name))? {
        return Ok(Stored::Existing(existing));
    }
    let value = make()?;
    write_entry(&entry, &value, doing("store", ns, name))?;
    Ok(Stored::Created(value))
}
