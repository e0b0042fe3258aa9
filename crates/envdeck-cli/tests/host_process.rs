//! `envdeck up` of a host-process Environment stays in the foreground like `docker compose up`: other
//! `envdeck` processes see it (`ps`, `logs`), Ctrl-C stops its whole tree, and `envdeck down` from
//! another terminal ends it too. A missing interpreter is a doctor line and a clear error. Real
//! processes (tests/fixtures/projects/host-process), real keychain (scripts/with-keychain.sh).

#![cfg(target_os = "linux")]

use envdeck_tests::{free_port, process_group};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    state: tempfile::TempDir,
    project: String,
    /// The name the host environment's records go by (`<key>.json` in the state folder).
    key: String,
    port: u16,
}

impl Fixture {
    fn new(prefix: &str) -> Self {
        let (tmp, root) = envdeck_tests::copy_fixture("host-process", prefix);
        let port = free_port();
        let manifest = root.join("envdeck.toml");
        let text = std::fs::read_to_string(&manifest).expect("manifest");
        std::fs::write(&manifest, text.replace("@PORT@", &port.to_string())).expect("manifest");
        let opened = envdeck_tests::block_on(envdeck_api::project::open_identified(&root))
            .unwrap_or_else(|e| panic!("the fixture opens: {e}"));
        let project = envdeck_api::environment::project_id(&opened)
            .expect("an identified project")
            .to_owned();
        let key = envdeck_api::environment::stack_of(&opened, "host")
            .expect("the key of host")
            .name;
        Self {
            _tmp: tmp,
            root,
            state: tempfile::tempdir().expect("state dir"),
            project,
            key,
            port,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_envdeck"));
        cmd.arg("--project")
            .arg(&self.root)
            .args(args)
            .env("ENVDECK_STATE_DIR", self.state.path());
        cmd
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.command(args).output().expect("envdeck runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Where the foreground `up` writes its stderr, for the message of a failed assertion.
    fn up_stderr(&self) -> std::path::PathBuf {
        self.state.path().join("up.stderr")
    }

    fn said_by_up(&self) -> String {
        std::fs::read_to_string(self.up_stderr()).unwrap_or_default()
    }

    fn record(&self) -> Option<serde_json::Value> {
        let file = self.state.path().join(format!("{}.json", self.key));
        serde_json::from_str(&std::fs::read_to_string(file).ok()?).ok()
    }

    /// `envdeck up host` in the foreground; returns it once it printed "host is up", with its stdout lines.
    fn up_foreground(&self) -> (Child, mpsc::Receiver<String>) {
        let mut child = self
            .command(&["up", "host"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(self.up_stderr()).expect("a file for up's stderr"))
            .spawn()
            .expect("envdeck up runs");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.starts_with("host is up") => break,
                Ok(_) => {}
                Err(e) => panic!("`envdeck up host` never said it is up: {e}"),
            }
        }
        (child, rx)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(pgid) = self.record().and_then(|r| r["pgid"].as_u64())
            && !process_group(pgid as u32).is_empty()
        {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pgid}")])
                .status();
        }
        if let Ok(ns) = envdeck_vault::Namespace::new(&self.project, "host") {
            let _ = envdeck_vault::delete(&ns, "SECRET_KEY");
        }
    }
}

fn wait_exit(child: &mut Child, within: Duration) -> i32 {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code().unwrap_or(-1);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("envdeck up did not end within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn answers(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

#[test]
fn up_stays_in_the_foreground_others_see_it_and_ctrl_c_stops_the_whole_tree() {
    let f = Fixture::new("edt-cli-host");
    let (mut up, lines) = f.up_foreground();
    assert!(answers(f.port), "healthy means the server answers");
    let pgid = f.record().and_then(|r| r["pgid"].as_u64()).expect("recorded") as u32;

    let (code, out, err) = f.run(&["ps", "host"]);
    assert_eq!(code, 0, "{err}");
    let row = out.lines().nth(1).unwrap_or_default();
    assert!(
        row.starts_with("sh") && row.contains(&format!("pid {pgid}")) && row.contains("running"),
        "another envdeck process sees it: {out}"
    );
    let (code, out, err) = f.run(&["logs", "host"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("sh | greeting=hello from the fixture"), "{out}");
    assert!(
        out.contains("sh | key=••••") && out.contains("key length 64"),
        "{out}"
    );
    assert!(
        err.contains("sh | warming up"),
        "stderr lines go to stderr: {err}"
    );

    // The foreground `up` prints the process's output too.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut printed = Vec::new();
    while !printed.iter().any(|l: &String| l.contains("serving on")) && Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            printed.push(line);
        }
    }
    assert!(printed.iter().any(|l| l.contains("serving on")), "{printed:?}");

    let tree = process_group(pgid);
    assert!(tree.len() >= 6, "the whole tree runs: {tree:?}");
    let status = Command::new("kill")
        .args(["-INT", &up.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    assert_eq!(
        wait_exit(&mut up, Duration::from_secs(20)),
        130,
        "Ctrl-C's exit code"
    );
    assert!(
        process_group(pgid).is_empty(),
        "Ctrl-C left nothing of the tree: {:?}",
        process_group(pgid)
    );
    assert!(!answers(f.port));
    assert!(f.record().is_none(), "the run is forgotten");
    let (_, out, _) = f.run(&["ps", "host"]);
    assert_eq!(out.lines().count(), 1, "only the header: {out}");
}

#[test]
fn sigterm_and_sighup_stop_the_whole_tree_like_ctrl_c() {
    // SIGTERM: a service manager or `kill`; SIGHUP: the terminal was closed.
    for signal in ["TERM", "HUP"] {
        let f = Fixture::new(&format!("edt-cli-{}", signal.to_lowercase()));
        let (mut up, _lines) = f.up_foreground();
        let pgid = f.record().and_then(|r| r["pgid"].as_u64()).expect("recorded") as u32;
        assert!(!process_group(pgid).is_empty(), "the tree runs");
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &up.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        assert_eq!(
            wait_exit(&mut up, Duration::from_secs(20)),
            130,
            "SIG{signal} ends `up` as Ctrl-C does"
        );
        assert!(
            process_group(pgid).is_empty(),
            "SIG{signal} left nothing of the tree: {:?}",
            process_group(pgid)
        );
        assert!(f.record().is_none(), "the run is forgotten");
    }
}

#[test]
fn down_from_another_terminal_ends_the_foreground_up() {
    let f = Fixture::new("edt-cli-host-down");
    let (mut up, _lines) = f.up_foreground();
    let pgid = f.record().and_then(|r| r["pgid"].as_u64()).expect("recorded") as u32;
    let (code, out, err) = f.run(&["down", "host"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("ok    service sh (Stopped)"),
        "the Step is printed: {out}"
    );
    assert_eq!(
        out.lines().last().unwrap_or_default(),
        format!("host is down: sh (pid {pgid}) stopped")
    );
    assert_eq!(
        wait_exit(&mut up, Duration::from_secs(10)),
        0,
        "up ends quietly: {}",
        f.said_by_up()
    );
    assert!(process_group(pgid).is_empty());
    let (code, out, _) = f.run(&["down", "host"]);
    assert_eq!(
        (code, out.lines().last().unwrap_or_default()),
        (0, "host is down: it was not running")
    );
}

#[test]
fn a_missing_interpreter_is_a_doctor_line_and_a_clear_error() {
    let f = Fixture::new("edt-cli-host-missing");
    let (code, out, _) = f.run(&["info"]);
    assert_eq!(code, 0);
    let line = out
        .lines()
        .find(|l| l.starts_with("missing "))
        .unwrap_or_else(|| panic!("a doctor line for `missing`: {out}"));
    assert!(
        line.contains("FAIL  envdeck-test-no-such-interpreter is not installed (not found on PATH): install"),
        "{line}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("host ") && l.contains("ok")),
        "sh is installed: {out}"
    );

    let (code, out, err) = f.run(&["up", "missing"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        err.starts_with("error: envdeck-test-no-such-interpreter is not installed"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(Path::new(f.state.path()).read_dir().map_or(true, |mut d| {
        d.all(|e| e.map_or(true, |e| !e.file_name().to_string_lossy().ends_with(".json")))
    }));
}

#[test]
fn a_host_task_runs_in_the_environment_folder_with_its_secret_masked() {
    let f = Fixture::new("edt-host-task");
    let (code, _, stderr) = f.run(&["secrets", "generate", "host"]);
    assert_eq!(code, 0, "secrets generate: {stderr}");
    let (code, stdout, stderr) = f.run(&["task", "host", "greet"]);
    assert_eq!(code, 4, "the task's own exit code is envdeck's: {stdout}{stderr}");
    assert!(
        stdout.contains("greeting=hello from the fixture key=••••"),
        "the environment's variables, and its secret masked: {stdout}"
    );
    let folder = f.root.file_name().and_then(|n| n.to_str()).expect("folder name");
    assert!(
        stdout.contains(&format!("in {folder}")),
        "runs in the project folder: {stdout}"
    );
    assert!(stderr.contains("a warning"), "stderr stays stderr: {stderr}");
    let (_, listed, _) = f.run(&["task", "host"]);
    assert!(
        listed.contains("in host"),
        "the list says where it runs: {listed}"
    );
    assert!(
        f.record().is_none(),
        "a task is not the environment's process: nothing recorded"
    );
}
