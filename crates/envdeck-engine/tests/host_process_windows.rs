//! Host processes on Windows (run under Wine by scripts/windows-tests.sh): a tree started in its job
//! object is healthy once its URL answers, is stopped politely with CTRL_BREAK (grandchildren whose
//! parent already exited included), is terminated after the grace period when it ignores the break,
//! ends with the EnvDeck process that owns it, and a recorded pid now used by another program is left
//! alone.
//!
//! Under Wine 8 one thing differs, and the test says so rather than skip it: GenerateConsoleCtrlEvent
//! fails there (scripts/windows/ctrl-break-repro shows it without EnvDeck), so the polite stop cannot
//! deliver its CTRL_BREAK and the tree is ended by its job after the grace period. On Windows the
//! break is delivered and asserted (the windows-2022 job of .github/workflows/ci.yml).
//!
//! The tree is this test binary itself, run again in a role (`ENVDECK_TREE_ROLE`): no shell or other
//! program is assumed on the machine. Each member holds a file open with no sharing (`alive-<pid>`), so
//! the test sees from the file system alone whether a member still runs: the OS closes the file when
//! the process ends, however it ends.

#![cfg(windows)]

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::windows::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use envdeck_core::progress::{Health, Outcome, Progress};
use envdeck_core::secret::{Masker, SecretValue};
use envdeck_engine::process::{self, HostSpec, RunRecord, Timing};
use envdeck_engine::status::LogOptions;
use futures_util::StreamExt;

const SECRET: &str = "s3cr3t-value-that-must-never-be-printed-0123456789";
/// Windows' "the file is in use by another process".
const SHARING_VIOLATION: i32 = 32;

// ---- the tree's members (this binary, run again) ----

/// What a member of a test tree does; the test harness runs it as an ignored test in a new process.
#[test]
#[ignore = "a member of the process trees the tests below start; run only by them"]
fn tree_member() {
    let Ok(role) = std::env::var("ENVDECK_TREE_ROLE") else {
        return; // run by hand with --include-ignored: nothing to do
    };
    let dir = PathBuf::from(std::env::var("ENVDECK_TREE_DIR").expect("the tree's folder"));
    let _alive = hold_alive_file(&dir);
    match role.as_str() {
        // The leader: a server for the health URL, a child, and a parent that leaves an orphan.
        "leader" => {
            let port: u16 = std::env::var("PORT").expect("PORT").parse().expect("a port");
            serve_health(port);
            spawn_member("sleeper");
            spawn_member("parent");
            println!(
                "leader up key={}",
                std::env::var("SECRET_KEY").unwrap_or_default()
            );
            eprintln!("to stderr");
        }
        // Starts a grandchild and ends at once: the grandchild's parent is gone.
        "parent" => {
            spawn_member("sleeper");
            return;
        }
        "sleeper" => {}
        other => panic!("unknown role {other}"),
    }
    wait_for_break(&dir);
}

/// Creates `alive-<pid>` with no sharing and keeps it open as long as this process runs.
fn hold_alive_file(dir: &Path) -> std::fs::File {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .share_mode(0)
        .open(dir.join(format!("alive-{}", std::process::id())))
        .expect("the member's alive file")
}

// Never waited for on purpose: a parent that ends leaves its child to the job (Windows has no zombies).
#[allow(clippy::zombie_processes)]
fn spawn_member(role: &str) {
    Command::new(std::env::current_exe().expect("own path"))
        .args([
            "--exact",
            "tree_member",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ENVDECK_TREE_ROLE", role)
        .spawn()
        .expect("a member starts");
}

fn serve_health(port: u16) {
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("the health port is free");
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 512];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
        }
    });
}

/// Waits for CTRL_BREAK: writes `polite-<pid>` and ends, or, with `ENVDECK_TREE_IGNORE_BREAK`, ignores
/// every break (a stubborn program, ended only by force).
fn wait_for_break(dir: &Path) {
    let stubborn = std::env::var_os("ENVDECK_TREE_IGNORE_BREAK").is_some();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut breaks = tokio::signal::windows::ctrl_break().expect("listening for CTRL_BREAK");
        loop {
            breaks.recv().await;
            if !stubborn {
                break;
            }
        }
    });
    std::fs::write(dir.join(format!("polite-{}", std::process::id())), "").expect("the polite marker");
    std::process::exit(0);
}

// ---- the test side ----

struct Tree {
    _tmp: tempfile::TempDir,
    /// Where members write their alive and polite files.
    members: PathBuf,
    state: PathBuf,
    cwd: PathBuf,
    port: u16,
}

