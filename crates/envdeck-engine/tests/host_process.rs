//! Host processes on this machine (Linux, real processes, no Docker): a tree of `sh`, `sleep` and a
//! busybox HTTP server is healthy only once its URL answers, its output is logged (masked), and a stop
//! leaves no process of its group running. A missing program, an early exit, a taken port and a stale
//! pid each get their own outcome.

#![cfg(target_os = "linux")]

use envdeck_tests::{free_port, process_group};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use envdeck_core::progress::{Health, Outcome, Progress};
use envdeck_core::secret::{Masker, SecretValue};
use envdeck_engine::EngineError;
use envdeck_engine::process::{self, HostSpec, RunRecord, Timing};
use envdeck_engine::status::{LogOptions, OutputStream};
use futures_util::StreamExt;

const SECRET: &str = "s3cr3t-value-that-must-never-be-printed-0123456789";

/// `GET path` over plain HTTP/1.0; the status code, or `None` when nothing answers.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut conn =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)).ok()?;
    conn.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(conn, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut answer = String::new();
    conn.read_to_string(&mut answer).ok()?;
    answer.split_whitespace().nth(1)?.parse().ok()
}

/// (state, process group) of a pid from /proc, read here independently of the engine's own code.
fn proc_stat(pid: u32) -> Option<(char, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let pgrp = fields.nth(1)?.parse().ok()?;
    Some((state, pgrp))
}

fn running(pid: u32) -> bool {
    proc_stat(pid).is_some_and(|(state, _)| state != 'Z' && state != 'X')
}

struct Host {
    _tmp: tempfile::TempDir,
    state: PathBuf,
    cwd: PathBuf,
    port: u16,
}

impl Host {
    /// A working folder with `www/health` for busybox httpd, and a private state folder.
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cwd = tmp.path().join("app");
        std::fs::create_dir_all(cwd.join("www")).expect("www");
        std::fs::write(cwd.join("www/health"), "ok\n").expect("health file");
        Host {
            state: tmp.path().join("state"),
            cwd,
            port: free_port(),
            _tmp: tmp,
        }
    }

    fn spec(&self, key: &str, script: &str, health: bool) -> HostSpec {
        HostSpec {
            key: key.into(),
            service: "app".into(),
            command: vec!["sh".into(), "-c".into(), script.into()],
            cwd: self.cwd.clone(),
            env: vec![
                ("PORT".into(), self.port.to_string()),
                ("SECRET_KEY".into(), SECRET.into()),
            ],
            health_url: health.then(|| format!("http://127.0.0.1:{}/health", self.port)),
        }
    }

    fn run(&self, key: &str) -> Option<RunRecord> {
        process::status(&self.state, key).map(|(run, _)| run)
    }
}

impl Drop for Host {
    /// A failed assertion must not leave a tree running.
    fn drop(&mut self) {
        for entry in std::fs::read_dir(&self.state).into_iter().flatten().flatten() {
            let run = std::fs::read_to_string(entry.path())
                .ok()
                .and_then(|text| serde_json::from_str::<RunRecord>(&text).ok());
            let path = entry.path();
            let key = path.file_stem().unwrap_or_default().to_string_lossy();
            if let Some(run) = run.filter(|r| proc_stat(r.pid).is_some_and(|(_, g)| g == r.pgid)) {
                process::kill_now(&key, run.pgid);
            }
        }
    }
}

fn masker() -> Masker {
    Masker::new(&[SecretValue::new(SECRET.to_owned())])
}

type Events = Arc<Mutex<Vec<Progress>>>;

fn recorder() -> (Events, envdeck_engine::Sink) {
    let events: Events = Arc::default();
    let sink_events = events.clone();
    (events, Arc::new(move |p| sink_events.lock().unwrap().push(p)))
}

