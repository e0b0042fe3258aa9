//! `envdeck watch ENV [SERVICE]`: a running environment's `develop.watch` rules kept in step with the
//! files being edited, each sync, restart or rebuild printed with its time, until Ctrl-C.

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::develop::{self, WatchEvent};

#[derive(clap::Args)]
pub struct Args {
    /// The running Environment whose files to keep in step.
    env: String,
    /// Only this Service's rules.
    service: Option<String>,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    super::runtime().block_on(async {
        let watching = develop::watch(project, &args.env, args.service.as_deref(), |event| say(&event));
        tokio::select! {
            result = watching => result.map(|()| ExitCode::SUCCESS),
            _ = tokio::signal::ctrl_c() => Ok(ExitCode::SUCCESS),
        }
    })
}

fn say(event: &WatchEvent) {
    match event {
        WatchEvent::Watching { service, paths } => println!("{service}: watching {}", paths.join(", ")),
        WatchEvent::Synced {
            service,
            copied,
            removed,
            millis,
        } => println!("{service}: synced {copied} file(s), removed {removed}, in {millis} ms"),
        WatchEvent::Ran {
            service,
            command,
            code,
        } => {
            println!("{service}: ran `{}`, exit code {code}", command.join(" "))
        }
        WatchEvent::Restarted { service, millis } => println!("{service}: restarted in {millis} ms"),
        WatchEvent::Rebuilt { service, millis } => println!("{service}: rebuilt and replaced in {millis} ms"),
        WatchEvent::Failed { service, error } => eprintln!("{service}: {error}"),
    }
}
