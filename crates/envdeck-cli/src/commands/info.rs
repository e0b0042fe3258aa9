//! `envdeck info`: the version, and whether Docker and the keychain answer.

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::app_info::{Reachability, app_info};

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(_project: &Path, args: Args) -> super::Outcome {
    let info = super::runtime().block_on(app_info());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info).unwrap_or_default());
    } else {
        println!("EnvDeck {}", info.version);
        for (name, r) in [("docker", &info.docker), ("keychain", &info.keychain)] {
            match r {
                Reachability::Reachable { detail } => println!("{name:9} ok    {detail}"),
                Reachability::Unreachable { reason } => println!("{name:9} FAIL  {reason}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
