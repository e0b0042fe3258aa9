//! A host process's output: its stdout and stderr read line by line, masked, appended to its log file
//! (one JSON line each, so any EnvDeck process can read and follow it), and the last lines kept for
//! the message of a failed start. Readers of the file get the same [`LogLine`]s Docker's logs give.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use envdeck_core::secret::Masker;
use futures_util::stream::{self, BoxStream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use super::state::{self, Files};
use super::tree;
use crate::error::EngineError;
use crate::status::{LogLine, LogOptions, OutputStream};

/// A line longer than this is cut into pieces (a process printing megabytes without a newline must not
/// grow EnvDeck's memory).
const MAX_LINE: usize = 64 * 1024;
/// The lines a failed start shows.
pub const RECENT_LINES: usize = 20;
/// How often a follower looks for new lines.
const FOLLOW_POLL: Duration = Duration::from_millis(200);

/// One line as stored in the log file.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    service: String,
    container: String,
    stream: Stream,
    text: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Stream {
    Stdout,
    Stderr,
}

impl From<Stored> for LogLine {
    fn from(s: Stored) -> Self {
        LogLine {
            service: s.service,
            container: s.container,
            stream: match s.stream {
                Stream::Stdout => OutputStream::Stdout,
                Stream::Stderr => OutputStream::Stderr,
            },
            text: s.text,
        }
    }
}

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

/// Writes every line from `rx` to the log file, masked, until both pipes are closed.
pub async fn record(
    file: std::fs::File,
    service: String,
    container: String,
    masker: Masker,
    recent: Recent,
    mut rx: mpsc::UnboundedReceiver<(OutputStream, String)>,
) {
    let mut file = tokio::fs::File::from_std(file);
    let mut healthy_file = true;
    while let Some((stream, text)) = rx.recv().await {
        let text = masker.mask(&text);
        recent.push(text.clone());
        if !healthy_file {
            continue;
        }
        let stored = Stored {
            service: service.clone(),
            container: container.clone(),
            stream: match stream {
                OutputStream::Stdout => Stream::Stdout,
                OutputStream::Stderr => Stream::Stderr,
            },
            text,
        };
        let Ok(mut json) = serde_json::to_string(&stored) else {
            continue;
        };
        json.push('\n');
        if let Err(e) = async {
            file.write_all(json.as_bytes()).await?;
            file.flush().await
        }
        .await
        {
            // A full disk costs the log, never the running process.
            tracing::warn!("writing the output of {service} failed, later lines are not kept: {e}");
            healthy_file = false;
        }
    }
}

/// The log file's lines, then (with `follow`) new ones as they come, until the run ends.
pub fn read(files: Files, options: LogOptions) -> BoxStream<'static, Result<LogLine, EngineError>> {
    struct Reader {
        path: PathBuf,
        files: Files,
        offset: u64,
        partial: Vec<u8>,
        queue: VecDeque<LogLine>,
        service: Option<String>,
        follow: bool,
        /// The pid of the run being followed: a new start (another pid) ends the follow.
        pid: Option<u32>,
        done: bool,
    }

    impl Reader {
        /// Appends what the file gained since the last read; `false` when nothing was new.
        async fn read_more(&mut self) -> Result<bool, EngineError> {
            use tokio::io::{AsyncReadExt, AsyncSeekExt};
            let mut file = match tokio::fs::File::open(&self.path).await {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
                Err(e) => return Err(log_error(&self.path, e)),
            };
            let len = file.metadata().await.map_err(|e| log_error(&self.path, e))?.len();
            if len < self.offset {
                // Truncated: a new run started; its lines are not this follow's.
                self.done = true;
                return Ok(false);
            }
            if len == self.offset {
                return Ok(false);
            }
            file.seek(std::io::SeekFrom::Start(self.offset))
                .await
                .map_err(|e| log_error(&self.path, e))?;
            let mut bytes = Vec::new();
            file.take(len - self.offset)
                .read_to_end(&mut bytes)
                .await
                .map_err(|e| log_error(&self.path, e))?;
            self.offset += bytes.len() as u64;
            self.partial.extend_from_slice(&bytes);
            let end = self
                .partial
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let complete: Vec<u8> = self.partial.drain(..end).collect();
            for raw in complete.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                let Ok(stored) = serde_json::from_slice::<Stored>(raw) else {
                    continue;
                };
                if self.service.as_ref().is_none_or(|s| *s == stored.service) {
                    self.queue.push_back(stored.into());
                }
            }
            Ok(true)
        }

        /// Whether the followed run is over (stopped, exited, or replaced by a new start).
        fn run_over(&self) -> bool {
            match (state::read_run(&self.files), self.pid) {
                (Some(run), Some(pid)) if run.pid == pid => {
                    let tree = tree::Tree {
                        key: &self.files.key,
                        pgid: run.pgid,
                    };
                    tree::liveness(tree, run.identity.as_deref()) != tree::Liveness::Running
                }
                _ => true,
            }
        }
    }

    let mut reader = Reader {
        path: files.log.clone(),
        pid: state::read_run(&files).map(|r| r.pid),
        files,
        offset: 0,
        partial: Vec::new(),
        queue: VecDeque::new(),
        service: options.service,
        follow: options.follow,
        done: false,
    };
    let tail = options.tail.map(|t| t as usize);
    let first = async move {
        reader.read_more().await?;
        if let Some(tail) = tail {
            let extra = reader.queue.len().saturating_sub(tail);
            reader.queue.drain(..extra);
        }
        Ok::<_, EngineError>(reader)
    };
    stream::once(first)
        .flat_map(|reader| match reader {
            Err(e) => stream::iter([Err(e)]).boxed(),
            Ok(reader) => stream::unfold(reader, |mut r| async move {
                loop {
                    if let Some(line) = r.queue.pop_front() {
                        return Some((Ok(line), r));
                    }
                    if !r.follow || r.done {
                        return None;
                    }
                    let over = r.run_over();
                    match r.read_more().await {
                        Ok(true) => continue,
                        Ok(false) if over => return None,
                        Ok(false) => tokio::time::sleep(FOLLOW_POLL).await,
                        Err(e) => {
                            r.done = true;
                            return Some((Err(e), r));
                        }
                    }
                }
            })
            .boxed(),
        })
        .boxed()
}

fn log_error(path: &std::path::Path, e: std::io::Error) -> EngineError {
    EngineError::ProcessState {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}
