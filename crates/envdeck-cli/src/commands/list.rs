//! `envdeck list`: the environments the project folder offers, and where each runs.

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
    // Where each runs: a server's engine is named, so a staging stack is never taken for a local one.
    let place = |env: &envdeck_core::Environment| match env.engine.is_local() {
        true => "this machine".to_owned(),
        false => env.engine.to_string(),
    };
    let place_width = environments
        .iter()
        .map(|e| place(e).chars().count())
        .chain([7])
        .max()
        .unwrap_or(7);
    println!(
        "{:<id_width$}  {:<label_width$}  {:<7}  {:<place_width$}  SERVICES",
        "ID", "LABEL", "KIND", "RUNS ON"
    );
    for env in &environments {
        let kind = match env.kind {
            EnvironmentKind::Docker { .. } => "docker",
            EnvironmentKind::Process { .. } => "process",
        };
        println!(
            "{:<id_width$}  {:<label_width$}  {:<7}  {:<place_width$}  {}",
            env.id,
            env.label,
            kind,
            place(env),
            env.services.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
