//! A secret's value in memory: it cannot be printed, logged or serialized by accident, and its bytes
//! are wiped when it is dropped (held in `secrecy`'s `SecretString`, a maintained crate, not a
//! home-made wrapper).
//!
//! It lives in the core (not the vault) because generation and masking, both pure, produce and consume
//! it; the vault re-exports it.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A secret value. `Debug` and `Display` print `<redacted>`; there is deliberately no `Serialize`,
/// so it cannot reach the UI, a log line or a JSON file except through [`SecretValue::expose`].
///
/// ```compile_fail
/// // Refusing to serialize is the point: this must not compile.
/// fn needs_serialize<T: serde::Serialize>() {}
/// needs_serialize::<envdeck_core::secret::SecretValue>();
/// ```
#[derive(Clone)]
pub struct SecretValue(SecretString);

impl SecretValue {
    /// Takes ownership of `value`; its buffer is wiped when this `SecretValue` is dropped.
    pub fn new(value: String) -> Self {
        Self(SecretString::from(value))
    }

    /// The plain text, for the few places that must have it: the keychain write, the container's
    /// environment, an explicit export or reveal. Do not format it into messages.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Length in characters (what a person counts), not bytes.
    pub fn char_len(&self) -> usize {
        self.expose().chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl PartialEq for SecretValue {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for SecretValue {}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let v = SecretValue::new("hunter2-very-secret".into());
        assert_eq!(
            format!("{v}"),
            "<redacted>",
            "Display is what log lines and messages use"
        );
        assert_eq!(
            format!("{v:?}"),
            "<redacted>",
            "Debug is what `{{:?}}` and tracing fields use"
        );
        assert_eq!(
            format!("{:?}", vec![v.clone()]),
            "[<redacted>]",
            "containers print items via Debug"
        );
        assert_eq!(
            v.expose(),
            "hunter2-very-secret",
            "expose is the one door to the value"
        );
    }
}
