//! `envdeck exec ENV SERVICE -- CMD...`: run a command in a Service, its output masked; exits with the
//! command's code.

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::environment;
use envdeck_api::stack::OutputStream;

#[derive(clap::Args)]
pub struct Args {
    /// The Environment.
    env: String,
    /// The Service to run the command in.
    service: String,
    /// The command and its arguments (after `--`).
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    // Masked with the environment's secrets: `printenv` in a container would show them all.
    let code = super::runtime().block_on(environment::exec(
        project,
        &args.env,
        &args.service,
        &args.command,
        |line| match line.stream {
            OutputStream::Stdout => println!("{}", line.text),
            OutputStream::Stderr => eprintln!("{}", line.text),
        },
    ))?;
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
