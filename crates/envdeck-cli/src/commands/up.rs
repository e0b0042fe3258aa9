//! `envdeck up ENV`: start an Environment, printing each Step; Ctrl-C stops cleanly and a later `up`
//! continues where this one stopped.

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::environment;

use super::progress::print;

#[derive(clap::Args)]
pub struct Args {
    /// The Environment to start (e.g. `local`).
    env: String,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    super::runtime().block_on(async {
        tokio::select! {
            report = environment::start(project, &args.env, print) => {
                let report = report?;
                println!("{} is up: {} services", args.env, report.services.len());
                Ok(ExitCode::SUCCESS)
            }
            _ = tokio::signal::ctrl_c() => {
                eprintln!("cancelled: nothing is half-made; run `envdeck up {}` again to continue", args.env);
                Ok(ExitCode::from(130))
            }
        }
    })
}
