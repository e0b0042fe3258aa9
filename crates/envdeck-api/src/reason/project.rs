//! The facts of a project whose files are wrong (a compose file, an env file, `envdeck.toml`, an
//! environment or secret they declare), typed so the window words them in the person's language. Each
//! names the file, line, key or service the core's message names; the parser's own words stay as they
//! are, as Docker's do.

use std::path::Path;

use envdeck_core::CoreError;
use serde::Serialize;

use super::Reason;
use crate::error::{ApiError, ErrorCode};

/// What is wrong with the project's files: the window says it from `reason.problem.<kind>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Problem {
    CannotRead {
        path: String,
        detail: String,
    },
    /// Not YAML: `said` is the parser's own words.
    Yaml {
        place: Place,
        said: String,
    },
    /// A key's value has the wrong shape.
    Invalid {
        at: At,
        expected: String,
        found: String,
    },
    RequiredVariable {
        at: At,
        variable: String,
        /// The project's own message, from `${VAR:?message}`.
        said: String,
    },
    Interpolation {
        at: At,
        text: String,
        detail: String,
    },
    UnknownDependency {
        file: String,
        service: String,
        dependency: String,
        known: String,
    },
    ExtendsUnknown {
        file: String,
        service: String,
        base: String,
        base_file: String,
        known: String,
    },
    ExtendsFile {
        file: String,
        service: String,
        path: String,
        detail: String,
    },
    ExtendsCycle {
        file: String,
        service: String,
        circle: String,
    },
    /// Two included files define the same `thing` (a word: service, network, volume).
    IncludedTwice {
        file: String,
        thing: String,
        name: String,
        first: String,
        second: String,
    },
    DependencyCycle {
        cycle: String,
    },
    UndeclaredVolume {
        file: String,
        service: String,
        volume: String,
    },
    EnvFile {
        file: String,
        #[ts(type = "number")]
        line: usize,
        detail: String,
    },
    Manifest {
        place: Place,
        detail: String,
    },
    NoComposeFile {
        dir: String,
    },
    UnknownEnvironment {
        id: String,
        known: String,
    },
    /// An environment id from a `[environments.…]` table that cannot name a stack or a keychain entry.
    EnvironmentIdOfTable {
        id: String,
        file: String,
    },
    /// The same, from an overlay file's name.
    EnvironmentIdOfFile {
        id: String,
        file: String,
    },
    NotDocker {
        id: String,
    },
    NoRandomness {
        detail: String,
    },
    WeakSecret {
        name: String,
        env: String,
        #[ts(type = "number")]
        length: usize,
        alphabet: String,
        bits: u32,
        #[ts(type = "number")]
        needed: usize,
    },
    SecretTooLong {
        name: String,
        env: String,
        #[ts(type = "number")]
        length: usize,
        #[ts(type = "number")]
        max: usize,
    },
}

/// A file, or a line of it (`reason.place.<kind>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Place {
    File {
        file: String,
    },
    Line {
        file: String,
        #[ts(type = "number")]
        line: usize,
    },
}

/// A key of a compose file, at its top level or inside a service (`reason.at.<kind>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum At {
    Key {
        file: String,
        key: String,
    },
    ServiceKey {
        file: String,
        service: String,
        key: String,
    },
}

/// The project's files are wrong: the core's message, and its facts when the window can word them.
impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        ApiError {
            reason: problem(&e).map(|problem| Reason::InvalidProject { problem }),
            ..ApiError::new(ErrorCode::InvalidProject, e.to_string())
        }
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

fn place(file: &Path, line: Option<usize>) -> Place {
    let file = shown(file);
    match line {
        Some(line) => Place::Line { file, line },
        None => Place::File { file },
    }
}

fn at(file: &Path, service: &Option<String>, key: &str) -> At {
    let (file, key) = (shown(file), key.to_owned());
    match service {
        Some(service) => At::ServiceKey {
            file,
            service: service.clone(),
            key,
        },
        None => At::Key { file, key },
    }
}

