//! One rule for where a managed secret's value comes from, for containers and host processes alike: the
//! keychain's value wins over the shell, the project's env files, a service's `env_file:` or
//! `environment:` and a host environment's `env` table. Another value found in one of those is reported
//! (a warning on Start, a doctor line) naming the variable and where it was, never the value, and it
//! never reaches the container or the process.
//!
//! An empty value or a template placeholder (`changeme`, `<your key>`) is what templates hold: no
//! conflict.

use std::fmt;

use serde::Serialize;

use super::SecretValue;
use super::policy::is_placeholder;
use crate::compose::{ComposeModel, Layer};

/// A managed secret also set, to another value, somewhere the keychain's value wins over. The window
/// gets it as a [`crate::progress::Notice`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub variable: String,
    /// Where the other value was.
    pub source: Source,
}

impl Conflict {
    /// As facts the window words in the person's language.
    pub fn notice(&self) -> crate::progress::Notice {
        crate::progress::Notice::SecretElsewhere {
            variable: self.variable.clone(),
            source: self.source.clone(),
        }
    }
}

/// Where else a managed secret was set (`reason.source.<kind>` in the window).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Source {
    /// The environment EnvDeck was started from.
    Shell,
    /// One of the project's env files (`.env.local`).
    File { name: String },
    /// A service's `env_file:` or `environment:`.
    Service { name: String },
    /// A host environment's `env` table in envdeck.toml.
    Manifest { env: String },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Shell => f.write_str("your shell (the environment EnvDeck was started from)"),
            Source::File { name } => f.write_str(name),
            Source::Service { name } => write!(f, "service `{name}` (env_file: or environment:)"),
            Source::Manifest { env } => write!(f, "envdeck.toml [environments.{env}] env"),
        }
    }
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is also set in {}, to another value: EnvDeck uses the keychain's. Remove it there, or put \
             that value in the keychain with `envdeck secrets enter`",
            self.variable, self.source
        )
    }
}

/// Where a layer is, in a conflict: the process environment is the person's shell, another layer one
/// of the project's env files.
fn source_of(layer: &Layer) -> Source {
    if layer.source == crate::compose::variables::PROCESS_ENV {
        Source::Shell
    } else {
        Source::File {
            name: layer.source.clone(),
        }
    }
}

fn differs(found: &str, managed: &SecretValue) -> bool {
    let trimmed = found.trim();
    !trimmed.is_empty() && !is_placeholder(trimmed) && found != managed.expose()
}

/// Each layer (the shell, an env file) that sets a managed secret to another value.
pub fn in_layers<'a>(
    layers: impl IntoIterator<Item = &'a Layer>,
    secrets: &[(String, SecretValue)],
) -> Vec<Conflict> {
    layers
        .into_iter()
        .flat_map(|layer| in_layer(layer, source_of(layer), secrets))
        .collect()
}

/// Each variable of host environment `env`'s `env` table in envdeck.toml (`table`) that sets a managed
/// secret to another value.
pub fn in_manifest(env: &str, table: &Layer, secrets: &[(String, SecretValue)]) -> Vec<Conflict> {
    in_layer(table, Source::Manifest { env: env.to_owned() }, secrets)
}

fn in_layer(layer: &Layer, source: Source, secrets: &[(String, SecretValue)]) -> Vec<Conflict> {
    secrets
        .iter()
        .filter(|(name, managed)| layer.get(name).is_some_and(|found| differs(found, managed)))
        .map(|(name, _)| Conflict {
            variable: name.clone(),
            source: source.clone(),
        })
        .collect()
}

/// Gives every service variable named like a managed secret the keychain's value (a service's
/// `env_file:` and `environment:` included; a bare `- NAME` too); returns where another value was
/// replaced. Services that do not name a secret do not get it.
pub fn enforce(model: &mut ComposeModel, secrets: &[(String, SecretValue)]) -> Vec<Conflict> {
    let mut conflicts = Vec::new();
    for (service_name, service) in &mut model.services {
        for (name, managed) in secrets {
            let Some(value) = service.environment.get_mut(name) else {
                continue;
            };
            if value.as_deref().is_some_and(|found| differs(found, managed)) {
                conflicts.push(Conflict {
                    variable: name.clone(),
                    source: Source::Service {
                        name: service_name.clone(),
                    },
                });
            }
            *value = Some(managed.expose().to_owned());
        }
    }
    conflicts
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::compose::Service;

    fn secrets() -> Vec<(String, SecretValue)> {
        vec![(
            "DB_PASSWORD".to_owned(),
            SecretValue::new("from-the-keychain-1".into()),
        )]
    }

    fn service(env: &[(&str, Option<&str>)]) -> Service {
        Service {
            environment: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
                .collect(),
            ..Service::default()
        }
    }

    #[test]
    fn the_keychain_wins_in_every_service_that_names_the_secret_and_only_there() {
        let mut model = ComposeModel {
            name: "p".into(),
            services: BTreeMap::from([
                (
                    "api".to_owned(),
                    service(&[("DB_PASSWORD", Some("from-an-env-file"))]),
                ),
                ("bare".to_owned(), service(&[("DB_PASSWORD", None)])),
                (
                    "same".to_owned(),
                    service(&[("DB_PASSWORD", Some("from-the-keychain-1"))]),
                ),
                (
                    "template".to_owned(),
                    service(&[("DB_PASSWORD", Some("changeme"))]),
                ),
                ("other".to_owned(), service(&[("DEBUG", Some("1"))])),
            ]),
            networks: BTreeMap::new(),
            volumes: BTreeMap::new(),
            warnings: Vec::new(),
        };
        let conflicts = enforce(&mut model, &secrets());
        for name in ["api", "bare", "same", "template"] {
            assert_eq!(
                model.services[name].environment["DB_PASSWORD"].as_deref(),
                Some("from-the-keychain-1"),
                "{name}"
            );
        }
        assert!(!model.services["other"].environment.contains_key("DB_PASSWORD"));
        assert_eq!(
            conflicts,
            vec![Conflict {
                variable: "DB_PASSWORD".into(),
                source: Source::Service { name: "api".into() }
            }],
            "only a real other value is reported"
        );
    }

    #[test]
    fn a_shell_or_file_value_is_reported_by_its_source_never_by_its_value() {
        let shell = Layer::new(
            crate::compose::variables::PROCESS_ENV,
            [("DB_PASSWORD".to_owned(), "from-the-shell-2".to_owned())],
        );
        let file = Layer::new(".env.local", [("DB_PASSWORD".to_owned(), String::new())]);
        let conflicts = in_layers([&shell, &file], &secrets());
        assert_eq!(
            conflicts.len(),
            1,
            "an empty value in a file is no conflict: {conflicts:?}"
        );
        assert_eq!(conflicts[0].source, Source::Shell);
        let text = conflicts[0].to_string();
        assert!(
            text.contains("DB_PASSWORD") && text.contains("your shell"),
            "{text}"
        );
        assert!(
            !text.contains("from-the-shell") && !text.contains("from-the-keychain"),
            "{text}"
        );
    }
}
