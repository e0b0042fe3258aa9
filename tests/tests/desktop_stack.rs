//! The desktop flow a new developer follows, through the real window, real Docker and the real keychain:
//! open the e2e-stack project from the command line, generate and reveal a secret, Start, see every
//! service healthy with its link, switch Watch on and see a saved page served, read masked logs, Stop, and find the wipe dialog refusing a wrong name
//! (then wiping with the right one). Screenshots of each screen land in target/e2e/.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use envdeck_tests::AppWindow;
use fantoccini::Locator;

/// The compose project name EnvDeck gives (its identity decides it) the `local` environment of tests/fixtures/projects/e2e-stack.
static STACK: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| envdeck_tests::cli::stack_of(&fixture(), "local"));

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/projects/e2e-stack")
        .canonicalize()
        .expect("the e2e-stack fixture exists")
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("the docker CLI runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A page the watch test saves in the fixture's www/ (ignored by git), removed however the test ends.
struct Saved(PathBuf);

impl Drop for Saved {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Removes whatever carries the stack's label, also when the test fails midway.
struct Cleanup;

impl Cleanup {
    fn run() {
        envdeck_tests::remove_stack(&STACK);
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        Cleanup::run();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn open_start_watch_and_stop_a_stack_from_the_window() {
    Cleanup::run();
    let _cleanup = Cleanup;
    let dir = fixture();
    let app = AppWindow::launch_with(&[dir.to_str().expect("a UTF-8 fixture path")]).await;
    let long = Duration::from_secs(120);

    // Opened from the command line: the picker shows both environments, the comparison table, no doctor.
    app.wait_for("#env-local", Duration::from_secs(30)).await;
    app.wait_for("#env-minimal", Duration::from_secs(5)).await;
    app.wait_for_text("#comparison", "db", Duration::from_secs(5))
        .await;
    app.pick_environment("local").await;
    app.screenshot("project").await;

    // Secrets before the first Start: missing, then generated into the keychain and revealed.
    app.click("#tab-secrets").await;
    app.wait_for(
        "#secret-SECRET_KEY[data-state='missing']",
        Duration::from_secs(15),
    )
    .await;
    app.click("#generate-secrets").await;
    app.wait_for_text("#secrets-notice", "SECRET_KEY", Duration::from_secs(15))
        .await;
    app.wait_for("#secret-SECRET_KEY[data-state='stored']", Duration::from_secs(10))
        .await;
    app.click("#secret-SECRET_KEY .reveal").await;
    let secret = app
        .wait_for("#secret-SECRET_KEY .revealed", Duration::from_secs(10))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        secret.chars().count(),
        64,
        "SECRET_KEY is generated with the default policy's 64 characters: {secret:?}"
    );
    app.scroll_to(".tabs").await;
    app.screenshot("secrets").await;

    // Start: the timeline fills, then every service card reports healthy.
    app.click("#tab-services").await;
    app.click("#start").await;
    let start = app.wait_for("#start", Duration::from_secs(5)).await;
    assert!(
        !start.is_enabled().await.unwrap(),
        "Start is disabled while the operation runs"
    );
    app.wait_for("#timeline .tl-row[data-subject='db']", Duration::from_secs(30))
        .await;
    app.screenshot("starting").await;
    let outcome = app
        .client
        .wait()
        .at_most(long)
        .for_element(Locator::Css("#env-notice, #env-error"))
        .await
        .expect("Start ends with a notice or an error");
    let outcome_text = outcome.text().await.unwrap();
    assert_eq!(
        outcome.attr("id").await.unwrap().as_deref(),
        Some("env-notice"),
        "Start of the e2e stack succeeds: {outcome_text}"
    );
    app.wait_for("#service-web[data-health='healthy']", long).await;
    app.wait_for("#service-db[data-health='healthy']", long).await;
    app.wait_for_text("#service-db", "healthy", Duration::from_secs(5))
        .await;
    app.wait_for("#env-local[data-running='true']", Duration::from_secs(15))
        .await;
    let link = app
        .wait_for(
            "#service-web button.link[data-url='http://127.0.0.1:28080/']",
            Duration::from_secs(10),
        )
        .await;
    assert!(
        link.is_enabled().await.unwrap(),
        "the manifest's link to the web port is enabled once web is healthy"
    );
    let page = Command::new("docker")
        .args([
            "exec",
            &format!("{}-web-1", *STACK),
            "wget",
            "-q",
            "-O",
            "-",
            "http://127.0.0.1/",
        ])
        .output()
        .expect("docker exec runs");
    assert!(
        String::from_utf8_lossy(&page.stdout).contains("envdeck-test busybox"),
        "the link's target really serves the page"
    );
    app.scroll_to("#environment").await;
    app.screenshot("services").await;

    // Watch files: a page saved under www/ (the web service's `develop.watch` rule) is copied into the
    // running container and served within seconds; the switch lists the copy with its time.
    app.click("#watch-switch").await;
    app.wait_for_text("#watch-log .watch-line", "watching", Duration::from_secs(15))
        .await;
    let name = format!("watched-{}.html", std::process::id());
    let page = Saved(dir.join("www").join(&name));
    let marker = format!("saved by the watch test at {:?}", std::time::SystemTime::now());
    std::fs::write(&page.0, &marker).expect("the page is saved");
    let saved = std::time::Instant::now();
    let url = format!("http://127.0.0.1:28080/{name}");
    loop {
        let served = envdeck_tests::http::get(&url).map(|r| r.body).unwrap_or_default();
        if served.contains(&marker) {
            break;
        }
        assert!(
            saved.elapsed() < Duration::from_secs(10),
            "the saved page is served by the container within 10 s; it serves: {served:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("the saved page was served {:?} after the save", saved.elapsed());
    app.wait_for_text(
        "#watch-log .watch-line[data-event='synced']",
        "1 file(s) copied",
        Duration::from_secs(10),
    )
    .await;
    app.screenshot("watch").await;
    app.click("#watch-switch").await;
    app.wait_for("#watch[data-on='false']", Duration::from_secs(10))
        .await;
    std::fs::write(&page.0, "saved after the switch went off").expect("the page is saved again");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        envdeck_tests::http::get(&url)
            .map(|r| r.body)
            .unwrap_or_default()
            .contains(&marker),
        "with the switch off, a save is not copied"
    );

    // Logs: the web server's lines, its secret masked, ERROR and WARN highlighted.
    app.click("#tab-logs").await;
    let keyed = app
        .wait_for_text(".log-line", "starting with key", Duration::from_secs(30))
        .await;
    assert!(
        !keyed.contains(&secret) && keyed.contains("••••"),
        "the SECRET_KEY value is masked in the logs: {keyed}"
    );
    app.wait_for(".log-line[data-level='error']", Duration::from_secs(10))
        .await;
    app.wait_for(".log-line[data-level='warn']", Duration::from_secs(10))
        .await;
    app.scroll_to(".tabs").await;
    app.screenshot("logs").await;
    app.wait_for("#logs-filter", Duration::from_secs(5))
        .await
        .send_keys("test error")
        .await
        .unwrap();
    app.wait_for_text("#logs", "1 of", Duration::from_secs(5)).await;
    app.screenshot("logs-filtered").await;

    // Stop keeps the data; the cards say nothing runs.
    app.click("#tab-services").await;
    app.click("#stop").await;
    app.wait_for_text("#env-notice", "stopped", long).await;
    app.wait_for("#services-empty", Duration::from_secs(15)).await;
    assert!(
        docker(&[
            "volume",
            "ls",
            "-q",
            "--filter",
            &format!("label=com.docker.compose.project={}", *STACK)
        ])
        .contains("db-data"),
        "Stop keeps the database volume"
    );

    // Wipe data: the dialog lists the volume and refuses a wrong name.
    app.click("#wipe-open").await;
    app.wait_for_text("#wipe-volumes", "db-data", Duration::from_secs(15))
        .await;
    let name = app.wait_for("#wipe-name", Duration::from_secs(5)).await;
    name.send_keys("locla").await.unwrap();
    app.wait_for("#wipe-mismatch", Duration::from_secs(5)).await;
    let confirm = app.wait_for("#wipe-confirm", Duration::from_secs(5)).await;
    assert!(
        !confirm.is_enabled().await.unwrap(),
        "a wrong environment name cannot confirm the wipe"
    );
    app.screenshot("wipe").await;
    name.clear().await.unwrap();
    name.send_keys("local").await.unwrap();
    app.click("#wipe-confirm").await;
    app.wait_for_text("#env-notice", "deleted", long).await;
    assert!(
        !docker(&[
            "volume",
            "ls",
            "-q",
            "--filter",
            &format!("label=com.docker.compose.project={}", *STACK)
        ])
        .contains("db-data"),
        "the confirmed wipe deleted the volume"
    );
    app.close().await;
}
