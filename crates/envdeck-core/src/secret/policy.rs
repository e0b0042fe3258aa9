//! Which variables of an environment are secrets, how each is supplied (generated or entered by a
//! person) and how strong a generated one must be.
//!
//! Detection, from the environment's template (`.env.<env>.example`):
//! - by name: contains `SECRET`, `PASSWORD`, `PASSWD` or `TOKEN`, or ends with `_KEY`;
//! - except names that configure a secret rather than hold one: the last word is a setting such as
//!   `ALGORITHM`, `EXPIRE_MINUTES`, `LENGTH`, `ROUNDS`, `FILE`, `PATH` (`SECRET_KEY_ALGORITHM`,
//!   `ACCESS_TOKEN_EXPIRE_MINUTES`, `POSTGRES_PASSWORD_FILE`), or the template value is a number or a
//!   boolean (`TOKEN_ROTATION=true`);
//! - by value: a placeholder (`YOUR_...`, `changeme`, `change_me`, `<...>`) makes any variable one a
//!   person must enter, since EnvDeck cannot invent a domain or an e-mail address. An empty value
//!   alone does not: empty is how templates spell "optional" (`SENTRY_DSN=`).
//!
//! Credentials issued by someone else (SMTP, third-party API keys, cloud access keys) are detected
//! but marked "to be entered": a random SMTP password is never the right one.
//! A manifest [`SecretRule`] overrides every one of these decisions per environment.

use indexmap::IndexMap;

use super::rule::{Alphabet, SecretRule};
use crate::CoreError;

/// The least entropy EnvDeck accepts for a generated secret.
pub const MIN_BITS: f64 = 128.0;

/// The longest value EnvDeck stores, in characters: Windows Credential Manager keeps 2560 bytes of
/// UTF-16. Enforced on every platform so a project behaves the same everywhere.
pub const MAX_LENGTH: usize = 1280;

/// How a generated secret is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strength {
    pub length: usize,
    pub alphabet: Alphabet,
}

impl Strength {
    /// Entropy of a value drawn uniformly with this strength, rounded down.
    pub fn bits(&self) -> u32 {
        (self.length as f64 * self.alphabet.bits_per_char()).floor() as u32
    }
}

/// Where a secret's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supply {
    /// EnvDeck generates it from the OS CSPRNG.
    Generate(Strength),
    /// A person enters it (SMTP credentials, third-party API keys); never generated.
    Enter,
}

/// One secret variable of one environment, as the policy decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretSpec {
    pub name: String,
    pub supply: Supply,
}

/// Decides the secrets of environment `env` from its template (key, template value pairs, in file
/// order) and the manifest's rules for that environment.
///
/// A rule may name a variable the template lacks: it is then a secret of the environment too.
/// Errors when a generated secret would be weaker than 128 bits, or longer than [`MAX_LENGTH`].
pub fn secret_specs(
    env: &str,
    template: &[(String, String)],
    rules: &IndexMap<String, SecretRule>,
) -> Result<Vec<SecretSpec>, CoreError> {
    let mut specs = Vec::new();
    let template_names = template.iter().map(|(k, v)| (k.as_str(), Some(v.as_str())));
    let rule_only = rules
        .keys()
        .filter(|name| !template.iter().any(|(k, _)| k == *name))
        .map(|name| (name.as_str(), None));
    for (name, value) in template_names.chain(rule_only) {
        let rule = rules.get(name);
        let detected = detect(name, value.unwrap_or(""));
        let is_secret = match rule.and_then(|r| r.secret) {
            Some(explicit) => explicit,
            None => rule.is_some() || detected.is_some(),
        };
        if !is_secret {
            continue;
        }
        let generate = rule
            .and_then(|r| r.generate)
            .unwrap_or(detected != Some(Detected::MustEnter));
        let supply = if generate {
            let strength = Strength {
                length: rule
                    .and_then(|r| r.length)
                    .unwrap_or_else(|| default_length(env, name)),
                alphabet: rule.and_then(|r| r.alphabet).unwrap_or_default(),
            };
            check_strength(env, name, &strength)?;
            Supply::Generate(strength)
        } else {
            Supply::Enter
        };
        specs.push(SecretSpec {
            name: name.to_owned(),
            supply,
        });
    }
    Ok(specs)
}

