//! A server that drops the connection in the middle of a Start (scripts/remote-engine.sh's rig: its sshd
//! is stopped and every session of the login cut while the Start waits for a service to be healthy).
//! The Start ends with an error that names the server and says what it had made there; once the server
//! answers again, the next Start continues from what exists: the container already made is kept (same
//! id), the service that was waiting is started. Its own test binary: it stops the rig's sshd, which
//! the other remote tests must not see.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use envdeck_tests::area::Area;

/// The rig's engine, for the docker CLI (the test's own view of the server).
const SERVER: &str = "unix:///tmp/envdeck-remote/docker.sock";
const RIG: &str = "/tmp/envdeck-remote";

fn on_server(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(["-H", SERVER])
        .args(args)
        .output()
        .expect("the docker CLI runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The rig as scripts/remote-engine.sh leaves it (it starts what is missing: here, its sshd).
fn rig_up() {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/remote-engine.sh");
    let out = Command::new("bash")
        .arg(script)
        .stdin(Stdio::null())
        .output()
        .expect("the rig's script runs");
    assert!(
        out.status.success(),
        "the rig is back: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Stops the rig's sshd and cuts every session of its login: the server no longer answers. The listener
/// is frozen first, so a connection it is accepting at that moment (EnvDeck opens new ones while it
/// waits, for its health probes) cannot become a session after the sessions were cut: one did, once,
/// and that Start went on waiting on the server.
fn drop_the_server() {
    let pid = std::fs::read_to_string(format!("{RIG}/sshd.pid")).expect("the rig's sshd runs");
    let pid = pid.trim();
    let run = |args: &[&str]| {
        let _ = Command::new(args[0]).args(&args[1..]).status();
    };
    run(&["kill", "-STOP", pid]);
    // Each connection's own sshd (before or after its login), then the login's processes.
    run(&["pkill", "-KILL", "-P", pid]);
    run(&["pkill", "-KILL", "-u", "envdeckremote"]);
    run(&["kill", "-KILL", pid]);
    run(&["pkill", "-KILL", "-u", "envdeckremote"]);
}

/// Puts the rig back and removes the stack from the server, whatever the test's outcome.
struct Restore(String);

impl Drop for Restore {
    fn drop(&mut self) {
        rig_up();
        let filter = format!("label=com.docker.compose.project={}", self.0);
        for id in on_server(&["ps", "-aq", "--filter", &filter]).split_whitespace() {
            on_server(&["rm", "-f", id]);
        }
        for id in on_server(&["network", "ls", "-q", "--filter", &filter]).split_whitespace() {
            on_server(&["network", "rm", id]);
        }
    }
}

#[test]
fn a_start_whose_server_drops_the_connection_says_what_it_made_and_the_next_start_continues() {
    let area = Area::new(
        &envdeck_tests::cli::cli_binary(),
        "remote-engine",
        &["SECRET_KEY"],
    );
    let dir = area.project("dropped");
    // `app` is healthy only once /tmp/ready exists; `later` waits for that.
    std::fs::write(
        dir.join("docker-compose.yml"),
        "services:\n  app:\n    image: envdeck-test/busybox:1\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; \
         sleep 100000 & wait\"]\n    environment:\n      SECRET_KEY: ${SECRET_KEY}\n    healthcheck:\n      test: \
         [\"CMD\", \"test\", \"-f\", \"/tmp/ready\"]\n      interval: 1s\n      retries: 1000\n  later:\n    image: \
         envdeck-test/busybox:1\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 100000 & wait\"]\n    \
         depends_on:\n      app:\n        condition: service_healthy\n",
    )
    .expect("the compose file");
    let stack = area.stack(&dir, "server");
    let _restore = Restore(stack.clone());
    let app = format!("{stack}-app-1");

    let start = area
        .command(&dir, &["up", "server"], &[])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("envdeck up starts");
    // Waiting for `app` to be healthy: it runs on the server, `later` is not made yet.
    let deadline = Instant::now() + Duration::from_secs(60);
    while on_server(&["inspect", "-f", "{{.State.Running}}", &app]) != "true" {
        assert!(Instant::now() < deadline, "app never ran on the server");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(1));
    drop_the_server();

    let ended = start.wait_with_output().expect("envdeck up ends");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&ended.stdout),
        String::from_utf8_lossy(&ended.stderr)
    );
    assert!(
        !ended.status.success(),
        "the Start fails when its server is gone:\n{said}"
    );
    assert!(
        said.contains("the Start on the server 127.0.0.1 stopped")
            && said.contains("it made the network")
            && said.contains("the service app")
            && said.contains("Start it again to continue"),
        "the error names the server and what the Start made there:\n{said}"
    );
    let first_app = on_server(&["inspect", "-f", "{{.Id}}", &app]);
    assert!(!first_app.is_empty(), "what was made is still there");

    rig_up();
    on_server(&["exec", &app, "touch", "/tmp/ready"]);
    let (ok, out) = area.run(&dir, &["up", "server"], &[]);
    assert!(ok, "the next Start continues:\n{out}");
    assert_eq!(
        on_server(&["inspect", "-f", "{{.Id}}", &app]),
        first_app,
        "the container the first Start made is kept, not made again"
    );
    assert_eq!(
        on_server(&["inspect", "-f", "{{.State.Running}}", &format!("{stack}-later-1")]),
        "true",
        "the service that was waiting runs now"
    );
    area.ok(&dir, &["down", "server"]);
}
