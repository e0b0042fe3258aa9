//! Logs: a container's output as lines, stdout and stderr apart; followed, tailed or since a time.
//! Docker cuts a line longer than 16 KiB into frames: they are joined before the line is masked
//! (`masked`), so a secret across a cut is still found.

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use envdeck_core::secret::Masker;
use futures_util::stream::{Stream, StreamExt};

use crate::error::{EngineError, detail};
use crate::status::{LogLine, LogOptions, OutputStream as Which};

/// A failed start's message shows whole lines up to this size: its lines are masked by the caller
/// after they are joined, so a line must not be cut where a secret could lie across the cut.
const FAILURE_MAX_LINE: usize = 1024 * 1024;

/// The output of one container as a stream of lines, masked with `masker`; lines longer than
/// `max_line` bytes come in parts cut where no secret can be split.
pub(crate) fn container_lines(
    docker: &Docker,
    service: String,
    container: String,
    options: &LogOptions,
    masker: Masker,
    max_line: usize,
) -> impl Stream<Item = Result<LogLine, EngineError>> + Send + 'static {
    let mut builder = LogsOptionsBuilder::default()
        .stdout(true)
        .stderr(true)
        .follow(options.follow);
    let tail = options
        .tail
        .map(|n| n.to_string())
        .unwrap_or_else(|| "all".into());
    builder = builder.tail(&tail);
    if let Some(since) = options.since {
        builder = builder.since(i32::try_from(since).unwrap_or(i32::MAX));
    }
    let name = container.clone();
    let frames = docker
        .logs(&container, Some(builder.build()))
        .filter_map(move |item| {
            let frame = match item {
                Ok(LogOutput::StdErr { message }) => Some(Ok((Which::Stderr, message))),
                Ok(LogOutput::StdOut { message } | LogOutput::Console { message }) => {
                    Some(Ok((Which::Stdout, message)))
                }
                Ok(LogOutput::StdIn { .. }) => None,
                Err(e) => Some(Err(EngineError::Logs {
                    container: name.clone(),
                    detail: detail(&e),
                })),
            };
            std::future::ready(frame)
        })
        .boxed();
    // Read to its end, a stream's lines are whole; followed, an unfinished one shows after a moment.
    let hold = options.follow.then_some(crate::masked::HOLD);
    crate::masked::lines(frames, masker, max_line, hold).map(move |line| {
        line.map(|(stream, text)| LogLine {
            service: service.clone(),
            container: container.clone(),
            stream,
            text,
        })
    })
}

/// The last lines of a container's output, for failure messages; an unreadable log says so instead.
pub(crate) async fn last_lines(docker: &Docker, container: &str, n: u32) -> String {
    let options = LogOptions {
        tail: Some(n),
        ..LogOptions::default()
    };
    // Masked by the caller, with the rest of the failure's message.
    let lines: Vec<_> = container_lines(
        docker,
        String::new(),
        container.to_string(),
        &options,
        Masker::default(),
        FAILURE_MAX_LINE,
    )
    .collect()
    .await;
    let text: Vec<String> = lines
        .into_iter()
        .map(|l| match l {
            Ok(line) => format!("  | {}", line.text),
            Err(e) => format!("  (could not read the logs: {e})"),
        })
        .collect();
    if text.is_empty() {
        "  (no output)".to_string()
    } else {
        text.join("\n")
    }
}
