//! A host process's output log on disk, bounded: `<key>.log` holds one JSON line per output line after a
//! first line naming the run and the file's generation. Past [`MAX_BYTES`] the file moves to
//! `<key>.log.1` (the one older generation kept; the one before it is dropped) and writing goes on in
//! a fresh file, so a chatty `--reload` server never fills the disk. Readers (`logs`, `logs -f`, the
//! logs view) read the older file too when the lines they want begin there, and a follow crosses a
//! rotation without losing or repeating lines (unless the log rotates twice between two of its looks,
//! 10 MiB in 200 ms).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::stream::{self, BoxStream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::state::{self, Files};
use super::tree;
use crate::error::EngineError;
use crate::status::{LogLine, LogOptions, OutputStream};

/// Where a log file is rotated. With the one older generation, a run's log takes at most about twice this.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
/// How often a follower looks for new lines.
const FOLLOW_POLL: Duration = Duration::from_millis(200);
/// A header line is shorter than this.
const HEADER_MAX: u64 = 256;

/// The first line of each log file: which run wrote it, and how many rotations came before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    pid: u32,
    generation: u32,
}

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

fn io_error(path: &Path, e: impl std::fmt::Display) -> EngineError {
    EngineError::ProcessState {
        path: path.display().to_string(),
        detail: e.to_string().into(),
    }
}

/// Opens `path` empty, readable by this user only.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).write(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes a run's log, rotating it past its limit.
pub struct Writer {
    log: PathBuf,
    previous: PathBuf,
    /// The next generation is written here first, and renamed into place once its header is in.
    fresh: PathBuf,
    limit: u64,
    file: tokio::fs::File,
    header: Header,
    /// Bytes in the current file, and how many of them are its header.
    written: u64,
    header_len: u64,
}

impl Writer {
    /// An empty log for a new run (the previous run's files are dropped), rotated past `limit` bytes.
    pub fn create(files: &Files, limit: u64) -> Result<Self, EngineError> {
        match std::fs::remove_file(&files.previous_log) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&files.previous_log, e)),
        }
        let file = create_private(&files.log).map_err(|e| io_error(&files.log, e))?;
        Ok(Self {
            log: files.log.clone(),
            previous: files.previous_log.clone(),
            fresh: files.log.with_extension("log.new"),
            limit,
            file: tokio::fs::File::from_std(file),
            header: Header {
                pid: 0,
                generation: 0,
            },
            written: 0,
            header_len: 0,
        })
    }

    /// Starts the log of the run `pid`: its header.
    pub async fn begin(&mut self, pid: u32) -> std::io::Result<()> {
        self.header.pid = pid;
        self.header_len = write_header(&mut self.file, self.header).await?;
        self.written = self.header_len;
        Ok(())
    }

    /// Appends one line, rotating first when it would take the file past the limit.
    pub async fn write(&mut self, line: &LogLine) -> std::io::Result<()> {
        let stored = Stored {
            service: line.service.clone(),
            container: line.container.clone(),
            stream: match line.stream {
                OutputStream::Stdout => Stream::Stdout,
                OutputStream::Stderr => Stream::Stderr,
            },
            text: line.text.clone(),
        };
        let mut json = serde_json::to_vec(&stored)?;
        json.push(b'\n');
        let len = json.len() as u64;
        // A file holds at least one line, however long.
        if self.written > self.header_len && self.written + len > self.limit {
            self.rotate().await?;
        }
        self.file.write_all(&json).await?;
        self.file.flush().await?;
        self.written += len;
        Ok(())
    }

    /// The current file becomes `<key>.log.1`, a fresh one with the next generation's header takes its
    /// place. A reader looking in between finds no log for a moment, never one without its header.
    async fn rotate(&mut self) -> std::io::Result<()> {
        let header = Header {
            generation: self.header.generation + 1,
            ..self.header
        };
        let mut fresh = tokio::fs::File::from_std(create_private(&self.fresh)?);
        let header_len = write_header(&mut fresh, header).await?;
        self.file.flush().await?;
        if let Err(e) = tokio::fs::rename(&self.log, &self.previous).await {
            // The older lines cannot be kept (the next rename drops them): the log stays bounded.
            tracing::warn!(file = %self.log.display(), "keeping the older host process output failed: {e}");
        }
        tokio::fs::rename(&self.fresh, &self.log).await?;
        self.file = fresh;
        self.header = header;
        self.header_len = header_len;
        self.written = header_len;
        Ok(())
    }
}

async fn write_header(file: &mut tokio::fs::File, header: Header) -> std::io::Result<u64> {
    let mut json = serde_json::to_vec(&header)?;
    json.push(b'\n');
    file.write_all(&json).await?;
    file.flush().await?;
    Ok(json.len() as u64)
}

/// What one look at a log file found: its header (none in an older EnvDeck's file or one still empty),
/// its length, and its bytes from the offset asked for.
struct Span {
    header: Option<Header>,
    len: u64,
    bytes: Vec<u8>,
}

