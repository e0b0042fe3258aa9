//! A project's own word on one secret, as written in `envdeck.toml` under
//! `[environments.<env>.secrets.<NAME>]`. Defaults come from the policy; a rule only refines them.

use serde::Deserialize;

/// The characters a generated secret is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alphabet {
    /// `[A-Za-z0-9_-]`: 6 bits a character, safe in compose files, `.env` files and URLs.
    #[default]
    UrlSafe,
    /// `[A-Za-z0-9]`: for systems that reject `-` or `_`.
    Alphanumeric,
    /// `[0-9a-f]`: 4 bits a character.
    Hex,
}

/// A manifest override for one secret variable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRule {
    /// Characters to generate; must give at least 128 bits with the alphabet.
    pub length: Option<usize>,
    pub alphabet: Option<Alphabet>,
    /// `false` for secrets a person enters (SMTP credentials): EnvDeck asks, never generates.
    pub generate: Option<bool>,
    /// `false` to declare that a variable the name heuristics flag is not a secret after all.
    pub secret: Option<bool>,
}

impl Alphabet {
    /// The characters themselves, in the order generation indexes them.
    pub fn chars(self) -> &'static [u8] {
        match self {
            Alphabet::UrlSafe => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
            Alphabet::Alphanumeric => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            Alphabet::Hex => b"0123456789abcdef",
        }
    }

    /// Entropy of one uniformly drawn character.
    pub fn bits_per_char(self) -> f64 {
        (self.chars().len() as f64).log2()
    }

    /// The name a person reads in the manifest and in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Alphabet::UrlSafe => "url-safe [A-Za-z0-9_-]",
            Alphabet::Alphanumeric => "alphanumeric [A-Za-z0-9]",
            Alphabet::Hex => "hex [0-9a-f]",
        }
    }
}

impl Alphabet {
    /// Whether every character of `value` belongs to this alphabet.
    pub fn admits(self, value: &str) -> bool {
        value.bytes().all(|b| self.chars().contains(&b))
    }
}
