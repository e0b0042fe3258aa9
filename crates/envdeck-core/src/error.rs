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
    /// The operating system's random number generator failed; EnvDeck never falls back to a weaker one.
    #[error("the operating system's secure random generator failed ({0}); no secret was generated")]
    Rng(String),
    /// `depends_on` loops back on itself: no Service of the loop could ever start.
    #[error("the services {} depend on each other in a cycle: remove one of their `depends_on` entries", services.join(", "))]
    DependencyCycle { services: Vec<String> },
    /// A Service depends on one the Environment does not define.
    #[error("service `{service}` depends on `{dependency}`, which this environment does not define")]
    UnknownDependency { service: String, dependency: String },
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