/// The facts of a core error; `None` for the one that is EnvDeck's own bug, and for a model that came
/// from no file (its message is shown as it is).
pub(super) fn problem(e: &CoreError) -> Option<Problem> {
    let s = String::clone;
    Some(match e {
        CoreError::Read { path, source } => Problem::CannotRead {
            path: shown(path),
            detail: source.to_string(),
        },
        CoreError::Yaml { file, line, message } => Problem::Yaml {
            place: place(file, *line),
            said: s(message),
        },
        CoreError::Invalid {
            file,
            service,
            key,
            expected,
            found,
        } => Problem::Invalid {
            at: at(file, service, key),
            expected: s(expected),
            found: s(found),
        },
        CoreError::RequiredVariable {
            file,
            service,
            key,
            variable,
            message,
        } => Problem::RequiredVariable {
            at: at(file, service, key),
            variable: s(variable),
            said: s(message),
        },
        CoreError::Interpolation {
            file,
            service,
            key,
            text,
            reason,
        } => Problem::Interpolation {
            at: at(file, service, key),
            text: format!("{text:?}"),
            detail: s(reason),
        },
        CoreError::UnknownDependency {
            file: Some(file),
            service,
            dependency,
            known,
        } => Problem::UnknownDependency {
            file: shown(file),
            service: s(service),
            dependency: s(dependency),
            known: s(known),
        },
        CoreError::ExtendsUnknown {
            file,
            service,
            base,
            base_file,
            known,
        } => Problem::ExtendsUnknown {
            file: shown(file),
            service: s(service),
            base: s(base),
            base_file: shown(base_file),
            known: s(known),
        },
        CoreError::ExtendsFile {
            file,
            service,
            path,
            reason,
        } => Problem::ExtendsFile {
            file: shown(file),
            service: s(service),
            path: shown(path),
            detail: s(reason),
        },
        CoreError::ExtendsCycle {
            file,
            service,
            circle,
        } => Problem::ExtendsCycle {
            file: shown(file),
            service: s(service),
            circle: s(circle),
        },
        CoreError::IncludedTwice {
            file,
            kind,
            name,
            first,
            second,
        } => Problem::IncludedTwice {
            file: shown(file),
            thing: s(kind),
            name: s(name),
            first: shown(first),
            second: shown(second),
        },
        CoreError::DependencyCycle { cycle } => Problem::DependencyCycle {
            cycle: cycle.join(" -> "),
        },
        CoreError::UndeclaredVolume {
            file,
            service,
            volume,
        } => Problem::UndeclaredVolume {
            file: shown(file),
            service: s(service),
            volume: s(volume),
        },
        CoreError::EnvFile { file, line, message } => Problem::EnvFile {
            file: shown(file),
            line: *line,
            detail: s(message),
        },
        CoreError::Manifest { file, line, message } => Problem::Manifest {
            place: place(file, *line),
            detail: s(message),
        },
        CoreError::NoComposeFile { dir } => Problem::NoComposeFile { dir: shown(dir) },
        CoreError::UnknownEnvironment { id, known } => Problem::UnknownEnvironment {
            id: s(id),
            known: s(known),
        },
        CoreError::InvalidEnvironmentId { file, id, declared } => {
            let (id, file) = (s(id), shown(file));
            if *declared {
                Problem::EnvironmentIdOfTable { id, file }
            } else {
                Problem::EnvironmentIdOfFile { id, file }
            }
        }
        CoreError::NotDocker { id } => Problem::NotDocker { id: s(id) },
        CoreError::Rng(detail) => Problem::NoRandomness { detail: s(detail) },
        CoreError::WeakSecret {
            env,
            name,
            length,
            alphabet,
            bits,
            needed,
        } => Problem::WeakSecret {
            name: s(name),
            env: s(env),
            length: *length,
            alphabet: (*alphabet).to_owned(),
            bits: *bits,
            needed: *needed,
        },
        CoreError::SecretTooLong {
            env,
            name,
            length,
            max,
        } => Problem::SecretTooLong {
            name: s(name),
            env: s(env),
            length: *length,
            max: *max,
        },
        _ => return None,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::path::PathBuf;

    /// One core error of each problem, as the core makes it.
    fn core_samples() -> Vec<CoreError> {
        let s = |text: &str| text.to_owned();
        let compose = || PathBuf::from("/home/dev/shop/compose.yaml");
        let io = || std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        vec![
            CoreError::Read {
                path: compose(),
                source: io(),
            },
            CoreError::Yaml {
                file: compose(),
                line: Some(12),
                message: s("did not find expected key while parsing a block mapping"),
            },
            CoreError::Yaml {
                file: compose(),
                line: None,
                message: s("the file nests deeper than 64 levels"),
            },
            CoreError::Invalid {
                file: compose(),
                service: Some(s("db")),
                key: s("ports"),
                expected: s("a list"),
                found: s("a string"),
            },
            CoreError::Invalid {
                file: compose(),
                service: None,
                key: s("volumes"),
                expected: s("a mapping"),
                found: s("a list"),
            },
            CoreError::RequiredVariable {
                file: compose(),
                service: Some(s("backend")),
                key: s("environment.DATABASE_URL"),
                variable: s("DB_HOST"),
                message: s("set DB_HOST in .env"),
            },
            CoreError::Interpolation {
                file: compose(),
                service: Some(s("backend")),
                key: s("command"),
                text: s("echo $ 5"),
                reason: s("a `$` that starts no variable; write `$$` for a literal dollar"),
            },
            CoreError::UnknownDependency {
                file: Some(compose()),
                service: s("worker"),
                dependency: s("redis"),
                known: s("db, backend, worker"),
            },
            CoreError::ExtendsUnknown {
                file: compose(),
                service: s("worker"),
                base: s("app"),
                base_file: PathBuf::from("/home/dev/shop/common.yaml"),
                known: s("base"),
            },
            CoreError::ExtendsFile {
                file: compose(),
                service: s("worker"),
                path: PathBuf::from("common.yaml"),
                reason: s("No such file or directory (os error 2)"),
            },
            CoreError::ExtendsCycle {
                file: compose(),
                service: s("a"),
                circle: s("a -> b -> a"),
            },
            CoreError::IncludedTwice {
                file: compose(),
                kind: s("volume"),
                name: s("pgdata"),
                first: PathBuf::from("/home/dev/shop/db/compose.yaml"),
                second: PathBuf::from("/home/dev/shop/cache/compose.yaml"),
            },
            CoreError::DependencyCycle {
                cycle: vec![s("backend"), s("worker"), s("backend")],
            },
            CoreError::UndeclaredVolume {
                file: compose(),
                service: s("db"),
                volume: s("pgdata"),
            },
            CoreError::EnvFile {
                file: PathBuf::from("/home/dev/shop/.env"),
                line: 4,
                message: s("`export` alone is not a KEY=value line"),
            },
            CoreError::Manifest {
                file: PathBuf::from("/home/dev/shop/envdeck.toml"),
                line: Some(3),
                message: s("unknown field `egine`, expected one of `engine`, `compose`"),
            },
            CoreError::NoComposeFile {
                dir: PathBuf::from("/home/dev/notes"),
            },
            CoreError::UnknownEnvironment {
                id: s("stagin"),
                known: s("local, staging, prod"),
            },
            CoreError::InvalidEnvironmentId {
                file: PathBuf::from("/home/dev/shop/envdeck.toml"),
                id: s("Prod EU"),
                declared: true,
            },
            CoreError::InvalidEnvironmentId {
                file: PathBuf::from("/home/dev/shop/docker-compose.Prod EU.yml"),
                id: s("Prod EU"),
                declared: false,
            },
            CoreError::NotDocker { id: s("sqlite") },
            CoreError::Rng(s("getrandom: unavailable")),
            CoreError::WeakSecret {
                env: s("local"),
                name: s("SECRET_KEY"),
                length: 16,
                alphabet: "hex [0-9a-f]",
                bits: 64,
                needed: 32,
            },
            CoreError::SecretTooLong {
                env: s("local"),
                name: s("SECRET_KEY"),
                length: 4000,
                max: 2560,
            },
        ]
    }

    /// Which problem a reason is: a new one fails to compile here until it has a sample.
    fn index(problem: &Problem) -> usize {
        match problem {
            Problem::CannotRead { .. } => 0,
            Problem::Yaml { .. } => 1,
            Problem::Invalid { .. } => 2,
            Problem::RequiredVariable { .. } => 3,
            Problem::Interpolation { .. } => 4,
            Problem::UnknownDependency { .. } => 5,
            Problem::ExtendsUnknown { .. } => 6,
            Problem::ExtendsFile { .. } => 7,
            Problem::ExtendsCycle { .. } => 8,
            Problem::IncludedTwice { .. } => 9,
            Problem::DependencyCycle { .. } => 10,
            Problem::UndeclaredVolume { .. } => 11,
            Problem::EnvFile { .. } => 12,
            Problem::Manifest { .. } => 13,
            Problem::NoComposeFile { .. } => 14,
            Problem::UnknownEnvironment { .. } => 15,
            Problem::EnvironmentIdOfTable { .. } => 16,
            Problem::EnvironmentIdOfFile { .. } => 17,
            Problem::NotDocker { .. } => 18,
            Problem::NoRandomness { .. } => 19,
            Problem::WeakSecret { .. } => 20,
            Problem::SecretTooLong { .. } => 21,
        }
    }

    /// One error of each problem, as the window receives it; every problem has one.
    pub(in crate::reason) fn samples() -> Vec<ApiError> {
        let errors: Vec<ApiError> = core_samples().into_iter().map(ApiError::from).collect();
        let mut seen = [false; 22];
        for error in &errors {
            let Some(Reason::InvalidProject { problem }) = &error.reason else {
                panic!("a problem for {}", error.message)
            };
            seen[index(problem)] = true;
        }
        assert!(seen.iter().all(|s| *s), "every problem has a sample: {seen:?}");
        errors
    }

    #[test]
    fn envdeck_own_bug_and_a_model_without_files_keep_their_english_message() {
        let bug = ApiError::from(CoreError::Unidentified);
        assert_eq!((bug.code, bug.reason), (ErrorCode::InvalidProject, None));
        let unfiled = ApiError::from(CoreError::UnknownDependency {
            file: None,
            service: "worker".into(),
            dependency: "redis".into(),
            known: "db".into(),
        });
        assert_eq!(unfiled.reason, None, "{}", unfiled.message);
    }
}
