//! Logs: a container's output as lines, stdout and stderr apart; followed, tailed or since a time.

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use futures_util::stream::{Stream, StreamExt};

use crate::error::{EngineError, detail};
use crate::status::{LogLine, LogOptions, OutputStream as Which};

/// The output of one container as a stream of lines.
pub(crate) fn container_lines(
    docker: &Docker,
    service: String,
    container: String,
    options: &LogOptions,
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
    let raw = docker.logs(&container, Some(builder.build()));
    raw.flat_map(move |item| {
        let lines: Vec<Result<LogLine, EngineError>> = match item {
            Ok(output) => {
                let (stream, bytes) = match output {
                    LogOutput::StdErr { message } => (Which::Stderr, message),
                    LogOutput::StdOut { message } | LogOutput::Console { message } => {
                        (Which::Stdout, message)
                    }
                    LogOutput::StdIn { .. } => return futures_util::stream::iter(Vec::new()),
                };
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .map(|text| {
                        Ok(LogLine {
                            service: service.clone(),
                            container: container.clone(),
                            stream,
                            text: text.to_string(),
                        })
                    })
                    .collect()
            }
            Err(e) => vec![Err(EngineError::Logs {
                container: container.clone(),
                detail: detail(&e),
            })],
        };
        futures_util::stream::iter(lines)
    })
}

/// The last lines of a container's output, for failure messages; an unreadable log says so instead.
pub(crate) async fn last_lines(docker: &Docker, container: &str, n: u32) -> String {
    let options = LogOptions {
        tail: Some(n),
        ..LogOptions::default()
    };
    let lines: Vec<_> = container_lines(docker, String::new(), container.to_string(), &options)
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
