//! Where EnvDeck's own log goes, for both clients: stderr (quiet unless `ENVDECK_LOG` asks) and a daily
//! file in the OS's log folder, so "what happened at my Start yesterday" has an answer a person can
//! attach to a bug report.
//!
//! Only text that is already masked is logged (Steps, environment names, masked errors): a secret value
//! never reaches a `tracing` call, and the leak tests read these files to prove it.

use std::path::{Path, PathBuf};

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::folders::Xdg;

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Overrides the log folder (tests, portable installs).
pub const LOG_DIR_VAR: &str = "ENVDECK_LOG_DIR";
/// A `tracing` filter (`info`, `envdeck_api=debug`); applies to stderr and, when set, to the file.
pub const FILTER_VAR: &str = "ENVDECK_LOG";

/// Crates whose debug output carries Docker's raw payloads (container environments, so secret values):
/// held at `warn` whatever `ENVDECK_LOG` says. A directive of `ENVDECK_LOG` naming one of them or one of
/// their modules (`bollard::docker=trace`, which would be more specific than a cap on the crate) is
/// dropped first.
const RAW_PAYLOAD_CRATES: [&str; 5] = ["bollard", "hyper", "hyper_util", "h2", "reqwest"];

/// `ENVDECK_LOG` (or `default`), with the raw-payload crates held down.
fn filter(filter_set: bool, default: &str) -> EnvFilter {
    let spec = if filter_set {
        std::env::var(FILTER_VAR).unwrap_or_default()
    } else {
        default.to_owned()
    };
    filter_of(&spec)
}

fn filter_of(spec: &str) -> EnvFilter {
    let kept: Vec<&str> = spec
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty() && !names_raw_payload_crate(d))
        .collect();
    let mut filter = EnvFilter::new(kept.join(","));
    for name in RAW_PAYLOAD_CRATES {
        if let Ok(d) = format!("{name}=warn").parse() {
            filter = filter.add_directive(d);
        }
    }
    filter
}

fn names_raw_payload_crate(directive: &str) -> bool {
    let target = directive.split(['=', '[']).next().unwrap_or_default().trim();
    RAW_PAYLOAD_CRATES
        .iter()
        .any(|name| target == *name || target.starts_with(&format!("{name}::")))
}

/// How many daily files are kept: two weeks of history is enough to report a bug, and small.
const KEEP_FILES: usize = 14;

/// Keep it alive for the whole run: dropping it flushes the file writer's last lines.
#[must_use = "dropping the guard stops writing the log file"]
#[derive(Debug)]
pub struct LogGuard {
    _file: Option<tracing_appender::non_blocking::WorkerGuard>,
    /// The folder the daily file is in, when it could be opened.
    pub dir: Option<PathBuf>,
}

/// The OS's folder for an application's logs: `$XDG_STATE_HOME/envdeck/logs` (or
/// `~/.local/state/envdeck/logs`) on Linux, `~/Library/Logs/EnvDeck` on macOS,
/// `%LOCALAPPDATA%\EnvDeck\logs` on Windows; `ENVDECK_LOG_DIR` wins everywhere.
pub fn log_dir() -> Option<PathBuf> {
    crate::folders::folder(LOG_DIR_VAR, "logs", Xdg::State, &["Library", "Logs", "EnvDeck"])
}

/// Installs the log for the process `app` (`envdeck`, `envdeck-desktop`: the file name's prefix).
/// A log folder that cannot be created costs the file, never the run: a warning goes to stderr.
/// Calling it twice (tests) keeps the first subscriber.
pub fn init(app: &str) -> LogGuard {
    let filter_set = std::env::var(FILTER_VAR).is_ok_and(|v| !v.trim().is_empty());
    // stderr stays silent unless asked: the CLI prints its own `error: ...` line, and a second copy
    // of it from the log would only be noise.
    let stderr_filter = filter(filter_set, "off");
    let mut layers: Vec<BoxedLayer> = vec![
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(stderr_filter)
            .boxed(),
    ];

    let (guard, dir) = match log_dir().map(|dir| open_file(&dir, app).map(|w| (w, dir))) {
        Some(Ok((writer, dir))) => {
            let (writer, guard) = tracing_appender::non_blocking(writer);
            layers.push(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(writer)
                    .with_filter(filter(filter_set, "info"))
                    .boxed(),
            );
            (Some(guard), Some(dir))
        }
        Some(Err(message)) => {
            eprintln!("warning: {message}; EnvDeck goes on without a log file");
            (None, None)
        }
        None => {
            eprintln!(
                "warning: no folder for EnvDeck's log (HOME is not set); set {LOG_DIR_VAR} to keep one"
            );
            (None, None)
        }
    };
    let _ = tracing_subscriber::registry().with(layers).try_init();
    LogGuard { _file: guard, dir }
}

fn open_file(dir: &Path, app: &str) -> Result<tracing_appender::rolling::RollingFileAppender, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the log folder {}: {e}", dir.display()))?;
    tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(app)
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(dir)
        .map_err(|e| format!("cannot open a log file in {}: {e}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a subscriber with `filter_of(spec)` lets through of a trace event from each target.
    fn passes(spec: &str) -> (bool, bool) {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .map_err(|_| std::io::ErrorKind::Other)?
                    .extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_writer(move || writer.clone())
                .with_filter(filter_of(spec)),
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "bollard::docker", "wire: the request body");
            tracing::trace!(target: "envdeck_api::environment", "ours");
        });
        let text = String::from_utf8_lossy(&sink.0.lock().expect("not poisoned")).into_owned();
        (text.contains("wire:"), text.contains("ours"))
    }

    #[test]
    fn no_log_filter_opens_dockers_wire_logging() {
        for spec in [
            "trace",
            "trace,bollard=trace",
            "trace,bollard::docker=trace",
            "trace,hyper_util::client=trace, bollard::docker = trace",
        ] {
            assert_eq!(
                passes(spec),
                (false, true),
                "`ENVDECK_LOG={spec}`: EnvDeck's own trace lines pass, Docker's wire lines do not"
            );
        }
    }

    #[test]
    fn the_override_wins_over_the_os_folder() {
        // Read-only check of the rule, without mutating the process environment (tests run in threads).
        if let Some(dir) = std::env::var_os(LOG_DIR_VAR) {
            assert_eq!(
                log_dir(),
                Some(PathBuf::from(dir)),
                "{LOG_DIR_VAR} names the folder"
            );
        } else if std::env::var_os("HOME").is_some() && cfg!(target_os = "linux") {
            let dir = log_dir().unwrap_or_default();
            assert!(
                dir.ends_with("envdeck/logs"),
                "Linux keeps logs under the XDG state folder: {}",
                dir.display()
            );
        }
    }
}
