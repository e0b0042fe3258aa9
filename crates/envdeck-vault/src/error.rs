//! The vault's one error enum: every message says what EnvDeck was doing with the keychain and what
//! the person can do about it.

/// What EnvDeck was doing with the keychain when it failed, as facts: the message reads it as "read
/// SECRET_KEY of environment local (keychain service envdeck:shop:local)", and a window can word it in
/// its own language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doing {
    pub action: Action,
    pub name: String,
    pub env: String,
    pub service: String,
}

/// The keychain operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Store,
    Delete,
}

impl Action {
    /// The verb, as the English message says it.
    pub fn verb(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Store => "store",
            Action::Delete => "delete",
        }
    }
}

impl std::fmt::Display for Doing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} of environment {} (keychain service {})",
            self.action.verb(),
            self.name,
            self.env,
            self.service
        )
    }
}

/// A keychain operation failed; each message starts with what EnvDeck was [`Doing`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// No keychain answered: no Secret Service on this Linux session (headless, WSL), no D-Bus.
    #[error(
        "could not {doing}: no OS keychain answered ({detail}). On Linux, install and start a Secret \
         Service such as GNOME Keyring or KWallet in your desktop session (WSL and headless servers have \
         none by default). EnvDeck never keeps secrets in memory or in files instead."
    )]
    Unavailable { doing: Doing, detail: String },
    /// The keychain is locked, a prompt asking to unlock it or allow access was denied or cancelled, or
    /// (Secret Service started on demand with no keyring, as on WSL) there is no default collection.
    #[error(
        "could not {doing}: the OS keychain is locked, refused access or has no default keyring ({detail}). \
         Unlock it (log in to the desktop session, or accept the keychain's prompt instead of cancelling \
         it); on Linux without a desktop, create and unlock a default keyring (for example with \
         `gnome-keyring-daemon --unlock`). Then try again."
    )]
    NoAccess { doing: Doing, detail: String },
    /// The value is longer than Windows Credential Manager can hold; enforced on every platform.
    #[error(
        "could not {doing}: the value takes {bytes} bytes as UTF-16 and keychains hold at most {max} \
         (Windows' limit, applied on every platform); use a shorter value"
    )]
    TooLong { doing: Doing, bytes: usize, max: usize },
    /// Something else wrote a non-text value under EnvDeck's name.
    #[error(
        "could not {doing}: the keychain holds a value that is not text; rotate it in EnvDeck or delete it in your keychain app"
    )]
    NotText { doing: Doing },
    /// Several keychain entries match one secret (made by another tool).
    #[error(
        "could not {doing}: the keychain holds {count} entries for it; delete the duplicates in your keychain app"
    )]
    Ambiguous { doing: Doing, count: usize },
    /// A project id, environment or variable name cannot be part of a keychain name.
    #[error("the {what} `{value}` cannot name a keychain entry: {reason}")]
    InvalidName {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
    /// This build has no real keychain for the platform and would keep secrets in memory.
    #[error(
        "could not {doing}: this build of EnvDeck has no OS keychain for this platform and refuses to keep secrets in memory"
    )]
    NoPlatformStore { doing: Doing },
    /// Any other keychain failure, with its own words.
    #[error("could not {doing}: the OS keychain failed: {detail}")]
    Keychain { doing: Doing, detail: String },
    /// A new secret could not be generated; nothing was written.
    #[error(transparent)]
    Generate(#[from] envdeck_core::CoreError),
}

impl VaultError {
    /// Maps keyring's error for the operation described by `doing`. `NoEntry` must be handled by the
    /// caller before this: it is an answer, not an error.
    pub(crate) fn from_keyring(doing: Doing, e: keyring::Error) -> Self {
        match e {
            // Secret Service reports a write into a locked collection as a plain D-Bus error, which
            // keyring files under PlatformFailure: its text is the only sign the keychain is there but locked.
            keyring::Error::PlatformFailure(inner)
                if inner.to_string().to_ascii_lowercase().contains("locked") =>
            {
                VaultError::NoAccess {
                    doing,
                    detail: inner.to_string(),
                }
            }
            keyring::Error::PlatformFailure(inner) => VaultError::Unavailable {
                doing,
                detail: inner.to_string(),
            },
            keyring::Error::NoStorageAccess(inner) => VaultError::NoAccess {
                doing,
                detail: inner.to_string(),
            },
            keyring::Error::BadEncoding(_) => VaultError::NotText { doing },
            keyring::Error::Ambiguous(items) => VaultError::Ambiguous {
                doing,
                count: items.len(),
            },
            keyring::Error::TooLong(attr, max) => VaultError::Keychain {
                doing,
                detail: format!("{attr} is longer than the platform's limit of {max}"),
            },
            other => VaultError::Keychain {
                doing,
                detail: other.to_string(),
            },
        }
    }
}
