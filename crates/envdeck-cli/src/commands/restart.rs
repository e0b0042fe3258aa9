//! `envdeck restart ENV [SERVICE]`: restart the whole stack or one Service.

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::stack;

use super::target;

#[derive(clap::Args)]
pub struct Args {
    /// The Environment to restart.
    env: String,
    /// Only this Service.
    service: Option<String>,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    let name = target::stack(project, &args.env)?;
    let restarted = super::runtime().block_on(stack::restart(&name, args.service.as_deref()))?;
    for container in restarted {
        println!("restarted {container}");
    }
    Ok(ExitCode::SUCCESS)
}
