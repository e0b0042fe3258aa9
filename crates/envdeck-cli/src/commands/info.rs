//! `envdeck info`: the version, whether Docker and the keychain answer, and (in a project folder)
//! whether each host-process Environment's program is installed.

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::app_info::{Reachability, app_info};
use envdeck_api::host::check_programs;

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    let info = super::runtime().block_on(app_info());
    // In a project folder, each host-process Environment's program is checked too ("uvicorn is not
    // installed: ..."); anywhere else there is nothing to check.
    let programs = check_programs(project).unwrap_or_default();
    if args.json {
        let mut json = serde_json::to_value(&info).unwrap_or_default();
        json["host_programs"] = serde_json::to_value(&programs).unwrap_or_default();
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
    } else {
        println!("EnvDeck {}", info.version);
        let rows = [
            ("docker".to_owned(), &info.docker),
            ("keychain".to_owned(), &info.keychain),
        ];
        let host_rows = programs.iter().map(|p| (p.environment.clone(), &p.status));
        for (name, r) in rows.into_iter().chain(host_rows) {
            match r {
                Reachability::Reachable { detail } => println!("{name:9} ok    {detail}"),
                Reachability::Unreachable { reason, .. } => println!("{name:9} FAIL  {reason}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
