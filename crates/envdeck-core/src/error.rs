//! The one error enum of the core: every variant says which file, line or key is wrong and what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A project file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A compose file is not valid YAML (or expands aliases beyond the safety limit).
    #[error("{}{}: invalid YAML: {message}", file.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Yaml {
        file: PathBuf,
        line: Option<usize>,
        message: String,
    },
    /// A key of a compose file has a value of the wrong shape.
    #[error("{}: {}`{key}`: expected {expected}, found {found}", file.display(), in_service(service))]
    Invalid {
        file: PathBuf,
        service: Option<String>,
        key: String,
        expected: String,
        found: String,
    },
    /// `${VAR:?message}` or `${VAR?message}` named a variable that is not set.
    #[error("{}: {}`{key}`: required variable {variable} is not set: {message}", file.display(), in_service(service))]
    RequiredVariable {
        file: PathBuf,
        service: Option<String>,
        key: String,
        variable: String,
        message: String,
    },
    /// A `$` that starts no variable: compose wants `$$` for a literal dollar.
    #[error("{}: {}`{key}`: invalid interpolation in {text:?}: {reason}", file.display(), in_service(service))]
    Interpolation {
        file: PathBuf,
        service: Option<String>,
        key: String,
        text: String,
        reason: String,
    },
    /// `depends_on` names a service no compose file defines.
    #[error("{}service `{service}`: `depends_on` names `{dependency}`, which no compose file defines (services: {known})", file.as_ref().map(|f| format!("{}: ", f.display())).unwrap_or_default())]
    UnknownDependency {
        /// The compose file, when the model came from files.
        file: Option<PathBuf>,
        service: String,
        dependency: String,
        known: String,
    },
    /// `extends` names a service that its file does not define.
    #[error(
        "{}: service `{service}`: `extends` names service `{base}` of {}, which that file does not define \
         (its services: {known}); fix the name, or add `file:` for a service of another file",
        file.display(),
        base_file.display()
    )]
    ExtendsUnknown {
        file: PathBuf,
        service: String,
        base: String,
        base_file: PathBuf,
        known: String,
    },
    /// `extends.file` names a file that cannot be read.
    #[error(
        "{}: service `{service}`: `extends.file` {} cannot be read ({reason}); its path is relative to the folder of {}",
        file.display(),
        path.display(),
        file.display()
    )]
    ExtendsFile {
        file: PathBuf,
        service: String,
        path: PathBuf,
        reason: String,
    },
    /// A chain of `extends` that comes back to a service it passed.
    #[error(
        "{}: service `{service}`: `extends` goes round in a circle: {circle}; remove one `extends` of it",
        file.display()
    )]
    ExtendsCycle {
        file: PathBuf,
        service: String,
        circle: String,
    },
    /// Two included projects (or an earlier file and an included project) define the same name.
    #[error(
        "{}: `include`: {kind} `{name}` is defined by both {} and {}; rename one of them (a service {} defines \
         itself is merged over an included one instead)",
        file.display(),
        first.display(),
        second.display(),
        file.display()
    )]
    IncludedTwice {
        file: PathBuf,
        kind: String,
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
    /// Services that wait for each other: none could start first.
    #[error("dependency cycle between services: {}; remove one `depends_on` entry", cycle.join(" -> "))]
    DependencyCycle { cycle: Vec<String> },
    /// A service mounts a named volume that the top-level `volumes:` does not declare.
    #[error("{}: service `{service}`: volume `{volume}` is used but not declared under the top-level `volumes:`", file.display())]
    UndeclaredVolume {
        file: PathBuf,
        service: String,
        volume: String,
    },
    /// A line of an env file that is not `KEY=value`.
    #[error("{}, line {line}: {message}", file.display())]
    EnvFile {
        file: PathBuf,
        line: usize,
        message: String,
    },
    /// `envdeck.toml` is not valid TOML or does not follow docs/manifest.md.
    #[error("{}{}: {message}", file.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Manifest {
        file: PathBuf,
        line: Option<usize>,
        message: String,
    },
    /// The folder has no compose file and its manifest declares no environment.
    #[error("{} has no compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml, and no envdeck.toml environment", dir.display())]
    NoComposeFile { dir: PathBuf },
    /// An environment id that the project does not have.
    #[error("no environment `{id}` in this project (environments: {known})")]
    UnknownEnvironment { id: String, known: String },
    /// An environment id that cannot name a stack, a keychain entry or a file safely.
    #[error(
        "environment id `{id}` ({}) must be lowercase letters, digits, `-` or `_`, start with a letter or \
         digit and be at most 40 characters: {}",
        file.display(),
        if *declared { "rename its `[environments.…]` table" } else { "rename the overlay file, e.g. to docker-compose.prod-eu.yml" }
    )]
    InvalidEnvironmentId {
        file: PathBuf,
        id: String,
        declared: bool,
    },
    /// A project's stacks and secrets were asked for before EnvDeck gave the folder its identity (a bug).
    #[error("internal: this project was opened without its identity; its stacks and secrets cannot be named")]
    Unidentified,
    /// The environment runs a host process: it has no compose model.
    #[error("environment `{id}` runs a host command, not Docker: it has no compose model")]
    NotDocker { id: String },
    /// The operating system's random number generator failed; EnvDeck never falls back to a weaker one.
    #[error("the operating system's secure random generator failed ({0}); no secret was generated")]
    Rng(String),
    /// A generated secret's length and alphabet give less than 128 bits.
    #[error(
        "secret {name} of environment {env} would be too weak: {length} characters of {alphabet} give {bits} bits, \
         EnvDeck requires 128; set `length = {needed}` or more under [environments.{env}.secrets.{name}] in envdeck.toml"
    )]
    WeakSecret {
        env: String,
        name: String,
        length: usize,
        alphabet: &'static str,
        bits: u32,
        needed: usize,
    },
    /// A secret longer than every keychain can hold (Windows keeps 2560 bytes of UTF-16).
    #[error(
        "secret {name} of environment {env} is {length} characters long; keychains hold at most {max} \
         (Windows' limit, applied everywhere): lower `length` under [environments.{env}.secrets.{name}] in envdeck.toml"
    )]
    SecretTooLong {
        env: String,
        name: String,
        length: usize,
        max: usize,
    },
}

/// `service `web`, ` when the error is inside a service, nothing at the top level.
fn in_service(service: &Option<String>) -> String {
    service
        .as_ref()
        .map(|s| format!("service `{s}`, "))
        .unwrap_or_default()
}
