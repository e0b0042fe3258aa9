//! Watching a running stack through a real Docker engine: events, logs, stats, exec, restart, crash loops.

mod common;

use std::time::Duration;

use common::*;
use envdeck_core::compose::Condition;
use envdeck_core::secret::Masker;
use envdeck_engine::status::{Change, LogOptions, OutputStream};
use envdeck_engine::{EngineError, RemoveVolumes};
use futures_util::StreamExt;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_stats_exec_events_and_restart_report_what_the_containers_do() {
    let engine = engine().await;
    let project = TestProject::new("watch");
    let talker = busybox(&[
        "sh",
        "-c",
        "echo to-stdout; echo to-stderr >&2; trap 'exit 0' TERM; while true; do sleep 0.2; done",
    ]);
    let model = model(&project.name, vec![("talker", talker), ("web", web())]);
    tokio::time::timeout(UP_TIMEOUT, engine.up(&stack(&model.name), &model, quiet()))
        .await
        .expect("up finishes")
        .expect("up succeeds");

    // Logs: stdout and stderr apart, one Service only.
    let options = LogOptions {
        service: Some("talker".into()),
        tail: Some(10),
        ..LogOptions::default()
    };
    let lines: Vec<_> = engine
        .logs(&project.stack, options, &Masker::default())
        .await
        .expect("logs open")
        .collect()
        .await;
    let lines: Vec<_> = lines
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("log lines read");
    assert!(
        lines
            .iter()
            .any(|l| l.text == "to-stdout" && l.stream == OutputStream::Stdout)
            && lines
                .iter()
                .any(|l| l.text == "to-stderr" && l.stream == OutputStream::Stderr),
        "each line keeps the stream it was written to: {lines:?}"
    );
    assert!(
        lines.iter().all(|l| l.service == "talker"),
        "only the chosen service's lines: {lines:?}"
    );

    // Exec: output and the command's own exit code.
    let cmd: Vec<String> = ["sh", "-c", "echo inside; exit 7"].map(String::from).to_vec();
    let mut out = Vec::new();
    let code = engine
        .exec(&project.stack, "talker", &cmd, |l| out.push(l.text))
        .await
        .expect("exec runs");
    assert_eq!(
        (code, out),
        (7, vec!["inside".to_string()]),
        "exec streams output and returns the exit code"
    );
    let err = engine
        .exec(&project.stack, "nobody", &cmd, |_| {})
        .await
        .expect_err("an unknown service");
    assert!(
        matches!(err, EngineError::NotRunning { .. }),
        "says the service has no running container: {err}"
    );

    // Stats: a sample per container, with memory in use.
    let mut stats = engine
        .stats(&project.stack, Some("web"))
        .await
        .expect("stats open");
    let sample = tokio::time::timeout(WAIT, stats.next())
        .await
        .expect("a sample arrives")
        .expect("the stream yields");
    let sample = sample.expect("the sample reads");
    assert!(
        sample.memory_bytes > 0 && sample.cpu_percent >= 0.0,
        "httpd uses some memory: {sample:?}"
    );

    // Events and restart: restarting one service shows up as its container dying and starting again.
    let mut events = Box::pin(engine.events(&project.stack));
    let restarted = engine
        .restart(&project.stack, Some("talker"))
        .await
        .expect("restart works");
    assert_eq!(
        restarted,
        vec![format!("{}-talker-1", project.name)],
        "only the named service restarts"
    );
    let mut seen = Vec::new();
    let found = tokio::time::timeout(WAIT, async {
        while let Some(event) = events.next().await {
            let event = event.expect("the events stream reads");
            seen.push(event.clone());
            if event.service == "talker" && event.change == Change::Started {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        found,
        Ok(true),
        "the restart arrives as a start event of talker: {seen:?}"
    );
    assert!(
        seen.iter()
            .any(|e| matches!(e.change, Change::Died { .. }) && e.service == "talker"),
        "the old process's death is reported first: {seen:?}"
    );
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_looping_dependency_fails_up_with_its_logs() {
    let engine = engine().await;
    let project = TestProject::new("crashloop");
    let mut crasher = busybox(&["sh", "-c", "echo crash-marker-7; exit 3"]);
    crasher.restart = Some("always".into());
    crasher.healthcheck = Some(health(&["CMD", "true"], 3));
    let app = depends(busybox(&["sleep", "3600"]), "crasher", Condition::ServiceHealthy);
    let model = model(&project.name, vec![("crasher", crasher), ("app", app)]);
    let result = tokio::time::timeout(UP_TIMEOUT, engine.up(&stack(&model.name), &model, quiet()))
        .await
        .expect("up finishes");
    let err = result.expect_err("a crash-looping dependency fails up");
    let message = err.to_string();
    assert!(
        message.contains("crash") && message.contains("`crasher`"),
        "names the service and the crash loop: {message}"
    );
    assert!(
        message.contains("crash-marker-7"),
        "carries its last log lines: {message}"
    );
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
}
