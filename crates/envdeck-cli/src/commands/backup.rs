//! `envdeck backup ENV [FILE]`, `envdeck backup ENV --list` and `envdeck restore ENV FILE [--yes]`:
//! the database of an Environment to a file and back. Restore replaces data, so it asks first.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use envdeck_api::backup;
use envdeck_api::error::{ApiError, ErrorCode};

#[derive(clap::Args)]
pub struct Args {
    /// The Environment whose database is dumped.
    env: String,
    /// Where to write (never overwritten); default backups/ENV/ENV-<UTC time>.sql.gz in the project.
    file: Option<PathBuf>,
    /// List the backups in backups/ENV/ instead of making one.
    #[arg(long, conflicts_with = "file")]
    list: bool,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The Environment whose database is replaced.
    env: String,
    /// A .sql.gz made by `envdeck backup`.
    file: PathBuf,
    /// Do not ask: replace the data without confirmation (scripts).
    #[arg(long)]
    yes: bool,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    if args.list {
        let files = backup::list(project, &args.env)?;
        if files.is_empty() {
            println!("no backups in {}", backup::folder(project, &args.env).display());
        }
        for f in files {
            println!("{:<40} {:>12} bytes  {}", f.name, f.bytes, f.path);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let written = super::runtime().block_on(backup::backup(project, &args.env, args.file))?;
    println!("backed up {} to {}", args.env, written.display());
    Ok(ExitCode::SUCCESS)
}

pub fn restore(project: &Path, args: RestoreArgs) -> super::Outcome {
    if !args.yes && !confirmed(&args.env, &args.file)? {
        println!("nothing restored");
        return Ok(ExitCode::FAILURE);
    }
    super::runtime().block_on(backup::restore(project, &args.env, &args.file))?;
    println!("restored {} into {}", args.file.display(), args.env);
    Ok(ExitCode::SUCCESS)
}

/// The person types the Environment's name, as for wiping volumes: a reflexive "y" is not enough to
/// replace a database.
fn confirmed(env: &str, file: &Path) -> Result<bool, ApiError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(ApiError::new(
            ErrorCode::Internal,
            format!(
                "restore replaces the data of `{env}` and needs a confirmation, but there is no terminal to ask on; pass --yes to restore without asking"
            ),
        ));
    }
    print!(
        "Restoring {} replaces the database of `{env}`: tables in the backup are dropped and recreated.\nType `{env}` to confirm: ",
        file.display()
    );
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("reading the confirmation failed: {e}"),
        )
    })?;
    Ok(answer.trim() == env)
}
