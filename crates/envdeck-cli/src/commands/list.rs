//! `envdeck list`: the environments the project folder offers.

use std::path::Path;
use std::process::ExitCode;

use envdeck_core::EnvironmentKind;

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    let environments = envdeck_api::project::environments(project)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&environments).unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<16} {:<28} {:<8} SERVICES", "ID", "LABEL", "KIND");
    for env in environments {
        let kind = match env.kind {
            EnvironmentKind::Docker { .. } => "docker",
            EnvironmentKind::Process { .. } => "process",
        };
        println!(
            "{:<16} {:<28} {:<8} {}",
            env.id,
            env.label,
            kind,
            env.services.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
