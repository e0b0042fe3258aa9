//! `envdeck logs ENV [SERVICE] [-f] [--tail N]`: the stack's output, stderr lines on stderr.

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::environment;
use envdeck_api::stack::{LogOptions, OutputStream};
use futures_util::StreamExt;

#[derive(clap::Args)]
pub struct Args {
    /// The Environment whose logs to show.
    env: String,
    /// Only this Service.
    service: Option<String>,
    /// Keep printing new lines as they come.
    #[arg(short, long)]
    follow: bool,
    /// Only the last N lines of each container.
    #[arg(long)]
    tail: Option<u32>,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    let options = LogOptions {
        service: args.service,
        follow: args.follow,
        tail: args.tail,
        since: None,
    };
    super::runtime().block_on(async {
        // Masked with the environment's secrets: containers may print them.
        let mut lines = std::pin::pin!(environment::logs(project, &args.env, options).await?);
        while let Some(line) = lines.next().await {
            let line = line?;
            match line.stream {
                OutputStream::Stdout => println!("{} | {}", line.service, line.text),
                OutputStream::Stderr => eprintln!("{} | {}", line.service, line.text),
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
