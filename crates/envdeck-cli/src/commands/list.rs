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
    // Columns as wide as their longest entry, so a long label never shifts the next column.
    let id_width = environments
        .iter()
        .map(|e| e.id.chars().count())
        .chain([2])
        .max()
        .unwrap_or(2);
    let label_width = environments
        .iter()
        .map(|e| e.label.chars().count())
        .chain([5])
        .max()
        .unwrap_or(5);
    println!(
        "{:<id_width$}  {:<label_width$}  {:<7}  SERVICES",
        "ID", "LABEL", "KIND"
    );
    for env in environments {
        let kind = match env.kind {
            EnvironmentKind::Docker { .. } => "docker",
            EnvironmentKind::Process { .. } => "process",
        };
        println!(
            "{:<id_width$}  {:<label_width$}  {:<7}  {}",
            env.id,
            env.label,
            kind,
            env.services.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
