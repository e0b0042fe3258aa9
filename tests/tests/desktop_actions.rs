//! The window's smaller actions through the real app, Docker, keychain and X clipboard (Xvfb): Copy puts
//! the secret on the system clipboard and it is gone again 30 s later; Restart on a service card restarts
//! that service's container; a Task run from the Tasks tab shows its output line, the secret in it
//! masked, and its exit status; Cancel during a Start really stops the Start. Uses the e2e-stack's
//! `minimal` environment (web only, starts in a second) and a copy of the faults-slow stack (a service
//! that turns healthy only after 6 s, and one that waits for it).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use envdeck_tests::AppWindow;

/// The compose project name EnvDeck gives (its identity decides it) the `minimal` environment of tests/fixtures/projects/e2e-stack.
static STACK: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| envdeck_tests::cli::stack_of(&fixture(), "minimal"));

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/projects/e2e-stack")
        .canonicalize()
        .expect("the e2e-stack fixture exists")
}

/// The X clipboard's text as another program sees it; `None` when it holds no text.
fn clipboard_text() -> Option<String> {
    arboard::Clipboard::new()
        .expect("the X clipboard is reachable (run under Xvfb)")
        .get_text()
        .ok()
}

fn started_at(container: &str) -> String {
    let out = Command::new("docker")
        .args(["inspect", "-f", "{{.State.StartedAt}}", container])
        .output()
        .expect("the docker CLI runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The tests here share the `minimal` stack and its port 28080 (so does another clone's run): one at a
/// time, machine-wide.
const STACK_LOCK: u16 = 28079;

fn one_at_a_time() -> std::net::TcpListener {
    envdeck_tests::exclusive(STACK_LOCK, Duration::from_secs(600))
}

struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        envdeck_tests::remove_stack(&STACK);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_clears_the_clipboard_and_restart_restarts_one_service() {
    let _lock = one_at_a_time();
    envdeck_tests::remove_stack(&STACK);
    let _cleanup = Cleanup;
    let dir = fixture();
    let app = AppWindow::launch_with(&[dir.to_str().expect("a UTF-8 fixture path")]).await;
    let long = Duration::from_secs(120);

    app.wait_for("#env-minimal", Duration::from_secs(30)).await;
    app.pick_environment("minimal").await;

    // Copy: the value goes to the system clipboard (not through the page), and is cleared after 30 s.
    app.click("#tab-secrets").await;
    app.wait_for("#secret-SECRET_KEY", Duration::from_secs(15)).await;
    app.click("#generate-secrets").await;
    // Generate's own answer first: when another test has stored the key already, the row says `stored`
    // at once, and a Reveal pressed while Generate still talks to the keychain was seen to show nothing.
    app.wait_for("#secrets-notice", Duration::from_secs(15)).await;
    app.wait_for("#secret-SECRET_KEY[data-state='stored']", Duration::from_secs(15))
        .await;
    app.click("#secret-SECRET_KEY .reveal").await;
    let secret = app
        .wait_for("#secret-SECRET_KEY .revealed", Duration::from_secs(10))
        .await
        .text()
        .await
        .unwrap();
    app.click("#secret-SECRET_KEY .copy").await;
    let copied_at = Instant::now();
    app.wait_for_text("#secret-SECRET_KEY .copied", "30 s", Duration::from_secs(5))
        .await;
    assert_eq!(
        clipboard_text().as_deref(),
        Some(secret.as_str()),
        "the system clipboard holds the secret right after Copy"
    );
    app.screenshot("secret-copied").await;
    while clipboard_text().as_deref() == Some(secret.as_str()) {
        assert!(
            copied_at.elapsed() < Duration::from_secs(40),
            "the clipboard still holds the secret 40 s after Copy"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        copied_at.elapsed() >= Duration::from_secs(29),
        "cleared after the 30 s, not before: {:?}",
        copied_at.elapsed()
    );

    // Restart one service from its card: the same container, started again.
    app.click("#tab-services").await;
    app.click("#start").await;
    app.wait_for_text("#env-notice", "is up", long).await;
    app.wait_for("#service-web[data-health='healthy']", long).await;
    let container = format!("{}-web-1", *STACK);
    let before = started_at(&container);
    app.click("#service-web button.restart").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while started_at(&container) == before {
        assert!(Instant::now() < deadline, "web was not restarted within 60 s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    app.wait_for("#service-web[data-health='healthy']", long).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let button = app
            .wait_for("#service-web button.restart", Duration::from_secs(10))
            .await;
        if button.is_enabled().await.unwrap() && button.text().await.unwrap() == "Restart" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the Restart button is not back within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.screenshot("service-restarted").await;
    app.close().await;
}

/// What the running web container holds as SECRET_KEY (read beside the window, never printed).
fn container_secret(container: &str) -> String {
    let out = Command::new("docker")
        .args(["exec", container, "printenv", "SECRET_KEY"])
        .output()
        .expect("the docker CLI runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_runs_in_its_running_service_and_its_output_shows_in_the_window_masked() {
    let _lock = one_at_a_time();
    envdeck_tests::remove_stack(&STACK);
    let _cleanup = Cleanup;
    let dir = fixture();
    let app = AppWindow::launch_with(&[dir.to_str().expect("a UTF-8 fixture path")]).await;
    let long = Duration::from_secs(120);

    app.wait_for("#env-minimal", Duration::from_secs(30)).await;
    app.pick_environment("minimal").await;

    // Before Start: the Task is listed, and Run says why it cannot be pressed.
    app.click("#tab-tasks").await;
    app.wait_for_text("#task-greet .task-command", "SECRET_KEY", Duration::from_secs(15))
        .await;
    app.wait_for_text("#task-greet .task-why", "web", Duration::from_secs(15))
        .await;
    let run = app
        .wait_for("#task-greet .run-task", Duration::from_secs(5))
        .await;
    assert!(
        !run.is_enabled().await.unwrap(),
        "web is not running yet: Run is disabled"
    );

    app.click("#start").await;
    app.wait_for_text("#env-notice", "is up", long).await;
    // The Tasks tab hears of web running from Docker's events, with no reload.
    app.wait_for("#task-greet .run-task:enabled", Duration::from_secs(30))
        .await;
    app.click("#task-greet .run-task").await;
    let line = app
        .wait_for_text(
            "#task-greet .task-line",
            "hello from web",
            Duration::from_secs(60),
        )
        .await;
    let status = app
        .wait_for_text("#task-greet .task-status", "exit code 0", Duration::from_secs(30))
        .await;
    assert!(status.contains("Finished"), "the end is said in words: {status}");
    let secret = container_secret(&format!("{}-web-1", *STACK));
    assert!(secret.len() >= 6, "the web container got its SECRET_KEY");
    assert!(
        !line.contains(&secret),
        "the window shows the Task's output with the secret value masked, as the CLI does"
    );
    assert!(line.contains("key ••••"), "the secret's place is marked: {line}");
    app.scroll_to("#tasks").await;
    app.screenshot("task-output").await;

    // The Backups tab answers from Rust too (the fixture keeps no dumps), and the Task's output is still
    // there on coming back: the tab was hidden, not closed.
    app.click("#tab-backups").await;
    app.wait_for_text("#backups-empty", "backups/minimal/", Duration::from_secs(15))
        .await;
    app.click("#tab-tasks").await;
    app.wait_for_text("#task-greet .task-line", "hello from web", Duration::from_secs(5))
        .await;
    app.close().await;
}

fn state_of(container: &str) -> String {
    let out = Command::new("docker")
        .args(["inspect", "-f", "{{.State.Status}}", container])
        .output()
        .expect("the docker CLI runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A fixture copy with its own stack name, removed when the test ends.
struct SlowStack {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    name: String,
}

impl Drop for SlowStack {
    fn drop(&mut self) {
        envdeck_tests::remove_stack(&self.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_during_a_start_stops_it_and_start_continues_later() {
    let _lock = one_at_a_time();
    let (tmp, dir) = envdeck_tests::copy_fixture("faults-slow", "edt-cancel-ui");
    let stack = SlowStack {
        name: envdeck_tests::cli::stack_of(&dir, "local"),
        dir: dir.clone(),
        _tmp: tmp,
    };
    let app = AppWindow::launch_with(&[stack.dir.to_str().expect("a UTF-8 path")]).await;
    app.wait_for("#env-local", Duration::from_secs(30)).await;
    app.pick_environment("local").await;

    app.click("#start").await;
    // `slow` is started and not yet healthy (6 s): the Start is waiting on it, `last` is created only.
    app.wait_for(
        "#timeline .tl-row[data-subject='slow'][data-phase='waiting']",
        Duration::from_secs(60),
    )
    .await;
    app.click("#cancel-start").await;
    app.wait_for_text("#env-notice", "cancelled", Duration::from_secs(15))
        .await;
    let start = app.wait_for("#start", Duration::from_secs(5)).await;
    assert!(
        start.is_enabled().await.unwrap(),
        "Start is offered again after Cancel"
    );

    // Had the Start gone on in the background, `last` would run once `slow` is healthy (6 s after it began).
    tokio::time::sleep(Duration::from_secs(10)).await;
    let last = format!("{}-last-1", stack.name);
    assert_eq!(
        state_of(&last),
        "created",
        "a cancelled Start starts nothing more"
    );
    assert_eq!(
        state_of(&format!("{}-first-1", stack.name)),
        "running",
        "what the Start made before Cancel is kept"
    );

    // A running service's card draws its CPU and memory from Docker's stats stream.
    app.wait_for_text("#service-first .usage", "MiB", Duration::from_secs(20))
        .await;
    app.screenshot("start-cancelled").await;

    // Start again continues from there: everything comes up.
    app.click("#start").await;
    app.wait_for_text("#env-notice", "is up", Duration::from_secs(120))
        .await;
    assert_eq!(state_of(&last), "running", "the next Start finishes the job");
    app.close().await;
}
