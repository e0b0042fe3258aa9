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
    /// Show EnvDeck's version, whether Docker and the OS keychain answer, and whether the project's host programs are installed.
    Info(commands::info::Args),
    /// What stands in the way of a Start: Docker, the keychain and, with ENV, its ports, images, secrets.
    Doctor(commands::doctor::Args),
    /// List the project's environments: id, label, kind and services.
    List(commands::list::Args),
    /// Print an environment's resolved compose model as JSON (like `docker compose config`).
    Config(commands::config::Args),
    /// Start an Environment: pull/build images, create network and volumes, start Services in order.
    Up(commands::up::Args),
    /// Stop and remove an Environment's containers; its data stays unless --volumes --confirm ENV.
    Down(commands::down::Args),
    /// Each Service's containers with state, health and published ports.
    Ps(commands::ps::Args),
    /// Show (and with -f follow) the logs of all Services or one.
    Logs(commands::logs::Args),
    /// Restart an Environment, or one of its Services.
    Restart(commands::restart::Args),
    /// Run a command in a Service: `envdeck exec local db -- psql -U app`.
    Exec(commands::exec::Args),
    /// The security checklist of an Environment (staging/prod): PASS/FAIL lines; prod starts only when all pass.
    Checklist(commands::checklist::Args),
    /// Create a project: `envdeck new --sample DIR` writes the built-in sample.
    New(commands::new::Args),
    /// An Environment's secrets in the OS keychain: list, generate, rotate, reveal, import, export, enter.
    Secrets(commands::secrets::Args),
    /// List an Environment's Tasks (envdeck.toml), or run one: `envdeck task local migrate`.
    Task(commands::task::Args),
    /// Dump an Environment's PostgreSQL to a .sql.gz (default backups/ENV/), or --list the backups.
    Backup(commands::backup::Args),
    /// Replace an Environment's PostgreSQL data with a backup; asks first unless --yes.
    Restore(commands::backup::RestoreArgs),
    /// Who this folder is to EnvDeck; `adopt FROM` or `new` when EnvDeck asks about a moved folder.
    Project(commands::project::Args),
    /// Keep a running Environment's containers in step with your edits (`develop.watch` rules), until Ctrl-C.
    Watch(commands::watch::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // After parsing: `--help` and `--version` leave no trace in the log folder.
    let _log = envdeck_api::logging::init("envdeck");
    // Another EnvDeck changing the same environment: say who, then wait (the lock's own time limit).
    envdeck_api::writer::set_client(envdeck_api::writer::Client::Cli);
    envdeck_api::writer::on_wait(|message| eprintln!("{message}"));
    tracing::info!(command = %std::env::args().skip(1).collect::<Vec<_>>().join(" "), "envdeck");
    let project = cli.project.unwrap_or_else(|| PathBuf::from("."));
    let outcome = match cli.command {
        Command::Info(args) => commands::info::run(&project, args),
        Command::Doctor(args) => commands::doctor::run(&project, args),
        Command::List(args) => commands::list::run(&project, args),
        Command::Config(args) => commands::config::run(&project, args),
        Command::Up(args) => commands::up::run(&project, args),
        Command::Down(args) => commands::down::run(&project, args),
        Command::Ps(args) => commands::ps::run(&project, args),
        Command::Logs(args) => commands::logs::run(&project, args),
        Command::Restart(args) => commands::restart::run(&project, args),
        Command::Exec(args) => commands::exec::run(&project, args),
        Command::New(args) => commands::new::run(args),
        Command::Checklist(args) => commands::checklist::run(&project, args),
        Command::Secrets(args) => commands::secrets::run(&project, args),
        Command::Task(args) => commands::task::run(&project, args),
        Command::Backup(args) => commands::backup::run(&project, args),
        Command::Restore(args) => commands::backup::restore(&project, args),
        Command::Project(args) => commands::project::run(&project, args),
        Command::Watch(args) => commands::watch::run(&project, args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(code = ?e.code, "{}", e.message);
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
