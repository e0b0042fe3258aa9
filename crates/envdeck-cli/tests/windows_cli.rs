//! `envdeck.exe`, the Windows build, under Wine 8, end to end against this machine's real dockerd:
//! `up` generates the secrets into the Credential Manager (Wine's) and injects them, `ps` and `logs`
//! (masked) show the running stack, a second `up` finds the same secrets in a new process and changes
//! nothing, and `down` removes the containers.
//!
//! The engine is reached over TCP on 127.0.0.1, through a forwarder this test opens to dockerd's Unix
//! socket for its own run (`DOCKER_HOST=tcp://127.0.0.1:PORT`); dockerd itself listens on no port. The
//! second test takes the path a Windows user's Docker Desktop gives, the named pipe
//! `\\.\pipe\docker_engine` with no DOCKER_HOST: a Linux program cannot serve a Wine pipe, so a small
//! Windows relay (scripts/windows/pipe-relay) serves it inside Wine and passes it on to the forwarder.
//!
//! Ignored in the Linux tier: scripts/windows-tests.sh builds envdeck.exe and the relay, prepares the
//! Wine prefix and runs them with `--ignored` (ENVDECK_WINDOWS_CLI_BIN, ENVDECK_WINDOWS_PIPE_RELAY).

#![cfg(unix)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const SOCKET: &str = "/var/run/docker.sock";

/// Forwards every connection on 127.0.0.1:PORT to dockerd's Unix socket until the test ends.
fn forward_to_dockerd() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(engine) = UnixStream::connect(SOCKET) else {
                continue;
            };
            let (client_in, engine_out) = (
                client.try_clone().expect("clone"),
                engine.try_clone().expect("clone"),
            );
            std::thread::spawn(move || pipe(client_in, engine_out));
            std::thread::spawn(move || pipe(engine, client));
        }
    });
    port
}

/// Copies one direction until it closes, then closes the other side's writing half.
fn pipe(mut from: impl Read, mut to: impl Write + Closable) {
    let mut buf = [0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 || to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    to.close_write();
}

trait Closable {
    fn close_write(&self);
}

impl Closable for TcpStream {
    fn close_write(&self) {
        let _ = self.shutdown(Shutdown::Write);
    }
}

impl Closable for UnixStream {
    fn close_write(&self) {
        let _ = self.shutdown(Shutdown::Write);
    }
}

/// How envdeck.exe reaches the engine.
#[derive(Clone, Copy)]
enum Engine {
    /// `DOCKER_HOST=tcp://127.0.0.1:PORT`.
    Tcp,
    /// No DOCKER_HOST: Windows' default, the named pipe.
    Pipe,
}

struct WindowsCli {
    exe: PathBuf,
    port: u16,
    engine: Engine,
    _tmp: tempfile::TempDir,
    project: PathBuf,
}

impl WindowsCli {
    fn new(engine: Engine) -> Self {
        let exe = std::env::var_os("ENVDECK_WINDOWS_CLI_BIN")
            .map(PathBuf::from)
            .expect("ENVDECK_WINDOWS_CLI_BIN: run this test through scripts/windows-tests.sh");
        assert!(exe.is_file(), "{} is not built", exe.display());
        let tmp = tempfile::tempdir().expect("tempdir");
        // One folder name per test: the stack, found by the name, is the test's own.
        let kind = match engine {
            Engine::Tcp => "tcp",
            Engine::Pipe => "pipe",
        };
        let project = tmp.path().join(format!("edt-win-{kind}-{}", std::process::id()));
        std::fs::create_dir(&project).expect("project folder");
        // A service that prints its secret, as careless services do: `logs` must mask it.
        std::fs::write(
            project.join("docker-compose.yml"),
            "services:\n  app:\n    image: envdeck-test/busybox:1\n    environment:\n      SECRET_KEY: ${SECRET_KEY}\n\
             \x20   command: [\"sh\", \"-c\", \"echo key=$$SECRET_KEY; echo hello from windows; trap 'exit 0' TERM; while true; do sleep 1; done\"]\n",
        )
        .expect("compose file");
        std::fs::write(project.join("docker-compose.local.yml"), "services: {}\n").expect("overlay");
        // The environment's template names its secrets; their values go to the keychain, never here.
        std::fs::write(project.join(".env.local.example"), "SECRET_KEY=\n").expect("template");
        Self {
            exe,
            port: forward_to_dockerd(),
            engine,
            _tmp: tmp,
            project,
        }
    }

    /// `wine envdeck.exe --project Z:\… ARGS`, bounded in time.
    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("wine");
        cmd.arg(&self.exe)
            .arg("--project")
            .arg(windows_path(&self.project))
            .args(args)
            .env("WINEDEBUG", "-all")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        match self.engine {
            Engine::Tcp => cmd.env("DOCKER_HOST", format!("tcp://127.0.0.1:{}", self.port)),
            Engine::Pipe => cmd.env_remove("DOCKER_HOST"),
        };
        let ran = envdeck_tests::cli::run_bounded(cmd, Duration::from_secs(180));
        Output {
            status: ran.status,
            stdout: ran.stdout.into_bytes(),
            stderr: ran.stderr.into_bytes(),
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "envdeck.exe {args:?} must succeed:\n{text}");
        text
    }
}

