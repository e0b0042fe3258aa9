//! `envdeck down ENV [--volumes --confirm ENV]`: stop and remove the stack; data stays unless the
//! Environment's name is typed again. A server's staging or production environment needs the name
//! typed to stop at all (`--confirm ENV`, or asked on the terminal).

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::environment;
use envdeck_api::stack::RemoveVolumes;

use super::progress::print;

#[derive(clap::Args)]
pub struct Args {
    /// The Environment to stop.
    env: String,
    /// Also delete the Environment's volumes (its data). Needs --confirm with the Environment's name.
    #[arg(long, requires = "confirm")]
    volumes: bool,
    /// The Environment's name, typed again: to delete its data, and to stop a server's staging or
    /// production environment (asked on the terminal otherwise).
    #[arg(long)]
    confirm: Option<String>,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    let (volumes, typed) = match (args.volumes, args.confirm) {
        (true, Some(typed_name)) => (RemoveVolumes::Confirmed { typed_name }, None),
        (_, confirm) => (
            RemoveVolumes::Keep,
            super::server_confirmation(project, &args.env, confirm, "stopping it removes"),
        ),
    };
    let stop = environment::stop_confirmed(project, &args.env, volumes, typed.as_deref(), print);
    let report = super::runtime().block_on(stop)?;
    if environment::runs_on_host(project, &args.env)? {
        if report.containers.is_empty() {
            println!("{} is down: it was not running", args.env);
        } else {
            println!("{} is down: {} stopped", args.env, report.containers.join(", "));
        }
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} is down: {} containers and {} networks removed, {} volumes deleted",
        args.env,
        report.containers.len(),
        report.networks.len(),
        report.volumes.len()
    );
    Ok(ExitCode::SUCCESS)
}
