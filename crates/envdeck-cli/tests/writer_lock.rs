//! One writer per Environment, across processes: two `envdeck` processes starting, stopping or
//! generating the secrets of one environment at once take turns. Each test runs the real binary
//! against the real dockerd and the real keychain (under scripts/with-keychain.sh), with a private list
//! of projects and a private state folder (where the locks live).
//!
//! Fixture: tests/fixtures/projects/writer-lock (a Start of it takes about 4 s).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use envdeck_tests::cli::{Spawned, run_bounded, signal};

const FIXTURE: &str = "../../tests/fixtures/projects/writer-lock";
const LIMIT: Duration = Duration::from_secs(120);

/// Project folders, a private list of projects and state folder; on drop every stack and keychain
/// entry the folders got goes, even after a failed assertion.
struct Area {
    tmp: tempfile::TempDir,
    made: RefCell<Vec<(String, String)>>,
}

impl Area {
    fn new() -> Self {
        Self {
            tmp: tempfile::tempdir().expect("tempdir"),
            made: RefCell::default(),
        }
    }

    fn project(&self, name: &str) -> PathBuf {
        let dir = self.tmp.path().join("work").join(name);
        std::fs::create_dir_all(&dir).expect("project folder");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
        for entry in std::fs::read_dir(&fixture).expect("the writer-lock fixture") {
            let entry = entry.expect("fixture entry");
            std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy fixture");
        }
        dir
    }

    fn command(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_envdeck"));
        cmd.arg("--project")
            .arg(dir)
            .args(args)
            .env("ENVDECK_PROJECTS_DIR", self.tmp.path().join("registry"))
            .env(
                "ENVDECK_STATE_DIR",
                self.tmp.path().join("state").join("processes"),
            );
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `envdeck ARGS` to its end: (success, stdout + stderr).
    fn run(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
        let ran = run_bounded(self.command(dir, args, env), LIMIT);
        (ran.status.success(), ran.text())
    }

    fn ok(&self, dir: &Path, args: &[&str]) -> String {
        let (ok, text) = self.run(dir, args, &[]);
        assert!(ok, "envdeck {args:?} must succeed:\n{text}");
        text
    }

    /// The stack of `local`, remembered (with its keychain entry) for the clean-up.
    fn stack(&self, dir: &Path) -> String {
        let view: serde_json::Value =
            serde_json::from_str(&self.ok(dir, &["project", "show", "--json"])).expect("JSON");
        let local = view["environments"]
            .as_array()
            .and_then(|all| all.iter().find(|e| e["id"] == "local"))
            .unwrap_or_else(|| panic!("no local in {view}"));
        let text = |k: &str| local[k].as_str().unwrap_or_default().to_owned();
        self.made.borrow_mut().push((text("stack"), text("keychain")));
        text("stack")
    }

    fn secret(&self, dir: &Path) -> String {
        self.ok(dir, &["secrets", "reveal", "local", "SECRET_KEY"])
            .trim()
            .to_owned()
    }
}

impl Drop for Area {
    fn drop(&mut self) {
        for (stack, keychain) in self.made.borrow().iter() {
            envdeck_tests::remove_stack(stack);
            let parts: Vec<&str> = keychain.splitn(3, ':').collect();
            if let [_, project, env] = parts[..]
                && let Ok(ns) = envdeck_vault::Namespace::new(project, env)
            {
                let _ = envdeck_vault::delete(&ns, "SECRET_KEY");
            }
        }
    }
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker runs");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// What the stack's `app` container was given as SECRET_KEY, read from Docker.
fn secret_in_container(stack: &str) -> String {
    let id = docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.compose.project={stack}"),
        "--filter",
        "label=com.docker.compose.service=app",
    ]);
    assert_eq!(id.lines().count(), 1, "one app container of {stack}: {id}");
    let env = docker(&["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", &id]);
    env.lines()
        .find_map(|l| l.strip_prefix("SECRET_KEY="))
        .unwrap_or_else(|| panic!("the app container of {stack} has SECRET_KEY"))
        .to_owned()
}

fn networks(stack: &str) -> usize {
    docker(&[
        "network",
        "ls",
        "-q",
        "--filter",
        &format!("label=com.docker.compose.project={stack}"),
    ])
    .lines()
    .count()
}

