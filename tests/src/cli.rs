//! The `envdeck` CLI binary under test, run with a time bound (a hung command fails its test instead of
//! hanging the suite) or spawned with its output read line by line, so a test can act (send a signal)
//! at a known point of an `up`. Plus what the docker CLI says about a stack, read independently of
//! the code under test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// The CLI binary under test: `ENVDECK_CLI_BIN` (scripts/test.sh builds it and sets it).
pub fn cli_binary() -> PathBuf {
    let path = std::env::var_os("ENVDECK_CLI_BIN").map(PathBuf::from).expect(
        "ENVDECK_CLI_BIN is not set: run the suite with scripts/test.sh, which builds the CLI and sets it",
    );
    assert!(
        path.is_file(),
        "the CLI binary {} does not exist: build it with `cargo build -p envdeck-cli`",
        path.display()
    );
    path
}

/// What one finished command printed.
#[derive(Debug)]
pub struct Ran {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

impl Ran {
    /// stdout and stderr together, for messages and searches.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// `envdeck --project DIR ARGS...` with extra environment variables.
pub fn command(project: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(cli_binary());
    cmd.arg("--project").arg(project).args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs `envdeck` to its end; more than `limit` fails the test (after killing it).
pub fn envdeck(project: &Path, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Ran {
    run_bounded(command(project, args, env), limit)
}

/// Runs any command to its end within `limit`, or kills it and fails the test.
pub fn run_bounded(mut cmd: Command, limit: Duration) -> Ran {
    let started = Instant::now();
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?} starts: {e}"));
    let pid = child.id();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(out)) => Ran {
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            took: started.elapsed(),
        },
        Ok(Err(e)) => panic!("{cmd:?} could not be waited for: {e}"),
        Err(_) => {
            signal(pid, "KILL");
            panic!("{cmd:?} did not finish within {limit:?} (killed)");
        }
    }
}

/// Sends a signal (`KILL`, `INT`, `TERM`) to one process, by its id.
pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill runs: {e}"));
    assert!(status.success(), "kill -{name} {pid} failed");
}

/// A running `envdeck` whose output lines arrive as they are printed (stdout and stderr merged).
pub struct Spawned {
    pub child: Child,
    lines: Receiver<String>,
    pub seen: Vec<String>,
}

impl Spawned {
    pub fn start(mut cmd: Command) -> Spawned {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{cmd:?} starts: {e}"));
        let (tx, lines) = channel();
        let out = child.stdout.take().expect("stdout is piped");
        let err = child.stderr.take().expect("stderr is piped");
        for stream in [Box::new(out) as Box<dyn std::io::Read + Send>, Box::new(err)] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Spawned {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line containing `needle`; fails the test (killing the process) after `limit`.
    pub fn wait_for_line(&mut self, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "no line with `{needle}` within {limit:?}; the output was:\n{}",
                        self.seen.join("\n")
                    );
                }
            }
        }
    }

    /// Waits for the process to end within `limit` (else kills it and fails); returns its status and
    /// every line it printed.
    pub fn finish(mut self, limit: Duration) -> (ExitStatus, String) {
        let deadline = Instant::now() + limit;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    // The readers end when the pipes close; collect what they still hold.
                    let grace = Instant::now() + Duration::from_secs(2);
                    while let Ok(line) = self
                        .lines
                        .recv_timeout(grace.saturating_duration_since(Instant::now()))
                    {
                        self.seen.push(line);
                    }
                    return (status, self.seen.join("\n"));
                }
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "the process did not end within {limit:?} (killed); it printed:\n{}",
                        self.seen.join("\n")
                    );
                }
            }
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The docker CLI's stdout (any `DOCKER_HOST` in `env` applies); a failing command fails the test.
pub fn docker(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new("docker");
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let ran = run_bounded(cmd, Duration::from_secs(60));
    assert!(ran.status.success(), "docker {args:?} failed: {}", ran.text());
    ran.stdout
}

/// One container carrying a stack's label, as `docker ps -a` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub service: String,
    pub state: String,
}

/// Every container (running or not) carrying the stack's EnvDeck label.
pub fn containers_of(stack: &str, env: &[(&str, &str)]) -> Vec<Listed> {
    let label = format!("label=dev.envdeck.project={stack}");
    let out = docker(
        &[
            "ps",
            "-a",
            "--filter",
            &label,
            "--format",
            "{{.Names}}\t{{.Label \"com.docker.compose.service\"}}\t{{.State}}",
        ],
        env,
    );
    let mut found: Vec<Listed> = out
        .lines()
        .filter_map(|l| {
            let mut parts = l.split('\t');
            Some(Listed {
                name: parts.next()?.to_owned(),
                service: parts.next()?.to_owned(),
                state: parts.next()?.to_owned(),
            })
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

/// Names of the networks (or volumes: `kind` = "volume") carrying the stack's label.
pub fn objects_of(kind: &str, stack: &str, env: &[(&str, &str)]) -> Vec<String> {
    let label = format!("label=dev.envdeck.project={stack}");
    let mut names: Vec<String> = docker(&[kind, "ls", "--filter", &label, "--format", "{{.Name}}"], env)
        .lines()
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

/// The names EnvDeck gives environment `env` of the project at `dir` (its identity decides them), as
/// `envdeck project show --json` prints them: (stack, keychain service).
pub fn names_of(dir: &Path, env: &str) -> (String, String) {
    let ran = envdeck(dir, &["project", "show", "--json"], &[], Duration::from_secs(60));
    assert!(ran.status.success(), "envdeck project show: {}", ran.text());
    let view: serde_json::Value = serde_json::from_str(&ran.stdout)
        .unwrap_or_else(|e| panic!("project show --json is JSON ({e}): {}", ran.stdout));
    let found = view["environments"]
        .as_array()
        .and_then(|envs| envs.iter().find(|e| e["id"] == env))
        .unwrap_or_else(|| panic!("{} has no environment {env}: {view}", dir.display()));
    let text = |key: &str| found[key].as_str().unwrap_or_default().to_owned();
    (text("stack"), text("keychain"))
}

/// The compose project name of environment `env` of the project at `dir`.
pub fn stack_of(dir: &Path, env: &str) -> String {
    names_of(dir, env).0
}

/// The value of variable `var` in the one container of `service` of `stack`, as Docker created it.
pub fn container_env(stack: &str, service: &str, var: &str) -> Option<String> {
    let id = docker(
        &[
            "ps",
            "-q",
            "--filter",
            &format!("label=com.docker.compose.project={stack}"),
            "--filter",
            &format!("label=com.docker.compose.service={service}"),
        ],
        &[],
    );
    let id = id.trim();
    assert_eq!(
        id.lines().count(),
        1,
        "one running {service} container of {stack}: {id}"
    );
    let env = docker(
        &["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", id],
        &[],
    );
    let prefix = format!("{var}=");
    env.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .map(str::to_owned)
}
