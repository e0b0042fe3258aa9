//! A host-process Environment through the same API calls as a Docker one (tests/fixtures/projects/
//! host-process, real processes, the real keychain via scripts/with-keychain.sh): Start generates its
//! secret and injects it into the process, ps/logs/stop see it, the logs are masked, nothing of its
//! tree survives Stop; a missing interpreter and an early exit are clear errors.

#![cfg(target_os = "linux")]

use envdeck_tests::{free_port, process_group};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use envdeck_api::stack::{LogOptions, RemoveVolumes};
use envdeck_api::{environment, host, secrets};
use envdeck_core::progress::{Health, Progress};
use futures_util::StreamExt;

/// A private copy of the fixture with its own port; on drop, whatever a failed test left running is
/// killed and its keychain entry deleted.
struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    /// The keychain id of the project.
    project: String,
    identity: envdeck_core::Identity,
    port: u16,
}

impl Fixture {
    fn new(prefix: &str) -> Self {
        let (tmp, root) = envdeck_tests::copy_fixture("host-process", prefix);
        let port = free_port();
        let manifest = root.join("envdeck.toml");
        let text = std::fs::read_to_string(&manifest).expect("manifest");
        std::fs::write(&manifest, text.replace("@PORT@", &port.to_string())).expect("manifest");
        let project = envdeck_tests::block_on(envdeck_api::project::open_identified(&root))
            .unwrap_or_else(|e| panic!("opens: {e}"));
        let identity = project.identity().expect("an identified project").clone();
        Self {
            project: identity.keychain_id().to_owned(),
            identity,
            _tmp: tmp,
            root,
            port,
        }
    }

    fn record(&self, env: &str) -> Option<serde_json::Value> {
        let file = host::state_dir()?.join(format!("{}.json", self.identity.stack_name(env)));
        serde_json::from_str(&std::fs::read_to_string(file).ok()?).ok()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        for env in ["host", "early", "missing"] {
            if let Some(pgid) = self.record(env).and_then(|r| r["pgid"].as_u64())
                && !process_group(pgid as u32).is_empty()
            {
                envdeck_engine::process::kill_now(&self.identity.stack_name(env), pgid as u32);
            }
            if let Some(dir) = host::state_dir() {
                for ext in ["json", "exit", "log"] {
                    let _ =
                        std::fs::remove_file(dir.join(format!("{}.{ext}", self.identity.stack_name(env))));
                }
            }
        }
        if let Ok(ns) = envdeck_vault::Namespace::new(&self.project, "host") {
            let _ = envdeck_vault::delete(&ns, "SECRET_KEY");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_environment_starts_with_its_secret_shows_in_ps_and_logs_and_stops_its_whole_tree() {
    let f = Fixture::new("edt-host");
    let events: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let seen = events.clone();
    let report = environment::start(&f.root, "host", move |p| seen.lock().unwrap().push(p))
        .await
        .unwrap_or_else(|e| panic!("the host environment starts (keychain ready?): {}", e.message));
    assert_eq!(report.services.len(), 1);
    assert!(
        events.lock().unwrap().iter().any(|p| matches!(
            p,
            Progress::Health {
                health: Health::Healthy,
                ..
            }
        )),
        "the timeline gets the health event a container would give"
    );

    let key = secrets::reveal(&f.project, "host", "SECRET_KEY")
        .await
        .unwrap_or_else(|e| panic!("SECRET_KEY was generated into the keychain: {}", e.message))
        .value;
    assert_eq!(key.chars().count(), 64);

    let ps = environment::ps(&f.root, "host").await.expect("ps");
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert_eq!((ps[0].service.as_str(), ps[0].state.as_str()), ("sh", "running"));
    assert_eq!(ps[0].health, Health::Healthy);
    let view = envdeck_api::desktop::open_project(&f.root).await.expect("opens");
    assert!(
        view.running.contains(&"host".to_owned()),
        "the picker marks it running"
    );

    let lines: Vec<String> = environment::logs(&f.root, "host", LogOptions::default())
        .await
        .expect("logs")
        .map(|l| l.expect("a line").text)
        .collect()
        .await;
    assert!(
        lines.contains(&"greeting=hello from the fixture".to_owned()),
        "env table: {lines:?}"
    );
    assert!(
        lines.contains(&"key length 64".to_owned()),
        "the secret reached the process: {lines:?}"
    );
    assert!(
        lines.contains(&"key=••••".to_owned()),
        "and is masked in its output: {lines:?}"
    );
    assert!(lines.contains(&"warming up".to_owned()), "stderr too: {lines:?}");
    assert!(lines.iter().all(|l| !l.contains(&key)));

    let pgid = f
        .record("host")
        .and_then(|r| r["pgid"].as_u64())
        .expect("recorded") as u32;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while process_group(pgid).len() < 6 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        process_group(pgid).len() >= 6,
        "sh, subshell, 2 sleeps, inner sh, httpd"
    );

    let down = environment::stop(&f.root, "host", RemoveVolumes::Keep, |_| {})
        .await
        .unwrap_or_else(|e| panic!("stop: {}", e.message));
    assert_eq!(down.containers, [format!("sh (pid {pgid})")]);
    assert!(process_group(pgid).is_empty(), "nothing of the tree is left");
    assert!(environment::ps(&f.root, "host").await.expect("ps").is_empty());
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", f.port)).is_err(),
        "the server is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_interpreter_is_a_doctor_line_and_a_clear_start_error() {
    let f = Fixture::new("edt-host-missing");
    let doctor = host::check_programs(&f.root).expect("the doctor reads the project");
    let line = doctor
        .iter()
        .find(|l| l.environment == "missing")
        .expect("a line for the missing interpreter");
    let text = serde_json::to_string(&line.status).expect("json");
    assert!(
        text.contains("unreachable")
            && text.contains("envdeck-test-no-such-interpreter is not installed (not found on PATH)"),
        "{text}"
    );
    let ok = doctor
        .iter()
        .find(|l| l.environment == "host")
        .expect("host line");
    assert!(
        serde_json::to_string(&ok.status)
            .expect("json")
            .contains("reachable"),
        "sh is installed"
    );

    let err = environment::start(&f.root, "missing", |_| {})
        .await
        .expect_err("not installed");
    assert!(err.message.contains("is not installed"), "{}", err.message);
    assert!(f.record("missing").is_none());

    let err = environment::start(&f.root, "early", |_| {})
        .await
        .expect_err("exits before its health URL answers");
    assert!(
        err.message.contains("exited with code 3") && err.message.contains("error: DATABASE_URL is not set"),
        "{}",
        err.message
    );
}
