//! One module per subcommand; each parses its flags, calls envdeck-api and prints.

pub mod backup;
pub mod checklist;
pub mod config;
pub mod doctor;
pub mod down;
pub mod exec;
pub mod info;
pub mod list;
pub mod logs;
pub mod new;
pub mod progress;
pub mod project;
pub mod ps;
pub mod restart;
pub mod secrets;
pub mod target;
pub mod task;
pub mod up;

/// What a subcommand returns: its exit code, or an error printed as `error: <message>`.
pub type Outcome = Result<std::process::ExitCode, envdeck_api::ApiError>;

/// A tokio runtime for the subcommands that talk to Docker.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}
