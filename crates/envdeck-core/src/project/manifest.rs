//! `envdeck.toml`: the optional file a project adds to refine what EnvDeck infers from its compose files.
//! The format is documented, with a complete example, in docs/manifest.md.

use std::collections::BTreeMap;
use std::path::Path;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::CoreError;
use crate::compose::words;
use crate::secret::SecretRule;

pub const FILE_NAME: &str = "envdeck.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default)]
    pub project: ProjectInfo,
    /// In the order the picker shows them.
    #[serde(default)]
    pub environments: IndexMap<String, EnvironmentSpec>,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectInfo {
    /// The compose project name; the folder's name when absent.
    pub name: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
}

/// One `[environments.<id>]` table. With `command` it runs a host process instead of Docker.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    pub label: Option<String>,
    pub description: Option<String>,
    /// Compose files, relative to the project; default: the base file and `docker-compose.<id>.yml`.
    pub compose_files: Option<Vec<String>>,
    /// Env files, first wins; default: `.env.<id>` then `.env.<id>.example`.
    pub env_files: Option<Vec<String>>,
    /// Compose profiles to activate.
    #[serde(default)]
    pub profiles: Vec<String>,
    /// A Docker engine other than the local one (`ssh://deploy@host`, `tcp://host:2376`,
    /// `context:NAME`), checked when the project loads.
    pub engine: Option<super::Endpoint>,
    /// `false` reaches a `tcp://` engine over plain HTTP, unencrypted and unauthenticated: whoever
    /// reaches that port runs containers as root there. Only with a `tcp://` engine; default TLS.
    pub engine_tls: Option<bool>,
    /// Per-secret rules (`[environments.<id>.secrets.<NAME>]`).
    #[serde(default)]
    pub secrets: BTreeMap<String, SecretRule>,
    /// Host command of a non-Docker environment (a string split like a shell, or a list).
    pub command: Option<CommandSpec>,
    /// Working directory of `command`, relative to the project.
    pub cwd: Option<String>,
    /// Environment variables of `command`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// URL that answers once the environment is up (`http://localhost:8000/health`).
    pub health_url: Option<String>,
    /// What the environment roughly takes, as the project's people measured it: shown on its card.
    pub estimate: Option<Estimate>,
    /// How exposed it is (`development`, `staging`, `production`); default: from its id (`prod` and
    /// `production` are production, `staging` and `stage` staging). Staging and production start only
    /// while their security checklist passes.
    pub exposure: Option<crate::checklist::Exposure>,
}

/// Memory and start-up time an environment needs, measured by the project (`docker stats`, a stopwatch),
/// never guessed by EnvDeck: without one the card shows none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Estimate {
    /// Resident memory of the running environment, in megabytes.
    pub memory_mb: Option<u32>,
    /// Seconds from Start until every service is healthy, images already present.
    pub startup_seconds: Option<u32>,
}

/// A command as a string (`"alembic upgrade head"`) or a list of arguments.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum CommandSpec {
    Line(String),
    Args(Vec<String>),
}

impl CommandSpec {
    /// The argument list; `None` when a quote in the string form is left open.
    pub fn args(&self) -> Option<Vec<String>> {
        match self {
            CommandSpec::Line(line) => words::split(line),
            CommandSpec::Args(args) => Some(args.clone()),
        }
    }
}

/// A button that opens a URL (MailHog, pgAdmin, API docs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub label: String,
    pub url: String,
    /// The service that must be running for the link to work.
    pub service: Option<String>,
    /// Environments where it applies; all when empty.
    #[serde(default)]
    pub environments: Vec<String>,
}

/// A one-click command run inside a service (migrations, a test user, a backup).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: String,
    pub label: String,
    pub description: Option<String>,
    /// The service to run it in; on the host when absent (process environments).
    pub service: Option<String>,
    pub command: CommandSpec,
    #[serde(default)]
    pub environments: Vec<String>,
}