#[test]
fn five_races_of_two_first_starts_leave_one_secret_the_one_the_containers_got() {
    let area = Area::new();
    let mut waited = 0;
    for round in 0..5 {
        let dir = area.project(&format!("race-{round}"));
        let first = Spawned::start(area.command(&dir, &["up", "local"], &[]));
        let second = Spawned::start(area.command(&dir, &["up", "local"], &[]));
        let (a, a_out) = first.finish(LIMIT);
        let (b, b_out) = second.finish(LIMIT);
        assert!(
            a.success() && b.success(),
            "round {round}: both Starts succeed\n--- first:\n{a_out}\n--- second:\n{b_out}"
        );
        if a_out.contains("local is busy") || b_out.contains("local is busy") {
            waited += 1;
        }
        let stack = area.stack(&dir);
        assert_eq!(
            area.secret(&dir),
            secret_in_container(&stack),
            "round {round}: the keychain holds the secret the container got"
        );
        assert_eq!(networks(&stack), 1, "round {round}: one network for {stack}");
    }
    assert!(
        waited > 0,
        "in five rounds of two Starts launched together, one waited for the other at least once"
    );
}

#[test]
fn two_secret_generations_at_once_generate_once() {
    let area = Area::new();
    for round in 0..5 {
        let dir = area.project(&format!("gen-{round}"));
        let first = Spawned::start(area.command(&dir, &["secrets", "generate", "local"], &[]));
        let second = Spawned::start(area.command(&dir, &["secrets", "generate", "local"], &[]));
        let (a, a_out) = first.finish(LIMIT);
        let (b, b_out) = second.finish(LIMIT);
        area.stack(&dir);
        assert!(
            a.success() && b.success(),
            "round {round}:\n{a_out}\n---\n{b_out}"
        );
        let generated = [&a_out, &b_out]
            .iter()
            .filter(|out| out.contains("generated SECRET_KEY"))
            .count();
        let kept = [&a_out, &b_out]
            .iter()
            .filter(|out| out.contains("kept      SECRET_KEY"))
            .count();
        assert_eq!(
            (generated, kept),
            (1, 1),
            "round {round}: one generates, the other finds the value there\n{a_out}\n---\n{b_out}"
        );
    }
}

#[test]
fn a_waiting_writer_names_the_holder_and_a_killed_holder_leaves_no_lock() {
    let area = Area::new();
    let dir = area.project("held");
    let mut holder = Spawned::start(area.command(&dir, &["up", "local"], &[]));
    // Past its secrets and waiting for `slow` to be healthy: the lock is held.
    holder.wait_for_line("ok    service slow", LIMIT);
    let pid = holder.child.id();

    let (ok, text) = area.run(
        &dir,
        &["secrets", "generate", "local"],
        &[("ENVDECK_LOCK_WAIT", "1")],
    );
    assert!(!ok, "a writer that waited its limit fails:\n{text}");
    assert!(
        text.contains(&format!(
            "local is busy: the envdeck CLI (pid {pid}) has been starting it"
        )) && text.contains("waited 1 s")
            && text.contains("ENVDECK_LOCK_WAIT"),
        "the message names the holder, what it does, and how long the waiter waited:\n{text}"
    );

    signal(pid, "KILL");
    let _ = holder.finish(Duration::from_secs(10));
    // No wait allowed: the killed holder's lock went with it.
    let (ok, text) = area.run(
        &dir,
        &["secrets", "generate", "local"],
        &[("ENVDECK_LOCK_WAIT", "0")],
    );
    assert!(
        ok && text.contains("kept      SECRET_KEY") && !text.contains("busy"),
        "after the holder was killed the lock is free at once:\n{text}"
    );
    area.stack(&dir);
    area.ok(&dir, &["up", "local"]);
}

#[test]
fn a_stop_during_a_start_waits_for_it_then_stops_what_it_made() {
    let area = Area::new();
    let dir = area.project("stop-during-start");
    let mut start = Spawned::start(area.command(&dir, &["up", "local"], &[]));
    start.wait_for_line("ok    service slow", LIMIT);
    let (ok, text) = area.run(&dir, &["down", "local"], &[]);
    let (started, start_out) = start.finish(LIMIT);
    assert!(started.success(), "the Start finishes first:\n{start_out}");
    assert!(
        ok && text.contains("local is busy: the envdeck CLI") && text.contains("starting it"),
        "the Stop says who it waits for, then stops:\n{text}"
    );
    let stack = area.stack(&dir);
    assert_eq!(
        docker(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label=com.docker.compose.project={stack}")
        ]),
        "",
        "no container of {stack} is left: the Stop ran after the Start, not beside it"
    );
}
