//! A host process's output: its stdout and stderr read line by line, masked, appended to its log file
//! (`logfile`: bounded, readable and followable by any EnvDeck process), and the last lines kept for
//! the message of a failed start.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use envdeck_core::secret::Masker;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;

use super::logfile;
use crate::status::{LogLine, OutputStream};

/// A line longer than this is cut into pieces (a process printing megabytes without a newline must not
/// grow EnvDeck's memory).
const MAX_LINE: usize = 64 * 1024;
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

/// Reads `reader` line by line into `tx`, until end of file.
pub async fn pump<R: AsyncRead + Unpin>(
    reader: R,
    stream: OutputStream,
    tx: mpsc::UnboundedSender<(OutputStream, String)>,
) {
    let mut reader = BufReader::new(reader);
    let mut line: Vec<u8> = Vec::new();
    let send = |line: &mut Vec<u8>| {
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let text = String::from_utf8_lossy(line).into_owned();
        line.clear();
        tx.send((stream, text)).is_ok()
    };
    loop {
        let buf = match reader.fill_buf().await {
            Ok(buf) => buf,
            Err(e) => {
                tracing::debug!("reading a host process's output stopped: {e}");
                break;
            }
        };
        if buf.is_empty() {
            if !line.is_empty() {
                send(&mut line);
            }
            break;
        }
        let (taken, complete) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                line.extend_from_slice(&buf[..i]);
                (i + 1, true)
            }
            None => {
                line.extend_from_slice(buf);
                (buf.len(), line.len() >= MAX_LINE)
            }
        };
        reader.consume(taken);
        if complete && !send(&mut line) {
            break;
        }
    }
}

/// Writes every line from `rx` to the run's log, masked, until both pipes are closed.
pub async fn record(
    mut log: logfile::Writer,
    pid: u32,
    service: String,
    container: String,
    masker: Masker,
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
        let text = masker.mask(&text);
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
