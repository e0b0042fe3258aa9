//! A Task on the host (the `sqlite` environment's migrations, test user, `pytest`): one command run to
//! its end in the environment's folder with its variables, its output streamed line by line. Unlike the
//! environment's own process it is not recorded or supervised: it belongs to the caller, and dropping
//! the future kills it.

use std::process::Stdio;

use envdeck_core::secret::Masker;
use tokio::process::Command;
use tokio::sync::mpsc;

use super::{HostSpec, check_program, container_of, output};
use crate::error::EngineError;
use crate::status::{LogLine, OutputStream};

/// Runs `spec.command` in `spec.cwd` with `spec.env`; every output line goes to `on_line`, masked with
/// `masker` once whole. Returns the exit code; a process ended by a signal answers 128 + the signal, as a
/// shell would.
pub async fn run_to_end(
    spec: &HostSpec,
    masker: &Masker,
    mut on_line: impl FnMut(LogLine) + Send,
) -> Result<i64, EngineError> {
    let program = check_program(spec)?;
    let mut command = Command::new(&program);
    command
        .args(&spec.command[1..])
        .current_dir(&spec.cwd)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|e| EngineError::Spawn {
        program: spec.command[0].clone(),
        detail: e.to_string().into(),
    })?;
    let container = container_of(child.id().unwrap_or(0));
    let (tx, mut rx) = mpsc::unbounded_channel();
    if let Some(stdout) = child.stdout.take() {
        tokio::spawn(output::pump(
            stdout,
            OutputStream::Stdout,
            masker.clone(),
            tx.clone(),
        ));
    }
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(output::pump(
            stderr,
            OutputStream::Stderr,
            masker.clone(),
            tx.clone(),
        ));
    }
    drop(tx);
    // Both pipes close when the command and anything it left behind have let go of them.
    while let Some((stream, text)) = rx.recv().await {
        on_line(LogLine {
            service: spec.service.clone(),
            container: container.clone(),
            stream,
            text,
        });
    }
    let status = child.wait().await.map_err(|e| EngineError::Spawn {
        program: spec.command[0].clone(),
        detail: e.to_string().into(),
    })?;
    Ok(exit_code(status))
}

#[cfg(unix)]
fn exit_code(status: std::process::ExitStatus) -> i64 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .map(i64::from)
        .or_else(|| status.signal().map(|s| 128 + i64::from(s)))
        .unwrap_or(-1)
}

#[cfg(not(unix))]
fn exit_code(status: std::process::ExitStatus) -> i64 {
    status.code().map(i64::from).unwrap_or(-1)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn spec(command: &[&str]) -> HostSpec {
        HostSpec {
            key: "edt-task".into(),
            service: "tests".into(),
            command: command.iter().map(|s| s.to_string()).collect(),
            cwd: std::env::temp_dir(),
            env: vec![("GREETING".into(), "hello".into())],
            health_url: None,
        }
    }

    #[tokio::test]
    async fn output_streams_in_order_with_the_exit_code() {
        let mut lines = Vec::new();
        let code = run_to_end(
            &spec(&["sh", "-c", "echo $GREETING; echo oops >&2; pwd; exit 3"]),
            &Masker::default(),
            |l| lines.push((l.stream, l.text)),
        )
        .await
        .expect("sh runs");
        assert_eq!(code, 3, "the command's own exit code");
        let stdout: Vec<&str> = lines
            .iter()
            .filter(|(s, _)| *s == OutputStream::Stdout)
            .map(|(_, t)| t.as_str())
            .collect();
        let tmp = std::env::temp_dir().canonicalize().unwrap();
        assert_eq!(
            stdout,
            ["hello", tmp.to_str().unwrap()],
            "its variables and folder"
        );
        assert!(
            lines.contains(&(OutputStream::Stderr, "oops".into())),
            "{lines:?}"
        );
    }

    #[tokio::test]
    async fn a_missing_program_is_named() {
        let err = run_to_end(&spec(&["no-such-program-envdeck"]), &Masker::default(), |_| {})
            .await
            .expect_err("nothing to run");
        assert!(
            err.to_string().contains("no-such-program-envdeck"),
            "names the program: {err}"
        );
    }

    #[tokio::test]
    async fn a_signal_reads_as_a_shell_would() {
        let code = run_to_end(&spec(&["sh", "-c", "kill -TERM $$"]), &Masker::default(), |_| {})
            .await
            .expect("sh runs");
        assert_eq!(code, 128 + 15);
    }
}
