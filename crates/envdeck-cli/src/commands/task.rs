//! `envdeck task ENV [NAME]`: list an Environment's Tasks, or run one; exits with the Task's code.

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::stack::OutputStream;
use envdeck_api::task;

#[derive(clap::Args)]
pub struct Args {
    /// The Environment.
    env: String,
    /// The Task to run (its `id` in envdeck.toml); without it, the Tasks are listed.
    name: Option<String>,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    let Some(name) = args.name else {
        let tasks = task::list(project, &args.env)?;
        if tasks.is_empty() {
            println!("{} declares no tasks; add [[tasks]] to envdeck.toml", args.env);
        }
        for t in tasks {
            let place = t.service.as_deref().unwrap_or("host");
            println!("{:<16} {:<36} in {place}: {}", t.id, t.label, t.command.join(" "));
        }
        return Ok(ExitCode::SUCCESS);
    };
    let code = super::runtime().block_on(task::run(project, &args.env, &name, |line| match line.stream {
        OutputStream::Stdout => println!("{}", line.text),
        OutputStream::Stderr => eprintln!("{}", line.text),
    }))?;
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
