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
pub mod watch;

/// What a subcommand returns: its exit code, or an error printed as `error: <message>`.
pub type Outcome = Result<std::process::ExitCode, envdeck_api::ApiError>;

/// The tokio runtime of the subcommands that talk to Docker and the keychain: one for the process,
/// never dropped. Dropping a runtime waits for every blocking call, and a keychain call the time limit
/// gave up on (a prompt nobody answers) would hold the CLI open forever; the process's exit ends it.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime starts")
    })
}

/// The name typed for a change to a server's staging or production environment: `--confirm NAME`, else
/// asked on the terminal after saying where and what. `None` when the environment needs none, or there
/// is no terminal to ask on (the API then refuses, saying so).
pub fn server_confirmation(
    project: &std::path::Path,
    env: &str,
    flag: Option<String>,
    what: &str,
) -> Option<String> {
    use std::io::{BufRead, IsTerminal, Write};
    if flag.is_some() {
        return flag;
    }
    let project = envdeck_api::project::open(project).ok()?;
    let change = envdeck_api::environment::server_change(project.environment(env).ok()?)?;
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return None;
    }
    println!(
        "`{env}` is the {} environment on the server {}: {what} {} there.",
        change.exposure,
        change.host,
        change.services.join(", ")
    );
    // What a Start would change there, service by service, when the server answers.
    if what.starts_with("starting")
        && let Ok(preview) = runtime().block_on(envdeck_api::environment::preview(project.dir.as_path(), env))
    {
        up::print_preview(env, &preview);
    }
    print!("Type `{env}` to continue: ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer).ok()?;
    Some(answer.trim().to_owned())
}
