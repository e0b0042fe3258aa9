//! Exec: run a command inside a Service's container (tasks such as migrations, `psql`), streaming its
//! output and returning its exit code.

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;

use crate::error::{EngineError, detail};
use crate::status::{LogLine, OutputStream};

/// Creates the exec, hands every output chunk to `on_chunk` as it arrives, and returns the exit code.
/// `on_chunk` refuses a chunk with the reason (e.g. a full disk), which ends the exec with that error.
async fn attached(
    docker: &Docker,
    service: &str,
    container: &str,
    command: &[String],
    mut on_chunk: impl FnMut(OutputStream, &[u8]) -> Result<(), String> + Send,
) -> Result<i64, EngineError> {
    let fail = |detail: crate::error::Detail| EngineError::Exec {
        service: service.to_string(),
        command: command.join(" "),
        detail,
    };
    let options = CreateExecOptions {
        cmd: Some(command.to_vec()),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        ..Default::default()
    };
    let exec = docker
        .create_exec(container, options)
        .await
        .map_err(|e| fail(detail(&e)))?;
    if let StartExecResults::Attached { mut output, .. } = docker
        .start_exec(&exec.id, None)
        .await
        .map_err(|e| fail(detail(&e)))?
    {
        while let Some(chunk) = output.next().await {
            let (stream, bytes) = match chunk.map_err(|e| fail(detail(&e)))? {
                LogOutput::StdErr { message } => (OutputStream::Stderr, message),
                LogOutput::StdOut { message } | LogOutput::Console { message } => {
                    (OutputStream::Stdout, message)
                }
                LogOutput::StdIn { .. } => continue,
            };
            on_chunk(stream, &bytes).map_err(|e| fail(e.into()))?;
        }
    }
    let inspect = docker
        .inspect_exec(&exec.id)
        .await
        .map_err(|e| fail(detail(&e)))?;
    Ok(inspect.exit_code.unwrap_or(-1))
}

/// Runs a command for its exit code alone (a healthcheck's test): its output is not kept.
pub(crate) async fn exit_code(
    docker: &Docker,
    container: &str,
    command: &[String],
) -> Result<i64, EngineError> {
    attached(docker, "", container, command, |_, _| Ok(())).await
}

/// Runs a command whose output is text, handing it on line by line.
pub(crate) async fn run(
    docker: &Docker,
    service: &str,
    container: &str,
    command: &[String],
    mut on_output: impl FnMut(LogLine) + Send,
) -> Result<i64, EngineError> {
    // Docker's chunks end anywhere, not at line ends: a line (and a secret in it, which the caller
    // masks per line) is handed on only once whole.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut emit = |stream, bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        on_output(LogLine {
            service: service.to_string(),
            container: container.to_string(),
            stream,
            text: text.strip_suffix('\r').unwrap_or(&text).to_string(),
        })
    };
    let code = attached(docker, service, container, command, |stream, bytes| {
        let pending = if stream == OutputStream::Stderr {
            &mut err
        } else {
            &mut out
        };
        pending.extend_from_slice(bytes);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            emit(stream, &line[..end]);
        }
        Ok(())
    })
    .await?;
    for (stream, rest) in [(OutputStream::Stdout, out), (OutputStream::Stderr, err)] {
        if !rest.is_empty() {
            emit(stream, &rest);
        }
    }
    Ok(code)
}

/// Runs a command whose stdout is data, not text (a `pg_dump`): the bytes go to `on_stdout` exactly as
/// they come, unsplit and unconverted; stderr is returned as text for the error message.
pub(crate) async fn run_raw(
    docker: &Docker,
    service: &str,
    container: &str,
    command: &[String],
    mut on_stdout: impl FnMut(&[u8]) -> std::io::Result<()> + Send,
) -> Result<(i64, String), EngineError> {
    let mut stderr = Vec::new();
    let code = attached(
        docker,
        service,
        container,
        command,
        |stream, bytes| match stream {
            OutputStream::Stderr => {
                stderr.extend_from_slice(bytes);
                Ok(())
            }
            OutputStream::Stdout => on_stdout(bytes).map_err(|e| format!("writing its output: {e}")),
        },
    )
    .await?;
    Ok((code, String::from_utf8_lossy(&stderr).into_owned()))
}

/// The most of a fed command's stderr kept for its error message.
const STDERR_KEPT: usize = 64 * 1024;

/// Runs a command that reads data on its stdin (`psql` restoring a dump): `input`'s chunks are written
/// to it as they come, so memory holds a chunk, never the whole; then its stdin is closed. Returns the
/// exit code and (the start of) stderr; stdout is discarded. A command that ends before reading
/// everything ends the feeding: its exit code and stderr say why.
pub(crate) async fn run_fed(
    docker: &Docker,
    service: &str,
    container: &str,
    command: &[String],
    mut input: impl Stream<Item = std::io::Result<Vec<u8>>> + Send + Unpin,
) -> Result<(i64, String), EngineError> {
    let fail = |detail: crate::error::Detail| EngineError::Exec {
        service: service.to_string(),
        command: command.join(" "),
        detail,
    };
    let options = CreateExecOptions {
        cmd: Some(command.to_vec()),
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        ..Default::default()
    };
    let exec = docker
        .create_exec(container, options)
        .await
        .map_err(|e| fail(detail(&e)))?;
    let StartExecResults::Attached {
        mut output,
        input: mut stdin,
    } = docker
        .start_exec(&exec.id, None)
        .await
        .map_err(|e| fail(detail(&e)))?
    else {
        return Err(fail(
            "Docker started the command detached, without its input".into(),
        ));
    };
    let feed = async {
        while let Some(chunk) = input.next().await {
            let chunk = chunk.map_err(|e| fail(format!("reading its input failed: {e}").into()))?;
            stdin
                .write_all(&chunk)
                .await
                .map_err(|e| fail(format!("writing its input failed: {e}").into()))?;
        }
        stdin
            .shutdown()
            .await
            .map_err(|e| fail(format!("closing its input failed: {e}").into()))
    };
    let mut stderr = Vec::new();
    let drain = async {
        while let Some(chunk) = output.next().await {
            if let LogOutput::StdErr { message } = chunk.map_err(|e| fail(detail(&e)))? {
                let room = STDERR_KEPT.saturating_sub(stderr.len());
                stderr.extend_from_slice(&message[..message.len().min(room)]);
            }
        }
        Ok::<(), EngineError>(())
    };
    tokio::pin!(feed, drain);
    // The output ends when the command does: then nobody reads its stdin any more, and feeding stops.
    let fed = tokio::select! {
        fed = &mut feed => {
            drain.await?;
            fed
        }
        drained = &mut drain => {
            drained?;
            Ok(())
        }
    };
    let inspect = docker
        .inspect_exec(&exec.id)
        .await
        .map_err(|e| fail(detail(&e)))?;
    let code = inspect.exit_code.unwrap_or(-1);
    // The command's own failure explains more than a write into a pipe it had closed.
    if code == 0 {
        fed?;
    }
    Ok((code, String::from_utf8_lossy(&stderr).into_owned()))
}
