//! `envdeck ps ENV [--format json]`: each Service's containers with state, health and published ports.

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::environment;

#[derive(clap::Args)]
pub struct Args {
    /// The Environment to show.
    env: String,
    /// `table` (default) or `json`.
    #[arg(long, default_value = "table")]
    format: String,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    // Containers, or the host process of a `command` Environment.
    let rows = super::runtime().block_on(environment::ps(project, &args.env))?;
    if args.format == "json" {
        println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:12} {:36} {:10} {:10} PORTS",
        "SERVICE", "CONTAINER", "STATE", "HEALTH"
    );
    for row in rows {
        let ports: Vec<String> = row
            .ports
            .iter()
            .map(|p| {
                format!(
                    "{}:{}->{}/{}",
                    p.host_ip, p.host_port, p.container_port, p.protocol
                )
            })
            .collect();
        let health = serde_json::to_value(row.health)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        println!(
            "{:12} {:36} {:10} {:10} {}",
            row.service,
            row.container,
            row.state,
            health,
            ports.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
