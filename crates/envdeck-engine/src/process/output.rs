//! A host process's output: its stdout and stderr read and joined into lines, masked
//! (`LineAssembler`: a line cut at the size cap or shown unfinished keeps back a possible secret's
//! start), appended to its log file (`logfile`: bounded, readable and followable by any EnvDeck
//! process), and the last lines kept for the message of a failed start.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use envdeck_core::secret::lines::MAX_LINE;
use envdeck_core::secret::{LineAssembler, Masker};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::logfile;
use crate::masked::HOLD;
use crate::status::{LogLine, OutputStream};

/// The lines a failed start shows.
pub const RECENT_LINES: usize = 20;

/// The last lines of a run, masked.
#[derive(Debug, Clone, Default)]
pub struct Recent(Arc<Mutex<VecDeque<String>>>);

impl Recent {
    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if lines.len() == RECENT_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// The kept lines, oldest first, one per line.
    pub fn text(&self) -> String {
        let lines = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if lines.is_empty() {
            return "(it printed nothing)".to_owned();
        }
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}

/// Reads `reader` into `tx` as masked lines, until end of file. A line left unfinished for [`HOLD`]
/// (a prompt, a progress bar) is shown as far as it can be.
pub async fn pump<R: AsyncRead + Unpin>(
    reader: R,
    stream: OutputStream,
    masker: Masker,
    tx: mpsc::UnboundedSender<(OutputStream, String)>,
) {
    let mut reader = BufReader::new(reader);
    let mut lines = LineAssembler::new(masker, MAX_LINE);
    let mut deadline: Option<Instant> = None;
    loop {
        let read = match deadline {
            // fill_buf is cancel-safe: a timer firing first loses no output.
            Some(at) => tokio::select! {
                read = reader.fill_buf() => Some(read),
                () = tokio::time::sleep_until(at) => None,
            },
            None => Some(reader.fill_buf().await),
        };
        let done = match read {
            None => {
                deadline = None;
                lines.partial().into_iter().collect()
            }
            Some(Err(e)) => {
                tracing::debug!("reading a host process's output stopped: {e}");
                break;
            }
            Some(Ok([])) => break,
            Some(Ok(buf)) => {
                let taken = buf.len();
                let done = lines.push(buf);
                reader.consume(taken);
                deadline = lines
                    .has_partial()
                    .then(|| deadline.unwrap_or_else(|| Instant::now() + HOLD));
                done
            }
        };
        for line in done {
            if tx.send((stream, line)).is_err() {
                return;
            }
        }
    }
    if let Some(rest) = lines.finish() {
        let _ = tx.send((stream, rest));
    }
}

/// Writes every line from `rx` (masked by [`pump`]) to the run's log, until both pipes are closed.
pub async fn record(
    mut log: logfile::Writer,
    pid: u32,
    service: String,
    container: String,
    recent: Recent,
    mut rx: mpsc::UnboundedReceiver<(OutputStream, String)>,
) {
    let mut healthy_file = match log.begin(pid).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("writing the output of {service} failed, its lines are not kept: {e}");
            false
        }
    };
    while let Some((stream, text)) = rx.recv().await {
        recent.push(text.clone());
        if !healthy_file {
            continue;
        }
        let line = LogLine {
            service: service.clone(),
            container: container.clone(),
            stream,
            text,
        };
        if let Err(e) = log.write(&line).await {
            // A full disk costs the log, never the running process.
            tracing::warn!("writing the output of {service} failed, later lines are not kept: {e}");
            healthy_file = false;
        }
    }
}
