//! Exec: run a command inside a Service's container (tasks such as migrations, `psql`), streaming its
//! output and returning its exit code.

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::StreamExt;

use crate::error::{EngineError, detail};
use crate::status::{LogLine, OutputStream};

pub(crate) async fn run(
    docker: &Docker,
    service: &str,
    container: &str,
    command: &[String],
    mut on_output: impl FnMut(LogLine) + Send,
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
    match docker
        .start_exec(&exec.id, None)
        .await
        .map_err(|e| fail(detail(&e)))?
    {
        StartExecResults::Attached { mut output, .. } => {
            while let Some(chunk) = output.next().await {
                let (stream, bytes) = match chunk.map_err(|e| fail(detail(&e)))? {
                    LogOutput::StdErr { message } => (OutputStream::Stderr, message),
                    LogOutput::StdOut { message } | LogOutput::Console { message } => {
                        (OutputStream::Stdout, message)
                    }
                    LogOutput::StdIn { .. } => continue,
                };
                for text in String::from_utf8_lossy(&bytes).lines() {
                    on_output(LogLine {
                        service: service.to_string(),
                        container: container.to_string(),
                        stream,
                        text: text.to_string(),
                    });
                }
            }
        }
        StartExecResults::Detached => {}
    }
    let inspect = docker
        .inspect_exec(&exec.id)
        .await
        .map_err(|e| fail(detail(&e)))?;
    Ok(inspect.exit_code.unwrap_or(-1))
}