impl Manifest {
    pub fn parse(file: &Path, text: &str) -> Result<Self, CoreError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| CoreError::Manifest {
            file: file.to_path_buf(),
            line: e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().to_string(),
        })?;
        manifest.check(file)?;
        Ok(manifest)
    }

    fn check(&self, file: &Path) -> Result<(), CoreError> {
        let fail = |message: String| CoreError::Manifest {
            file: file.to_path_buf(),
            line: None,
            message,
        };
        for (id, env) in &self.environments {
            if let Some(estimate) = &env.estimate {
                let figures = [estimate.memory_mb, estimate.startup_seconds];
                if figures.iter().all(Option::is_none) {
                    return Err(fail(format!(
                        "environments.{id}.estimate: give memory_mb, startup_seconds or both"
                    )));
                }
                if figures.contains(&Some(0)) {
                    return Err(fail(format!(
                        "environments.{id}.estimate: figures are positive whole numbers (megabytes, seconds)"
                    )));
                }
            }
            if let Some(command) = &env.command {
                if command.args().is_none_or(|a| a.is_empty()) {
                    return Err(fail(format!(
                        "environments.{id}.command: expected a command with balanced quotes"
                    )));
                }
                if env.compose_files.is_some() {
                    return Err(fail(format!(
                        "environments.{id}: `command` (host process) and `compose_files` (Docker) exclude each other"
                    )));
                }
            }
            // The probe is plain HTTP on this machine: a local dev server rarely has a certificate a
            // client would trust, and a probe that skipped the check would teach nothing.
            if let Some(url) = &env.health_url
                && !url.starts_with("http://")
            {
                return Err(fail(format!(
                    "environments.{id}.health_url: {url} is not an http:// address; EnvDeck probes the local \
                     process over plain HTTP (e.g. http://127.0.0.1:8000/health)"
                )));
            }
        }
        for task in &self.tasks {
            if task.command.args().is_none_or(|a| a.is_empty()) {
                return Err(fail(format!(
                    "tasks `{}`: expected a command with balanced quotes",
                    task.id
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_health_url_is_plain_http() {
        let parse = |t: &str| Manifest::parse(Path::new("envdeck.toml"), t);
        let err = parse(
            "[environments.sqlite]\ncommand = \"uvicorn app:app\"\nhealth_url = \"https://127.0.0.1:8443/health\"\n",
        )
        .expect_err("https is refused before anything starts");
        let text = err.to_string();
        assert!(
            text.contains("environments.sqlite.health_url") && text.contains("http://"),
            "names the key and the form that works: {text}"
        );
        parse("[environments.sqlite]\ncommand = \"uvicorn app:app\"\nhealth_url = \"http://127.0.0.1:8000/health\"\n")
            .expect("plain http parses");
    }

    #[test]
    fn an_estimate_is_optional_and_never_empty_or_zero() {
        let parse = |t: &str| Manifest::parse(Path::new("envdeck.toml"), t);
        let m = parse("[environments.local]\nestimate = { memory_mb = 500, startup_seconds = 10 }\n")
            .expect("a full estimate parses");
        assert_eq!(
            m.environments["local"].estimate,
            Some(Estimate {
                memory_mb: Some(500),
                startup_seconds: Some(10)
            })
        );
        let m = parse("[environments.local]\nestimate = { startup_seconds = 3 }\n")
            .expect("one figure is enough");
        assert_eq!(m.environments["local"].estimate.and_then(|e| e.memory_mb), None);
        assert!(
            parse("[environments.local]\n").unwrap().environments["local"]
                .estimate
                .is_none()
        );
        for bad in [
            "estimate = {}",
            "estimate = { memory_mb = 0 }",
            "estimate = { ram = 500 }",
        ] {
            assert!(
                parse(&format!("[environments.local]\n{bad}\n")).is_err(),
                "`{bad}` says nothing true, so it is refused"
            );
        }
    }

    #[test]
    fn a_typo_is_reported_with_its_line() {
        let err = Manifest::parse(
            Path::new("envdeck.toml"),
            "[environments.local]\nlabel = \"x\"\nlabl = \"y\"\n",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("line 3") && text.contains("labl"),
            "unknown keys are typos worth reporting: {text}"
        );
    }

    #[test]
    fn secret_rules_and_process_environments_parse() {
        let m = Manifest::parse(
            Path::new("envdeck.toml"),
            "[environments.sqlite]\ncommand = \"uvicorn src.main:app --reload\"\ncwd = \"backend\"\n[environments.prod.secrets.SECRET_KEY]\nlength = 128\n",
        )
        .unwrap();
        assert_eq!(m.environments["prod"].secrets["SECRET_KEY"].length, Some(128));
        assert_eq!(
            m.environments["sqlite"]
                .command
                .as_ref()
                .and_then(CommandSpec::args)
                .map(|a| a.len()),
            Some(3)
        );
    }
}
