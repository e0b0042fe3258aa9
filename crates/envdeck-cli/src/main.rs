//! `envdeck`: the terminal twin of the desktop app. Every subcommand is a thin call into envdeck-api.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "envdeck",
    version,
    about = "Run a project's environments: the terminal twin of EnvDeck"
)]
struct Cli {
    /// The project folder (default: the current directory).
    #[arg(long, global = true, env = "ENVDECK_PROJECT")]
    project: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show EnvDeck's version and whether Docker and the OS keychain answer.
    Info(commands::info::Args),
    /// List the project's environments: id, label, kind and services.
    List(commands::list::Args),
    /// Print an environment's resolved compose model as JSON (like `docker compose config`).
    Config(commands::config::Args),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("ENVDECK_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let project = cli.project.unwrap_or_else(|| PathBuf::from("."));
    let outcome = match cli.command {
        Command::Info(args) => commands::info::run(&project, args),
        Command::List(args) => commands::list::run(&project, args),
        Command::Config(args) => commands::config::run(&project, args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
