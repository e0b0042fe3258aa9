//! `envdeck new --sample DIR`: writes the built-in sample project (the ContraVento-style stack) to a
//! new or empty folder, the terminal twin of the desktop's "Create project from sample".

use std::path::PathBuf;
use std::process::ExitCode;

use envdeck_api::{ApiError, error::ErrorCode};

#[derive(clap::Args)]
pub struct Args {
    /// Write the built-in sample project (the only kind `new` creates today).
    #[arg(long)]
    sample: bool,
    /// The folder to create; it must be new or empty.
    dir: PathBuf,
}

pub fn run(args: Args) -> super::Outcome {
    if !args.sample {
        return Err(ApiError::new(
            ErrorCode::Internal,
            "`envdeck new` creates the sample project only: run `envdeck new --sample DIR`",
        ));
    }
    let created = envdeck_api::sample::create(&args.dir)?;
    println!(
        "Created the ContraVento sample in {} ({} files).",
        created.dir, created.files
    );
    println!("Next: envdeck --project {} up local", created.dir);
    Ok(ExitCode::SUCCESS)
}