fn quick() -> Timing {
    Timing {
        startup: Duration::from_secs(20),
        grace: Duration::from_secs(5),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_is_healthy_once_its_url_answers_logs_masked_and_stops_entirely() {
    let host = Host::new();
    // The server comes up 1.5 s late; a child, grandchild and great-grandchild run beside it.
    let script = r#"echo "starting tree key=$SECRET_KEY"; echo "to stderr" >&2; sleep 1.5
(sleep 1000 & sh -c 'sleep 1001' & wait) &
busybox httpd -f -p 127.0.0.1:$PORT -h www &
echo "server launched"; wait"#;
    let spec = host.spec("tree", script, true);
    let port = host.port;
    // At the moment "healthy" is reported, the URL must answer (checked inside the event).
    let answered_when_healthy: Arc<Mutex<Option<Option<u16>>>> = Arc::default();
    let seen = answered_when_healthy.clone();
    let (events, record) = recorder();
    let sink: envdeck_engine::Sink = Arc::new(move |p: Progress| {
        if let Progress::Health {
            health: Health::Healthy,
            ..
        } = &p
        {
            *seen.lock().unwrap() = Some(http_status(port, "/health"));
        }
        record(p)
    });
    let began = Instant::now();
    let report = process::start(&spec, &host.state, masker(), quick(), sink)
        .await
        .unwrap_or_else(|e| panic!("the tree starts: {e}"));
    assert!(
        began.elapsed() >= Duration::from_millis(1400),
        "healthy only after the server came up 1.5 s in, not at spawn: {:?}",
        began.elapsed()
    );
    assert_eq!(
        *answered_when_healthy.lock().unwrap(),
        Some(Some(200)),
        "the URL answered 200 when healthy was reported"
    );
    assert_eq!(report.services, vec![("app".to_owned(), Outcome::Started)]);
    let steps: Vec<String> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|p| match p {
            Progress::StepFinished { step, outcome } => Some(format!("{step:?}:{outcome:?}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        steps,
        [
            "CheckPorts:Unchanged",
            "Service { service: \"app\" }:Started",
            "Ready { service: \"app\" }:Ready"
        ],
        "the same Steps as a Docker start"
    );

    let run = host
        .run("tree")
        .expect("the run is recorded for other EnvDeck processes");
    // Wait until the whole tree exists: sh, subshell, 2 sleeps, inner sh, httpd.
    let deadline = Instant::now() + Duration::from_secs(5);
    while process_group(run.pgid).len() < 6 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tree = process_group(run.pgid);
    assert!(tree.len() >= 6, "the tree runs in the recorded group: {tree:?}");

    let ps = process::ps(&host.state, "tree").await;
    assert_eq!(ps.len(), 1);
    assert_eq!((ps[0].state.as_str(), ps[0].health), ("running", Health::Healthy));
    assert_eq!(ps[0].ports[0].host_port, port, "the health URL's port is shown");

    let again = process::start(&spec, &host.state, masker(), quick(), recorder().1)
        .await
        .unwrap_or_else(|e| panic!("a second start is not an error: {e}"));
    assert_eq!(again.services, vec![("app".to_owned(), Outcome::Unchanged)]);
    assert_eq!(
        host.run("tree").map(|r| r.pid),
        Some(run.pid),
        "nothing new was spawned"
    );

    let lines: Vec<_> = process::logs(&host.state, "tree", LogOptions::default())
        .map(|l| l.expect("the log reads"))
        .collect()
        .await;
    let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert!(
        text.contains(&"starting tree key=••••"),
        "stdout logged, secret masked: {text:?}"
    );
    assert!(text.contains(&"server launched"), "{text:?}");
    let stderr = lines
        .iter()
        .find(|l| l.text == "to stderr")
        .expect("stderr logged");
    assert_eq!(stderr.stream, OutputStream::Stderr);
    assert_eq!(stderr.service, "app");
    let log_file = std::fs::read_to_string(host.state.join("tree.log")).expect("the log file");
    assert!(!log_file.contains(SECRET), "the secret never reaches the disk");

    let began = Instant::now();
    let stopped = process::stop(&host.state, "tree", Duration::from_secs(5), recorder().1)
        .await
        .unwrap_or_else(|e| panic!("stop: {e}"))
        .expect("there was a run to stop");
    assert!(stopped.was_running);
    assert!(
        began.elapsed() < Duration::from_secs(4),
        "SIGTERM was enough, no grace period waited out"
    );
    let alive: Vec<u32> = tree.iter().copied().filter(|&pid| running(pid)).collect();
    assert!(alive.is_empty(), "every process of the tree is gone: {alive:?}");
    assert!(
        process_group(run.pgid).is_empty(),
        "nothing is left in the process group"
    );
    assert_eq!(http_status(port, "/health"), None, "the server is down");
    assert!(host.run("tree").is_none(), "the run is forgotten");
    assert!(process::ps(&host.state, "tree").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let host = Host::new();
    let script = "trap '' TERM; sleep 1000 & sh -c 'sleep 1001' & echo up; wait";
    let spec = host.spec("stubborn", script, false);
    process::start(&spec, &host.state, masker(), quick(), recorder().1)
        .await
        .unwrap_or_else(|e| panic!("starts: {e}"));
    let run = host.run("stubborn").expect("recorded");
    let deadline = Instant::now() + Duration::from_secs(5);
    while process_group(run.pgid).len() < 4 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tree = process_group(run.pgid);
    assert!(tree.len() >= 4, "sh, sleep, sh, sleep: {tree:?}");
    let began = Instant::now();
    process::stop(&host.state, "stubborn", Duration::from_millis(800), recorder().1)
        .await
        .unwrap_or_else(|e| panic!("stop: {e}"));
    assert!(
        began.elapsed() >= Duration::from_millis(800),
        "SIGTERM was ignored, so the grace period ran out before SIGKILL: {:?}",
        began.elapsed()
    );
    let alive: Vec<u32> = tree.iter().copied().filter(|&pid| running(pid)).collect();
    assert!(alive.is_empty(), "SIGKILL ended them all: {alive:?}");
    assert!(process_group(run.pgid).is_empty());
}

#[tokio::test]
async fn a_program_not_on_path_is_a_clear_error_and_starts_nothing() {
    let host = Host::new();
    let mut spec = host.spec("missing", "", true);
    spec.command = vec!["uvicorn".into(), "src.main:app".into()];
    spec.env
        .push(("PATH".into(), host.cwd.join("no-bin").display().to_string()));
    let (events, sink) = recorder();
    let err = process::start(&spec, &host.state, masker(), quick(), sink)
        .await
        .expect_err("uvicorn is not on this PATH");
    assert!(matches!(err, EngineError::ProgramNotFound { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("uvicorn is not installed (not found on PATH): ")
            && text.contains("pip install -r requirements.txt"),
        "says what is missing and what to do: {text}"
    );
    assert!(events.lock().unwrap().is_empty(), "no Step was started");
    assert!(host.run("missing").is_none());

    spec.command = vec!["envdeck-no-such-interpreter".into()];
    spec.env.pop();
    let err = process::start(&spec, &host.state, masker(), quick(), recorder().1)
        .await
        .expect_err("not installed anywhere");
    assert!(
        err.to_string()
            .contains("envdeck-no-such-interpreter is not installed"),
        "{err}"
    );

    spec.cwd = host.cwd.join("no-such-folder");
    spec.command = vec!["sh".into()];
    let err = process::check_program(&spec).expect_err("the folder is missing");
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_early_exit_fails_the_start_with_its_last_lines() {
    let host = Host::new();
    let script = r#"echo "loading settings"; echo "key is $SECRET_KEY"; echo "boom: DATABASE_URL is wrong" >&2; exit 3"#;
    let spec = host.spec("early", script, true);
    let began = Instant::now();
    let (events, sink) = recorder();
    let err = process::start(&spec, &host.state, masker(), quick(), sink)
        .await
        .expect_err("it exits before answering");
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "the exit ends the wait, not the timeout"
    );
    let text = err.to_string();
    assert!(
        text.contains("exited with code 3 before http://127.0.0.1:"),
        "{text}"
    );
    assert!(
        text.contains("loading settings") && text.contains("boom: DATABASE_URL is wrong"),
        "its last lines are in the message: {text}"
    );
    assert!(
        !text.contains(SECRET) && text.contains("key is ••••"),
        "masked: {text}"
    );
    let failed = events.lock().unwrap().iter().any(|p| {
        matches!(
            p,
            Progress::StepFailed {
                step: envdeck_core::plan::Step::Ready { .. },
                ..
            }
        )
    });
    assert!(failed, "the Ready step is reported failed");
    assert!(host.run("early").is_none(), "a failed start leaves no run behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_already_answering_is_refused_before_anything_starts() {
    let host = Host::new();
    let listener = TcpListener::bind(("127.0.0.1", host.port)).expect("hold the port");
    let spec = host.spec("taken", "echo should-not-run; sleep 1000", true);
    let err = process::start(&spec, &host.state, masker(), quick(), recorder().1)
        .await
        .expect_err("another program holds the port");
    assert!(
        matches!(err, EngineError::HostPortTaken { port, .. } if port == host.port),
        "{err:?}"
    );
    assert!(err.to_string().contains("already in use by another program"));
    assert!(host.run("taken").is_none(), "nothing was spawned");
    drop(listener);
}

#[tokio::test]
async fn a_recorded_pid_that_is_now_another_program_is_never_signalled() {
    let host = Host::new();
    std::fs::create_dir_all(&host.state).expect("state dir");
    let mut bystander = std::process::Command::new("sleep")
        .arg("1000")
        .spawn()
        .expect("sleep runs");
    let pid = bystander.id();
    // A record from an earlier run whose pid the OS has since given to `bystander` (another start time).
    let stale = RunRecord {
        pid,
        pgid: pid,
        identity: Some("linux:1".into()),
        started_at: 0,
        owner: 1,
        service: "app".into(),
        command: vec!["uvicorn".into()],
        cwd: host.cwd.clone(),
        health_url: None,
    };
    std::fs::write(
        host.state.join("stale.json"),
        serde_json::to_string(&stale).expect("json"),
    )
    .expect("write record");
    let (_, is_running) = process::status(&host.state, "stale").expect("the record is read");
    assert!(!is_running, "a pid with another start time is not our process");
    assert_eq!(process::ps(&host.state, "stale").await[0].state, "exited");
    let stopped = process::stop(&host.state, "stale", Duration::from_millis(200), recorder().1)
        .await
        .expect("stop")
        .expect("there was a record");
    assert!(!stopped.was_running);
    assert!(running(pid), "the bystander still runs");
    assert!(
        !Path::new(&host.state.join("stale.json")).exists(),
        "the stale record is gone"
    );
    let _ = bystander.kill();
    let _ = bystander.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_that_ends_by_itself_shows_as_exited_with_its_code() {
    let host = Host::new();
    let spec = host.spec("ends", "echo working; sleep 1.5; echo done; exit 4", false);
    process::start(&spec, &host.state, masker(), quick(), recorder().1)
        .await
        .unwrap_or_else(|e| panic!("starts: {e}"));
    let run = host.run("ends").expect("recorded");
    // The service cards hear of the exit, with its code, without polling from the UI.
    let mut died = process::events(&host.state, "ends").filter_map(|e| {
        std::future::ready(match e {
            Ok(envdeck_engine::status::ServiceEvent {
                change: envdeck_engine::status::Change::Died { exit_code },
                container,
                ..
            }) => Some((exit_code, container)),
            _ => None,
        })
    });
    // A follower ends when the run ends, with every line.
    let lines: Vec<String> = process::logs(
        &host.state,
        "ends",
        LogOptions {
            follow: true,
            ..Default::default()
        },
    )
    .map(|l| l.expect("reads").text)
    .collect()
    .await;
    assert_eq!(lines, ["working", "done"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while process::read_exit(&host.state, "ends", run.pid).is_none() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        process::read_exit(&host.state, "ends", run.pid).and_then(|e| e.code),
        Some(4)
    );
    assert_eq!(process::ps(&host.state, "ends").await[0].state, "exited");
    let died = tokio::time::timeout(Duration::from_secs(5), died.next())
        .await
        .expect("an exit event within 5 s");
    assert_eq!(died, Some((Some(4), format!("pid {}", run.pid))));
    let stopped = process::stop(&host.state, "ends", Duration::from_secs(1), recorder().1)
        .await
        .expect("stop")
        .expect("recorded");
    assert!(!stopped.was_running, "nothing to signal");
}

/// Whether `text` shows any 8 consecutive characters of the secret (a fragment is a leak too).
fn shows_part_of_secret(text: &str) -> bool {
    SECRET
        .as_bytes()
        .windows(8)
        .any(|w| text.contains(std::str::from_utf8(w).unwrap_or_default()))
}

/// The output is read in pieces of at most 64 KiB: a secret lying across that cut used to be masked
/// piece by piece, so neither half was found. Now the cut keeps back a possible secret's start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_across_the_64_kib_cut_is_masked_in_logs_and_task_output() {
    let host = Host::new();
    // 65 530 bytes, then the secret, written at once: it crosses byte 65 536 of the line. Then a
    // prompt that waits without a newline, shown unfinished after the hold.
    let script = r#"pad=$(head -c 65530 /dev/zero | tr '\0' x); printf '%s%s and more\n' "$pad" "$SECRET_KEY"
printf 'prompt %s' "$SECRET_KEY"; sleep 0.5; echo ' answered'
sleep 1000"#;
    let spec = host.spec("cut", script, false);
    process::start(&spec, &host.state, masker(), quick(), recorder().1)
        .await
        .unwrap_or_else(|e| panic!("starts: {e}"));
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut lines: Vec<String> = Vec::new();
    while !lines.iter().any(|l| l.contains("answered")) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        lines = process::logs(&host.state, "cut", LogOptions::default())
            .map(|l| l.expect("the log reads").text)
            .collect()
            .await;
    }
    let text = lines.concat();
    assert!(
        text.contains("and more") && text.contains("answered"),
        "the output was logged: {} bytes",
        text.len()
    );
    assert!(
        !shows_part_of_secret(&text),
        "no part of the secret in the logged lines: {:?}",
        lines
            .iter()
            .map(|l| l.chars().rev().take(80).collect::<String>())
            .collect::<Vec<_>>()
    );
    let log_file = std::fs::read_to_string(host.state.join("cut.log")).expect("the log file");
    assert!(!shows_part_of_secret(&log_file), "no part of the secret on disk");
    process::stop(&host.state, "cut", Duration::from_secs(1), recorder().1)
        .await
        .expect("stop");

    // The same output from a host Task, whose lines go straight to the caller.
    let task = host.spec("cut-task", &script.replace("sleep 1000", "true"), false);
    let mut task_lines = Vec::new();
    let code = process::run_to_end(&task, &masker(), |l| task_lines.push(l.text))
        .await
        .unwrap_or_else(|e| panic!("the task runs: {e}"));
    assert_eq!(code, 0);
    let text = task_lines.concat();
    assert!(text.contains("answered"), "the task's output came through");
    assert!(
        !shows_part_of_secret(&text),
        "no part of the secret in a Task's output"
    );
}