/// Reads `path` from `from` on (nothing past its end); `None` when there is no such file.
async fn read_span(path: &Path, from: u64) -> Result<Option<Span>, EngineError> {
    let mut file = match tokio::fs::File::open(path).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, e)),
    };
    let len = file.metadata().await.map_err(|e| io_error(path, e))?.len();
    let mut first = Vec::new();
    (&mut file)
        .take(HEADER_MAX)
        .read_to_end(&mut first)
        .await
        .map_err(|e| io_error(path, e))?;
    let header = first
        .split(|&b| b == b'\n')
        .next()
        .and_then(|line| serde_json::from_slice::<Header>(line).ok());
    let mut bytes = Vec::new();
    if len > from {
        file.seek(std::io::SeekFrom::Start(from))
            .await
            .map_err(|e| io_error(path, e))?;
        file.take(len - from)
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| io_error(path, e))?;
    }
    Ok(Some(Span { header, len, bytes }))
}

/// Follows a run's log across its files.
struct Reader {
    files: Files,
    /// The generation being read; `None` before the first look.
    generation: Option<u32>,
    /// Bytes of the current generation's file already taken.
    offset: u64,
    partial: Vec<u8>,
    queue: VecDeque<LogLine>,
    service: Option<String>,
    follow: bool,
    /// The pid of the run being read: another run's file ends the follow.
    pid: Option<u32>,
    done: bool,
}

/// The output lines in `bytes` (complete lines; headers and unreadable lines skipped) of `service`,
/// or of every service.
fn lines_of(bytes: &[u8], service: Option<&str>) -> Vec<LogLine> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|raw| serde_json::from_slice::<Stored>(raw).ok())
        .filter(|stored| service.is_none_or(|s| s == stored.service))
        .map(LogLine::from)
        .collect()
}

impl Reader {
    /// Queues the complete lines of `bytes`, after what the last read left over.
    fn take_lines(&mut self, bytes: &[u8]) {
        self.partial.extend_from_slice(bytes);
        let end = self
            .partial
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let complete: Vec<u8> = self.partial.drain(..end).collect();
        let lines = lines_of(&complete, self.service.as_deref());
        self.queue.extend(lines);
    }

    fn another_run(&self, header: Option<Header>) -> bool {
        matches!((self.pid, header), (Some(mine), Some(h)) if h.pid != mine)
    }

    /// Queues what the log gained since the last look; `false` when nothing was new.
    async fn read_more(&mut self) -> Result<bool, EngineError> {
        let Some(span) = read_span(&self.files.log, self.offset).await? else {
            // Not there: not yet written, or in the middle of a rotation.
            return Ok(false);
        };
        if span.len == 0 {
            return Ok(false);
        }
        if self.another_run(span.header) {
            self.done = true;
            return Ok(false);
        }
        let generation = span.header.map_or(0, |h| h.generation);
        let mut span = span;
        match self.generation {
            None => self.generation = Some(generation),
            Some(mine) if generation < mine => {
                // A new run's file.
                self.done = true;
                return Ok(false);
            }
            Some(mine) if generation > mine => {
                // Rotated since the last look: the rest of the generation being read is in the older
                // file, if that is still it.
                let old = read_span(&self.files.previous_log, self.offset).await?;
                match old {
                    Some(old) if old.header.is_some_and(|h| h.generation == mine) => {
                        self.take_lines(&old.bytes);
                    }
                    _ => tracing::debug!("the log rotated twice since the last look: lines skipped"),
                }
                self.partial.clear();
                self.generation = Some(generation);
                self.offset = 0;
                span = match read_span(&self.files.log, 0).await? {
                    Some(again) if again.header == span.header => again,
                    // Rotated once more just now: the next look takes it.
                    _ => return Ok(true),
                };
            }
            Some(_) if span.len < self.offset => {
                // Emptied in place (an older EnvDeck's new run): its lines are not this follow's.
                self.done = true;
                return Ok(false);
            }
            Some(_) => {}
        }
        if span.len <= self.offset {
            return Ok(false);
        }
        self.offset += span.bytes.len() as u64;
        self.take_lines(&span.bytes);
        Ok(true)
    }

