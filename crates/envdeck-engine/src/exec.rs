//! Exec: run a command inside a Service's container (tasks such as migrations, `psql`), streaming its
//! output and returning its exit code.

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::StreamExt;

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
    let fail = |detail: String| EngineError::Exec {
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
            on_chunk(stream, &bytes).map_err(fail)?;
        }
    }
    let inspect = docker
        .inspect_exec(&exec.id)
        .await
        .map_err(|e| fail(detail(&e)))?;
    Ok(inspect.exit_code.unwrap_or(-1))
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

/// Puts one file into a container (as a one-entry tar, what Docker's archive endpoint takes).
pub(crate) async fn copy_into(
    docker: &Docker,
    service: &str,
    container: &str,
    path: &str,
    contents: Vec<u8>,
) -> Result<(), EngineError> {
    let fail = |detail: String| EngineError::Exec {
        service: service.to_string(),
        command: format!("copy {path} into the container"),
        detail,
    };
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let dir = if dir.is_empty() { "/" } else { dir };
    let mut header = tar::Header::new_gnu();
    header.set_size(contents.len() as u64);
    // Readable by the database user the restore runs as, and by nobody else.
    header.set_mode(0o644);
    header.set_cksum();
    let mut archive = tar::Builder::new(Vec::new());
    archive
        .append_data(&mut header, name, contents.as_slice())
        .map_err(|e| fail(e.to_string()))?;
    let archive = archive.into_inner().map_err(|e| fail(e.to_string()))?;
    let options = bollard::query_parameters::UploadToContainerOptions {
        path: dir.to_string(),
        ..Default::default()
    };
    docker
        .upload_to_container(container, Some(options), bollard::body_full(archive.into()))
        .await
        .map_err(|e| fail(detail(&e)))
}
