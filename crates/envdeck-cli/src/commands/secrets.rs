//! `envdeck secrets ...`: an Environment's secrets from the terminal, the same operations the desktop's
//! secrets table offers (list, generate, rotate, reveal, import, export, enter), over envdeck-api.
//!
//! Values reach stdout only through `reveal`; every operation that destroys or spreads a value
//! (rotate, export) says what it implies and asks first unless `--yes`.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use envdeck_api::secrets::{self, SecretState};
use envdeck_api::{ApiError, environment, error::ErrorCode};
use envdeck_core::secret::{SecretSpec, SecretValue};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Each secret with its length, strength in bits, state and a masked value.
    List { env: String },
    /// Generate every missing secret into the OS keychain (existing ones are kept).
    Generate { env: String },
    /// Replace a generated secret with a new value, after saying what that breaks.
    Rotate {
        env: String,
        name: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Print one secret's value on stdout.
    Reveal { env: String, name: String },
    /// Store the Environment's secrets found in an existing `.env` file.
    Import {
        env: String,
        file: PathBuf,
        /// Replace secrets already in the keychain.
        #[arg(long)]
        overwrite: bool,
    },
    /// Write the Environment's secrets to a new `.env` file readable only by you.
    Export {
        env: String,
        file: PathBuf,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Store a value read from stdin (SMTP password, third-party key), replacing any previous one.
    Enter { env: String, name: String },
}

/// The keychain id and the secrets of one Environment: what every action needs.
struct Target {
    project_id: String,
    env: String,
    specs: Vec<SecretSpec>,
}

impl Target {
    fn open(project: &Path, env: &str) -> Result<Self, ApiError> {
        let opened = super::runtime().block_on(envdeck_api::project::open_identified(project))?;
        let specs = environment::specs(&opened, env)?;
        Ok(Self {
            project_id: environment::project_id(&opened)?.to_owned(),
            env: env.to_owned(),
            specs,
        })
    }

    fn spec(&self, name: &str) -> Result<&SecretSpec, ApiError> {
        environment::spec(&self.specs, &self.env, name)
    }
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    let rt = super::runtime();
    match args.action {
        Action::List { env } => {
            let t = Target::open(project, &env)?;
            let rows = rt.block_on(secrets::list(&t.project_id, &env, &t.specs))?;
            if rows.is_empty() {
                println!("environment {env} has no secrets");
                return Ok(ExitCode::SUCCESS);
            }
            println!("{:28} {:>6} {:>5} {:10} VALUE", "NAME", "LENGTH", "BITS", "STATE");
            for row in rows {
                let state = match row.state {
                    SecretState::Stored if row.weak => "stored (weak: rotate it)",
                    SecretState::Stored => "stored",
                    SecretState::Missing => "missing",
                    SecretState::ToEnter => "to enter",
                };
                println!(
                    "{:28} {:>6} {:>5} {:10} {}",
                    row.name,
                    row.length.map(|l| l.to_string()).unwrap_or_else(|| "-".into()),
                    row.bits.map(|b| b.to_string()).unwrap_or_else(|| "-".into()),
                    state,
                    row.masked.unwrap_or_else(|| "-".into())
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Generate { env } => {
            let report = rt.block_on(envdeck_api::environment::generate_secrets(project, &env))?;
            for name in &report.generated {
                println!("generated {name}");
            }
            for name in &report.already_stored {
                println!("kept      {name} (already in the keychain)");
            }
            for name in &report.to_enter {
                println!("to enter  {name}: run `envdeck secrets enter {env} {name}` and type its value");
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Rotate { env, name, yes } => {
            let t = Target::open(project, &env)?;
            let spec = t.spec(&name)?.clone();
            eprintln!("Rotating {name} of environment {env}:");
            for line in envdeck_core::secret::rotation_consequences(&name) {
                eprintln!("  - {line}");
            }
            if !yes && !confirm(&format!("Rotate {name}?"), "rotate")? {
                eprintln!("{name} not rotated");
                return Ok(ExitCode::FAILURE);
            }
            let rotation = rt.block_on(envdeck_api::environment::rotate_secret(project, &env, &spec.name))?;
            println!("rotated {} ({} bits)", rotation.name, rotation.bits);
            if let Some(service) = &rotation.changed_in {
                println!(
                    "changed in the database too (ALTER ROLE in service `{service}`); start {env} again so \
                     the other services get the new value"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Reveal { env, name } => {
            let t = Target::open(project, &env)?;
            t.spec(&name)?;
            let revealed = rt.block_on(secrets::reveal(&t.project_id, &env, &name))?;
            println!("{}", revealed.value);
            Ok(ExitCode::SUCCESS)
        }
        Action::Import { env, file, overwrite } => {
            let t = Target::open(project, &env)?;
            let report = rt.block_on(secrets::import_env_file(
                &t.project_id,
                &env,
                &t.specs,
                &file,
                overwrite,
            ))?;
            for name in &report.imported {
                println!("imported {name}");
            }
            for name in &report.kept_existing {
                println!("kept     {name} (already in the keychain; --overwrite replaces it)");
            }
            for name in &report.empty_in_file {
                println!("skipped  {name} (empty or a placeholder in {})", file.display());
            }
            for name in &report.weak {
                eprintln!("warning: {name} is weaker than 128 bits: rotate it when its services allow");
            }
            if report.ignored_keys > 0 {
                println!(
                    "{} other keys of {} are not secrets of {env} and were left alone",
                    report.ignored_keys,
                    file.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Export { env, file, yes } => {
            let t = Target::open(project, &env)?;
            eprintln!(
                "warning: {} will hold the secrets of environment {env} in plain text. Anyone who can read \
                 it has them: keep it out of version control and delete it when done.",
                file.display()
            );
            if !yes && !confirm(&format!("Write {}?", file.display()), "export")? {
                eprintln!("nothing exported");
                return Ok(ExitCode::FAILURE);
            }
            let report = rt.block_on(secrets::export_env_file(&t.project_id, &env, &t.specs, &file))?;
            println!(
                "wrote {} secrets to {} (readable only by you)",
                report.written.len(),
                report.path
            );
            for name in &report.not_stored {
                eprintln!("warning: {name} is not in the keychain: written as a comment");
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Enter { env, name } => {
            let t = Target::open(project, &env)?;
            t.spec(&name)?;
            if std::io::stdin().is_terminal() {
                eprintln!("Type the value of {name} and press Enter (Ctrl-D on an empty line to cancel):");
            }
            let value = read_value(&name)?;
            rt.block_on(secrets::enter(&t.project_id, &env, &name, value))?;
            println!("stored {name} in the keychain");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Asks on stderr, reads one line from stdin. No answer (stdin closed, as in a script) is a refusal
/// that names the flag, never a silent yes.
fn confirm(question: &str, verb: &str) -> Result<bool, ApiError> {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let read = std::io::stdin().lock().read_line(&mut answer).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("could not read the confirmation from stdin: {e}; pass --yes to {verb} without asking"),
        )
    })?;
    if read == 0 {
        eprintln!();
        return Err(ApiError::new(
            ErrorCode::Internal,
            format!(
                "no answer on stdin (not a terminal?): nothing done; pass --yes to {verb} without asking"
            ),
        ));
    }
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// The whole of stdin minus one trailing line break: a value typed or piped with `echo` is stored
/// without it, while inner spaces and newlines are kept.
fn read_value(name: &str) -> Result<SecretValue, ApiError> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("could not read the value of {name} from stdin (it must be UTF-8 text): {e}"),
        )
    })?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(SecretValue::new(text))
}
