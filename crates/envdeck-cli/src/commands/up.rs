//! `envdeck up ENV`: start an Environment, printing each Step; Ctrl-C stops cleanly and a later `up`
//! continues where this one stopped.
//!
//! A host-process Environment (`command` in envdeck.toml) stays in the foreground like
//! `docker compose up` without `-d`: its output follows once it is healthy, and Ctrl-C (or SIGTERM, or
//! SIGHUP when the terminal closes) stops its whole process tree. `envdeck down ENV` from another terminal stops it too.

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::environment;
use envdeck_api::stack::{LogOptions, OutputStream};
use futures_util::StreamExt;

use super::progress::print;

#[derive(clap::Args)]
pub struct Args {
    /// The Environment to start (e.g. `local`).
    env: String,
    /// The Environment's name typed again: a server's staging or production environment needs it
    /// (asked on the terminal otherwise).
    #[arg(long)]
    confirm: Option<String>,
    /// Say what a Start would do (where; each Service created, replaced, started, kept or removed; the
    /// images to pull or build), changing nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    if args.dry_run {
        let preview = super::runtime().block_on(environment::preview(project, &args.env))?;
        print_preview(&args.env, &preview);
        return Ok(ExitCode::SUCCESS);
    }
    if environment::runs_on_host(project, &args.env)? {
        return super::runtime().block_on(foreground(project, &args.env));
    }
    let typed =
        super::server_confirmation(project, &args.env, args.confirm, "starting it creates or updates");
    super::runtime().block_on(async {
        tokio::select! {
            report = environment::start_confirmed(project, &args.env, typed.as_deref(), print) => {
                let report = report?;
                println!("{} is up: {} services", args.env, report.services.len());
                Ok(ExitCode::SUCCESS)
            }
            _ = tokio::signal::ctrl_c() => {
                eprintln!("cancelled: nothing is half-made; run `envdeck up {}` again to continue", args.env);
                Ok(ExitCode::from(130))
            }
        }
    })
}

/// `--dry-run`'s answer: one line per Service and per image to fetch, under where it would happen.
pub(super) fn print_preview(env: &str, preview: &environment::StartPreview) {
    use envdeck_api::stack::ChangeKind;
    let place = match &preview.host {
        Some(host) => format!("the server {host}"),
        None => "this machine".to_owned(),
    };
    println!("A Start of {env} on {place} would (nothing was changed):");
    for s in &preview.services {
        let what = match s.change {
            ChangeKind::Create => "create",
            ChangeKind::Replace => "replace (its settings or image changed)",
            ChangeKind::Start => "start (stopped)",
            ChangeKind::Keep => "keep (running, unchanged)",
            ChangeKind::Remove => "remove (no longer in the compose files; its volumes stay)",
        };
        println!("  {:<9} {what}", s.service);
    }
    for image in &preview.images {
        let how = if image.build { "build" } else { "pull" };
        println!("  {how} image {} (for {})", image.image, image.service);
    }
}

/// Ctrl-C, and on Unix SIGTERM (a service manager, `kill`) and SIGHUP (the terminal closed): each means
/// "stop what you started", so the host process's tree never outlives its `envdeck up`. Listened to from
/// before the Start to the end: a signal that arrives between two waits is kept, not lost.
struct StopRequests {
    #[cfg(unix)]
    signals: Vec<tokio::signal::unix::Signal>,
}

impl StopRequests {
    fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let kinds = [
                SignalKind::interrupt(),
                SignalKind::terminate(),
                SignalKind::hangup(),
            ];
            let signals = kinds
                .into_iter()
                .map(signal)
                .collect::<std::io::Result<Vec<_>>>()?;
            Ok(Self { signals })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Resolves at the next stop request (or at once for one that came since the last call).
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            let waits = self.signals.iter_mut().map(|s| Box::pin(s.recv()));
            futures_util::future::select_all(waits).await;
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Starts the host process, then prints its output until Ctrl-C, SIGTERM or SIGHUP (which stop its
/// tree) or its end.
async fn foreground(project: &Path, env: &str) -> super::Outcome {
    let mut stop = StopRequests::new().map_err(|e| {
        envdeck_api::ApiError::new(
            envdeck_api::error::ErrorCode::Internal,
            format!("cannot listen for Ctrl-C and SIGTERM: {e}"),
        )
    })?;
    let interrupted = tokio::select! {
        report = environment::start(project, env, print) => {
            let report = report?;
            let service = report.services.first().map(|(s, _)| s.as_str()).unwrap_or(env);
            println!("{env} is up: {service} runs on this machine; its output follows, Ctrl-C stops it");
            false
        }
        _ = stop.next() => true,
    };
    if !interrupted {
        let options = LogOptions {
            follow: true,
            ..LogOptions::default()
        };
        let mut lines = std::pin::pin!(environment::logs(project, env, options).await?);
        let ended = loop {
            tokio::select! {
                line = lines.next() => match line {
                    Some(Ok(line)) => match line.stream {
                        OutputStream::Stdout => println!("{} | {}", line.service, line.text),
                        OutputStream::Stderr => eprintln!("{} | {}", line.service, line.text),
                    },
                    Some(Err(e)) => return Err(e),
                    None => break true,
                },
                _ = stop.next() => break false,
            }
        };
        if ended {
            return Ok(match environment::host_exit_code(project, env).await {
                Some(Some(0)) | None => {
                    println!("{env} is down");
                    ExitCode::SUCCESS
                }
                Some(Some(code)) => {
                    eprintln!("{env} stopped: its process exited with code {code}");
                    ExitCode::FAILURE
                }
                Some(None) => {
                    eprintln!("{env} stopped: its process was ended by a signal");
                    ExitCode::FAILURE
                }
            });
        }
    }
    eprintln!("stopping {env} and every process it started…");
    let report = environment::stop(project, env, envdeck_api::stack::RemoveVolumes::Keep, print).await?;
    if report.containers.is_empty() {
        println!("{env} is down: nothing had started yet");
    } else {
        println!("{env} is down: {} stopped", report.containers.join(", "));
    }
    Ok(ExitCode::from(130))
}