impl Tree {
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (members, cwd) = (tmp.path().join("members"), tmp.path().join("app"));
        std::fs::create_dir_all(&members).expect("members folder");
        std::fs::create_dir_all(&cwd).expect("working folder");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        Tree {
            state: tmp.path().join("state"),
            members,
            cwd,
            port,
            _tmp: tmp,
        }
    }

    fn spec(&self, key: &str, stubborn: bool) -> HostSpec {
        let exe = std::env::current_exe().expect("own path");
        let mut env = vec![
            ("ENVDECK_TREE_ROLE".to_owned(), "leader".to_owned()),
            ("ENVDECK_TREE_DIR".to_owned(), self.members.display().to_string()),
            ("PORT".to_owned(), self.port.to_string()),
            ("SECRET_KEY".to_owned(), SECRET.to_owned()),
        ];
        if stubborn {
            env.push(("ENVDECK_TREE_IGNORE_BREAK".to_owned(), "1".to_owned()));
        }
        HostSpec {
            key: key.to_owned(),
            service: "app".to_owned(),
            command: [
                exe.display().to_string().as_str(),
                "--exact",
                "tree_member",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ]
            .map(str::to_owned)
            .to_vec(),
            cwd: self.cwd.clone(),
            env,
            health_url: Some(format!("http://127.0.0.1:{}/health", self.port)),
        }
    }

    fn files(&self, prefix: &str) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&self.members)
            .expect("members folder")
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
            })
            .collect();
        found.sort();
        found
    }

    /// The members that still run.
    fn running(&self) -> Vec<PathBuf> {
        self.files("alive-")
            .into_iter()
            .filter(|f| still_held(f))
            .collect()
    }

    /// Waits until `n` members run: the leader, its child and the orphaned grandchild.
    async fn wait_running(&self, n: usize) -> Vec<PathBuf> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let running = self.running();
            if (running.len() >= n && self.files("alive-").len() > n) || Instant::now() > deadline {
                return running;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until no member runs.
    async fn wait_none_running(&self, within: Duration) -> Vec<PathBuf> {
        let deadline = Instant::now() + within;
        loop {
            let running = self.running();
            if running.is_empty() || Instant::now() > deadline {
                return running;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Whether the process that created `file` still holds it (opening it fails with a sharing violation).
fn still_held(file: &Path) -> bool {
    match OpenOptions::new().read(true).share_mode(0).open(file) {
        Ok(_) => false,
        Err(e) => e.raw_os_error() == Some(SHARING_VIOLATION),
    }
}

/// Whether this Windows is Wine (its registry has Wine's own key; Windows' has not).
fn under_wine() -> bool {
    Command::new("reg")
        .args(["query", r"HKLM\Software\Wine"])
        .output()
        .is_ok_and(|out| out.status.success())
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

fn timing(grace: Duration) -> Timing {
    Timing {
        startup: Duration::from_secs(30),
        grace,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_in_its_job_is_healthy_then_stopped_politely_with_ctrl_break() {
    let tree = Tree::new();
    let spec = tree.spec("polite", false);
    let (events, sink) = recorder();
    let report = process::start(
        &spec,
        &tree.state,
        masker(),
        timing(Duration::from_secs(10)),
        sink,
    )
    .await
    .unwrap_or_else(|e| panic!("the tree starts: {e}"));
    assert_eq!(report.services, vec![("app".to_owned(), Outcome::Started)]);
    assert!(
        events.lock().unwrap().iter().any(|p| matches!(
            p,
            Progress::Health {
                health: Health::Healthy,
                ..
            }
        )),
        "healthy once the URL answered"
    );
    // leader, its child, and the grandchild whose parent has ended (four alive files, three held).
    let members = tree.wait_running(3).await;
    assert_eq!(
        members.len(),
        3,
        "leader, child, orphaned grandchild run: {members:?}"
    );
    assert_eq!(tree.files("alive-").len(), 4, "the parent has ended");

    let ps = process::ps(&tree.state, "polite").await;
    assert_eq!(ps.len(), 1);
    assert_eq!((ps[0].state.as_str(), ps[0].health), ("running", Health::Healthy));

    let lines: Vec<String> = process::logs(&tree.state, "polite", LogOptions::default())
        .map(|l| l.expect("the log reads").text)
        .collect()
        .await;
    // (libtest's "test tree_member ... " starts the leader's first line.)
    assert!(
        lines.iter().any(|l| l.ends_with("leader up key=••••")),
        "the leader's output is logged, its secret masked: {lines:?}"
    );
    assert!(!lines.iter().any(|l| l.contains(SECRET)));
    let log_file = std::fs::read_to_string(tree.state.join("polite.log")).expect("the log file");
    assert!(!log_file.contains(SECRET), "the secret never reaches the disk");

    let wine = under_wine();
    let grace = if wine {
        Duration::from_secs(2)
    } else {
        Duration::from_secs(10)
    };
    let began = Instant::now();
    let stopped = process::stop(&tree.state, "polite", grace, recorder().1)
        .await
        .unwrap_or_else(|e| panic!("stop: {e}"))
        .expect("there was a run to stop");
    let took = began.elapsed();
    assert!(stopped.was_running);
    assert!(
        tree.wait_none_running(Duration::from_secs(5)).await.is_empty(),
        "every member of the tree has ended, the orphan included"
    );
    if wine {
        // Wine's gap: if this fails, Wine now delivers the break; drop this branch and the repro.
        assert!(
            tree.files("polite-").is_empty() && took >= grace,
            "under Wine 8 the break never arrives and the job ends the tree after the grace period \
             (stop took {took:?}, {} members ended politely)",
            tree.files("polite-").len()
        );
    } else {
        assert_eq!(
            tree.files("polite-").len(),
            3,
            "each member ended on CTRL_BREAK, not by force (stop took {took:?})"
        );
        assert!(
            took < Duration::from_secs(8),
            "no grace period waited out: {took:?}"
        );
    }
    assert!(
        process::status(&tree.state, "polite").is_none(),
        "the run is forgotten"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_that_ignores_ctrl_break_is_terminated_after_the_grace_period() {
    let tree = Tree::new();
    let spec = tree.spec("stubborn", true);
    process::start(
        &spec,
        &tree.state,
        masker(),
        timing(Duration::from_secs(2)),
        recorder().1,
    )
    .await
    .unwrap_or_else(|e| panic!("the tree starts: {e}"));
    assert_eq!(tree.wait_running(3).await.len(), 3);
    let began = Instant::now();
    process::stop(&tree.state, "stubborn", Duration::from_secs(2), recorder().1)
        .await
        .unwrap_or_else(|e| panic!("stop: {e}"));
    let took = began.elapsed();
    assert!(
        took >= Duration::from_secs(2),
        "the break was ignored, so the grace period ran out first: {took:?}"
    );
    let left = tree.wait_none_running(Duration::from_secs(5)).await;
    assert!(
        left.is_empty(),
        "the job was terminated, orphan included: {left:?}"
    );
    assert!(tree.files("polite-").is_empty(), "nobody ended by themselves");
}

#[test]
#[ignore = "run by a_tree_ends_with_the_envdeck_process_that_owns_it in its own process"]
fn owner_starts_a_tree_then_ends() {
    let (Ok(members), Ok(state), Ok(port)) = (
        std::env::var("ENVDECK_OWNER_MEMBERS"),
        std::env::var("ENVDECK_OWNER_STATE"),
        std::env::var("ENVDECK_OWNER_PORT"),
    ) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let tree = Tree {
            _tmp: tempfile::tempdir().expect("tempdir"),
            members: PathBuf::from(members),
            state: PathBuf::from(&state),
            cwd: std::env::temp_dir(),
            port: port.parse().expect("a port"),
        };
        let spec = tree.spec("owned", true);
        process::start(
            &spec,
            &tree.state,
            masker(),
            timing(Duration::from_secs(2)),
            recorder().1,
        )
        .await
        .unwrap_or_else(|e| panic!("the tree starts: {e}"));
        assert_eq!(tree.wait_running(3).await.len(), 3, "the whole tree runs");
    });
    // Ends without stopping anything, as a crash would.
    std::process::exit(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_ends_with_the_envdeck_process_that_owns_it() {
    let tree = Tree::new();
    let out = Command::new(std::env::current_exe().expect("own path"))
        .args([
            "--exact",
            "owner_starts_a_tree_then_ends",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ENVDECK_OWNER_MEMBERS", &tree.members)
        .env("ENVDECK_OWNER_STATE", &tree.state)
        .env("ENVDECK_OWNER_PORT", tree.port.to_string())
        .output()
        .expect("the owner runs");
    assert!(
        out.status.success(),
        "the owner started its tree: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(tree.files("alive-").len(), 4, "the owner's tree was started");
    let left = tree.wait_none_running(Duration::from_secs(5)).await;
    assert!(
        left.is_empty(),
        "the job ended with its owner, orphan included: {left:?}"
    );
    assert!(
        tree.files("polite-").is_empty(),
        "ended by the job's close, not asked"
    );
}

#[tokio::test]
async fn a_recorded_pid_that_is_now_another_program_is_left_alone() {
    let tree = Tree::new();
    std::fs::create_dir_all(&tree.state).expect("state folder");
    let mut bystander = Command::new(std::env::current_exe().expect("own path"))
        .args([
            "--exact",
            "tree_member",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ENVDECK_TREE_ROLE", "sleeper")
        .env("ENVDECK_TREE_DIR", &tree.members)
        .env("ENVDECK_TREE_IGNORE_BREAK", "1")
        .spawn()
        .expect("the bystander runs");
    let pid = bystander.id();
    assert_eq!(tree.wait_running(1).await.len(), 1);
    // A record from an earlier run whose pid the OS has since given to `bystander` (another start time).
    let stale = RunRecord {
        pid,
        pgid: pid,
        identity: Some("windows:1".into()),
        started_at: 0,
        owner: 1,
        service: "app".into(),
        command: vec!["uvicorn".into()],
        cwd: tree.cwd.clone(),
        health_url: None,
    };
    std::fs::write(
        tree.state.join("stale.json"),
        serde_json::to_string(&stale).expect("json"),
    )
    .expect("the record");
    let (_, is_running) = process::status(&tree.state, "stale").expect("the record is read");
    assert!(!is_running, "a pid with another start time is not our process");
    let stopped = process::stop(&tree.state, "stale", Duration::from_millis(500), recorder().1)
        .await
        .expect("stop")
        .expect("there was a record");
    assert!(!stopped.was_running);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(tree.running().len(), 1, "the bystander still runs");
    let _ = bystander.kill();
    let _ = bystander.wait();
}