/// The project folder as a Windows program under Wine names it (drive Z: is the Unix root).
fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// The project's containers, read with the docker CLI (independent of EnvDeck): (name, state), found
/// by the stack label EnvDeck gives them (`<folder>-local-<project id>`).
fn containers(project: &Path) -> Vec<(String, String)> {
    let out = Command::new("docker")
        .args(["ps", "-a", "--filter", "label=dev.envdeck.project"])
        .args([
            "--format",
            "{{.Names}} {{.State}} {{.Label \"dev.envdeck.project\"}}",
        ])
        .output()
        .expect("docker runs");
    let prefix = format!(
        "{}-local-",
        project.file_name().unwrap_or_default().to_string_lossy()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| match l.split(' ').collect::<Vec<_>>()[..] {
            [name, state, stack] if stack.starts_with(&prefix) => Some((name.to_owned(), state.to_owned())),
            _ => None,
        })
        .collect()
}

fn inspect(container: &str, format: &str) -> String {
    let out = Command::new("docker")
        .args(["inspect", "--format", format, container])
        .output()
        .expect("docker runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Removes what a failed run left: the stack of the project's folder, whatever its id.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for (name, _) in containers(&self.0) {
            let stack = inspect(&name, "{{index .Config.Labels \"dev.envdeck.project\"}}");
            envdeck_tests::remove_stack(&stack);
        }
    }
}

#[test]
#[ignore = "the Windows tier: run by scripts/windows-tests.sh, which builds envdeck.exe and prepares Wine"]
fn envdeck_exe_under_wine_runs_a_stack_on_the_real_engine_with_secrets_in_the_credential_manager() {
    let cli = WindowsCli::new(Engine::Tcp);
    let _cleanup = Cleanup(cli.project.clone());

    let up = cli.ok(&["up", "local"]);
    let running = containers(&cli.project);
    assert_eq!(
        running.len(),
        1,
        "one container for the one service: {running:?}\n{up}"
    );
    let (container, state) = &running[0];
    assert_eq!(state, "running", "{up}");
    assert!(
        inspect(container, "{{json .HostConfig.PortBindings}}") == "{}",
        "nothing published"
    );

    // The secret in the container is the one the Credential Manager keeps: another process reads it back.
    let env = inspect(container, "{{json .Config.Env}}");
    let revealed = cli.ok(&["secrets", "reveal", "local", "SECRET_KEY"]);
    let secret = revealed.trim();
    assert!(
        secret.len() >= 32,
        "a strong generated secret: {} characters",
        secret.len()
    );
    assert!(
        env.contains(&format!("SECRET_KEY={secret}")),
        "the container got the keychain's value"
    );
    assert!(!up.contains(secret), "up never prints the secret");
    for entry in walk(&cli.project) {
        let text = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&text).contains(secret),
            "{} holds the secret",
            entry.display()
        );
    }

    let ps = cli.ok(&["ps", "local"]);
    assert!(
        ps.contains("app") && ps.contains("running"),
        "ps shows the service running:\n{ps}"
    );

    let logs = cli.ok(&["logs", "local"]);
    assert!(
        logs.contains("hello from windows"),
        "the service's output:\n{logs}"
    );
    assert!(logs.contains("key=••••"), "the secret is masked:\n{logs}");
    assert!(!logs.contains(secret), "the secret never shows in logs");

    // A second `up`, a new process: the same secret found in the Credential Manager, nothing recreated.
    let again = cli.ok(&["up", "local"]);
    assert_eq!(
        containers(&cli.project),
        running,
        "the second up changed nothing:\n{again}"
    );
    assert_eq!(
        cli.ok(&["secrets", "reveal", "local", "SECRET_KEY"]).trim(),
        secret
    );

    cli.ok(&["down", "local"]);
    assert!(containers(&cli.project).is_empty(), "down removed the containers");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The relay serving `\\.\pipe\docker_engine` inside Wine; killed when dropped.
struct PipeRelay(std::process::Child);

impl PipeRelay {
    fn start(port: u16) -> Self {
        let relay = std::env::var_os("ENVDECK_WINDOWS_PIPE_RELAY")
            .map(PathBuf::from)
            .expect("ENVDECK_WINDOWS_PIPE_RELAY: run this test through scripts/windows-tests.sh");
        let mut child = Command::new("wine")
            .arg(relay)
            .arg(port.to_string())
            .env("WINEDEBUG", "-all")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the relay starts");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).expect("the relay says");
        assert_eq!(line.trim(), "ready", "the relay serves the pipe");
        Self(child)
    }
}

impl Drop for PipeRelay {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "the Windows tier: run by scripts/windows-tests.sh, which builds envdeck.exe and the pipe relay"]
fn envdeck_exe_under_wine_reaches_the_engine_through_the_named_pipe_by_default() {
    let cli = WindowsCli::new(Engine::Pipe);
    let _cleanup = Cleanup(cli.project.clone());
    let _relay = PipeRelay::start(cli.port);

    let info = cli.ok(&["info"]);
    assert!(
        info.lines().any(|l| l.starts_with("docker") && l.contains("ok")),
        "the default endpoint, the named pipe, answers:\n{info}"
    );
    let up = cli.ok(&["up", "local"]);
    let running = containers(&cli.project);
    assert_eq!(running.len(), 1, "{running:?}\n{up}");
    assert_eq!(running[0].1, "running");
    cli.ok(&["down", "local"]);
    assert!(containers(&cli.project).is_empty(), "down removed the containers");
}