    /// The whole older generation's lines, when it is the one before the current file's.
    async fn read_previous(&mut self) -> Result<Vec<LogLine>, EngineError> {
        let Some(current) = self.generation.filter(|g| *g > 0) else {
            return Ok(Vec::new());
        };
        let old = read_span(&self.files.previous_log, 0).await?;
        let before = |h: Header| h.generation + 1 == current;
        Ok(match old {
            Some(old) if old.header.is_some_and(before) && !self.another_run(old.header) => {
                lines_of(&old.bytes, self.service.as_deref())
            }
            _ => Vec::new(),
        })
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

/// The log's lines (with `tail`, the last ones, from the older file too when they begin there), then
/// (with `follow`) new ones as they come, until the run ends.
pub fn read(files: Files, options: LogOptions) -> BoxStream<'static, Result<LogLine, EngineError>> {
    let mut reader = Reader {
        pid: state::read_run(&files).map(|r| r.pid),
        files,
        generation: None,
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
        if tail.is_none_or(|t| reader.queue.len() < t) {
            let earlier = reader.read_previous().await?;
            for line in earlier.into_iter().rev() {
                reader.queue.push_front(line);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::RunRecord;

    /// Small enough that a few hundred lines rotate the log many times.
    const LIMIT: u64 = 4096;

    fn line(n: usize) -> LogLine {
        LogLine {
            service: "app".into(),
            container: "pid 1".into(),
            stream: OutputStream::Stdout,
            text: format!("line {n:05} of a chatty server"),
        }
    }

    fn numbers(lines: &[LogLine]) -> Vec<usize> {
        lines
            .iter()
            .map(|l| l.text[5..10].parse().expect("a numbered line"))
            .collect()
    }

    async fn collect(files: &Files, options: LogOptions) -> Vec<LogLine> {
        read(files.clone(), options)
            .map(|l| l.expect("the log reads"))
            .collect()
            .await
    }

    fn size(path: &Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }

    #[tokio::test]
    async fn a_log_past_its_limit_rotates_once_and_keeps_the_newest_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = Files::new(dir.path(), "demo-sqlite");
        let mut log = Writer::create(&files, LIMIT).expect("the log is created");
        log.begin(42).await.expect("header");
        let total = 1000;
        let mut largest = 0;
        for n in 0..total {
            log.write(&line(n)).await.expect("a line is written");
            largest = largest.max(size(&files.log));
        }
        let line_len = serde_json::to_vec(&line(0)).unwrap().len() as u64 + 1;
        assert!(
            largest <= LIMIT,
            "the current file never grows past the limit (at most {LIMIT} bytes; saw {largest})"
        );
        assert!(
            size(&files.previous_log) > LIMIT - 2 * line_len && size(&files.previous_log) <= LIMIT,
            "one full older generation is kept: {} bytes",
            size(&files.previous_log)
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "only the log and one older generation: {names:?}");

        let tail = collect(
            &files,
            LogOptions {
                tail: Some(5),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(
            numbers(&tail),
            (total - 5..total).collect::<Vec<_>>(),
            "the newest lines"
        );

        // A tail longer than the current file reaches into the older one, in order and without a gap.
        let current = lines_of(&std::fs::read(&files.log).unwrap(), None).len();
        let wanted = current + 10;
        let across = collect(
            &files,
            LogOptions {
                tail: Some(wanted as u32),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(numbers(&across), (total - wanted..total).collect::<Vec<_>>());

        let all = collect(&files, LogOptions::default()).await;
        let kept = numbers(&all);
        assert_eq!(kept.last(), Some(&(total - 1)));
        assert_eq!(
            kept,
            (kept[0]..total).collect::<Vec<_>>(),
            "everything kept reads back in order: the older generation, then the current file"
        );
        assert!(kept[0] > 0, "the oldest lines are gone: the log is bounded");

        // A new start begins from nothing: the older generation of the last run is dropped too.
        let mut next = Writer::create(&files, LIMIT).expect("a new run's log");
        next.begin(43).await.expect("header");
        assert!(
            !files.previous_log.exists(),
            "the last run's older generation is gone"
        );
        assert!(collect(&files, LogOptions::default()).await.is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_follow_crosses_rotations_without_losing_or_repeating_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = Files::new(dir.path(), "demo-sqlite");
        // The run being followed is this test process: it runs until its record is removed.
        let pid = std::process::id();
        let run = RunRecord {
            pid,
            pgid: pid,
            identity: tree::identity(pid),
            started_at: state::now_unix(),
            owner: pid,
            service: "app".into(),
            command: vec!["app".into()],
            cwd: dir.path().to_path_buf(),
            health_url: None,
        };
        state::write_run(&files, &run).expect("run record");
        let mut log = Writer::create(&files, LIMIT).expect("the log is created");
        log.begin(pid).await.expect("header");
        for n in 0..20 {
            log.write(&line(n)).await.unwrap();
        }
        let follower = tokio::spawn(collect_owned(
            files.clone(),
            LogOptions {
                follow: true,
                ..Default::default()
            },
        ));
        // About 20 lines per look of the follower: half of what one file holds (about 40), so it sees
        // each rotation (and there are several).
        let total = 400;
        for n in 20..total {
            log.write(&line(n)).await.unwrap();
            if n % 10 == 0 {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let generation = read_span(&files.log, 0).await.unwrap().and_then(|s| s.header);
        assert!(
            generation.is_some_and(|h| h.generation >= 5),
            "the log rotated several times while followed: {generation:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        state::remove_run(&files).expect("the run ends");
        let seen = tokio::time::timeout(Duration::from_secs(10), follower)
            .await
            .expect("the follow ends with the run")
            .expect("the follower");
        assert_eq!(
            numbers(&seen),
            (0..total).collect::<Vec<_>>(),
            "every line once, in order, across the rotations"
        );
    }

    async fn collect_owned(files: Files, options: LogOptions) -> Vec<LogLine> {
        collect(&files, options).await
    }
}