/// Refuses a strength under [`MIN_BITS`] or over [`MAX_LENGTH`], naming the variable and environment.
pub fn check_strength(env: &str, name: &str, strength: &Strength) -> Result<(), CoreError> {
    let bits = strength.length as f64 * strength.alphabet.bits_per_char();
    if bits < MIN_BITS {
        let needed = (MIN_BITS / strength.alphabet.bits_per_char()).ceil() as usize;
        return Err(CoreError::WeakSecret {
            env: env.to_owned(),
            name: name.to_owned(),
            length: strength.length,
            alphabet: strength.alphabet.name(),
            bits: strength.bits(),
            needed,
        });
    }
    if strength.length > MAX_LENGTH {
        return Err(CoreError::SecretTooLong {
            env: env.to_owned(),
            name: name.to_owned(),
            length: strength.length,
            max: MAX_LENGTH,
        });
    }
    Ok(())
}

/// An upper bound on the entropy of a value EnvDeck did not generate (imported or entered): its
/// length times the bits of the smallest of the usual alphabets that contains all its characters.
/// `password123` gets 65; a real password may have far less than this bound, never more.
pub fn estimated_bits(value: &str) -> u32 {
    let per_char = if value.bytes().all(|b| Alphabet::Hex.chars().contains(&b)) {
        Alphabet::Hex.bits_per_char()
    } else if value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Alphabet::Alphanumeric.bits_per_char()
    } else if value.bytes().all(|b| Alphabet::UrlSafe.chars().contains(&b)) {
        Alphabet::UrlSafe.bits_per_char()
    } else if value.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        95f64.log2()
    } else {
        8.0
    };
    (value.chars().count() as f64 * per_char).floor() as u32
}

/// Why the heuristics think a variable is a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detected {
    /// EnvDeck may generate it.
    Generate,
    /// Someone else issues it, or the template asks a person for it.
    MustEnter,
}

/// Words that, as the last part of a name, make it a setting about a secret, not a secret.
const SETTING_SUFFIXES: &[&str] = &[
    "ALGORITHM",
    "ALG",
    "EXPIRE",
    "EXPIRES",
    "MINUTES",
    "HOURS",
    "DAYS",
    "SECONDS",
    "TTL",
    "LIFETIME",
    "LENGTH",
    "ROUNDS",
    "FILE",
    "PATH",
    "DIR",
    "URL",
    "ENABLED",
    "TYPE",
    "HEADER",
    "NAME",
];

/// Parts of a name that mark a credential issued by a third party.
const ISSUED_ELSEWHERE: &[&str] = &["SMTP", "API_KEY", "ACCESS_KEY", "AWS_", "STRIPE", "SENDGRID"];

fn detect(name: &str, value: &str) -> Option<Detected> {
    let upper = name.to_ascii_uppercase();
    let secret_name = ["SECRET", "PASSWORD", "PASSWD", "TOKEN"]
        .iter()
        .any(|w| upper.contains(w))
        || upper.ends_with("_KEY");
    let last_word = upper.rsplit('_').next().unwrap_or("");
    let is_setting = SETTING_SUFFIXES.contains(&last_word) || is_number_or_bool(value);
    let issued_elsewhere = ISSUED_ELSEWHERE.iter().any(|w| upper.contains(w))
        || upper.starts_with("MAIL_")
        || upper.starts_with("EMAIL_HOST");
    match (secret_name && !is_setting, is_placeholder(value)) {
        (true, _) if issued_elsewhere => Some(Detected::MustEnter),
        (true, _) => Some(Detected::Generate),
        (false, true) => Some(Detected::MustEnter),
        (false, false) => None,
    }
}

fn is_number_or_bool(value: &str) -> bool {
    let v = value.trim();
    (!v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))
        || ["true", "false", "yes", "no", "on", "off"]
            .iter()
            .any(|b| v.eq_ignore_ascii_case(b))
}

/// A template value that asks a person to replace it.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.starts_with("your_")
        || v.starts_with("your-")
        || ["changeme", "change_me", "change-me", "replace_me", "replaceme"]
            .iter()
            .any(|p| v.starts_with(p))
        || (v.starts_with('<') && v.ends_with('>') && v.len() > 2)
}

/// The default lengths: the session key grows with the environment's
/// exposure, database passwords grow in production, everything else gets 32 characters (192 bits).
fn default_length(env: &str, name: &str) -> usize {
    let upper = name.to_ascii_uppercase();
    let tier = match env.to_ascii_lowercase().as_str() {
        "prod" | "production" => Tier::Production,
        "staging" | "stage" => Tier::Staging,
        _ => Tier::Development,
    };
    let is_database_password = matches!(
        upper.as_str(),
        "POSTGRES_PASSWORD" | "DB_PASSWORD" | "DATABASE_PASSWORD"
    );
    if upper.contains("SECRET") {
        match tier {
            Tier::Development => 64,
            Tier::Staging => 96,
            Tier::Production => 128,
        }
    } else if is_database_password && tier == Tier::Production {
        48
    } else {
        32
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Development,
    Staging,
    Production,
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
