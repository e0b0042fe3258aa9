//! The real app window on a first run: it opens the built-in sample (written to the app's own data
//! folder); closed, the doctor answers with what Rust found: the Docker line shows the engine's real
//! version, which the test reads independently from the Docker CLI.

use std::process::Command;
use std::time::Duration;

use envdeck_tests::AppWindow;

fn docker_server_version() -> String {
    let out = Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .expect("the docker CLI runs");
    assert!(
        out.status.success(),
        "dockerd must be running for the e2e tests (scripts/test.sh starts it)"
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_run_opens_the_sample_and_the_doctor_shows_what_rust_found() {
    let version = docker_server_version();
    // A data folder of its own: no remembered project, as on a fresh install; the app writes its copy
    // of the sample there.
    let data = tempfile::tempdir().expect("a temp dir");
    let app = AppWindow::launch_with_env(&[], &[("XDG_DATA_HOME", data.path())]).await;

    let label = app.wait_for("#project-label", Duration::from_secs(30)).await;
    assert_eq!(
        label.text().await.unwrap(),
        "ContraVento (sample)",
        "a first run with no project chosen opens the built-in sample"
    );
    assert!(
        data.path().join("envdeck/sample/envdeck.toml").is_file(),
        "the sample was written to the app's own data folder"
    );
    app.screenshot("first-run-sample").await;
    app.click("#close-project").await;

    app.wait_for("#docker-status", Duration::from_secs(30)).await;
    // Ask again through the button, so the click path (UI → ipc.ts → Rust command) is what is checked.
    app.click("#recheck").await;
    let docker = app
        .wait_for("#docker-status[data-state='reachable']", Duration::from_secs(30))
        .await;
    let docker_text = docker.text().await.unwrap();
    assert!(
        docker_text.contains(&format!("Docker {version}")),
        "the Docker line must carry the engine version Rust read ({version}); it says: {docker_text}"
    );

    let keychain = app.wait_for("#keychain-status", Duration::from_secs(10)).await;
    assert_eq!(
        keychain.attr("data-state").await.unwrap().as_deref(),
        Some("reachable"),
        "the suite runs inside an unlocked gnome-keyring session, so the keychain probe must pass: {}",
        keychain.text().await.unwrap()
    );

    let footer = app
        .wait_for("#app-version", Duration::from_secs(5))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        footer.contains(env!("CARGO_PKG_VERSION")),
        "the footer shows the version the Rust command returned: {footer}"
    );

    let shot = app.screenshot("doctor").await;
    assert!(
        std::fs::metadata(&shot).map(|m| m.len() > 1000).unwrap_or(false),
        "a real PNG was saved"
    );
    app.close().await;
}
