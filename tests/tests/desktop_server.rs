//! A server's staging environment from the window, with the real app, the real ssh client and a real
//! second dockerd behind a local sshd (scripts/remote-engine.sh): its card says where it runs, Start
//! first says where and what (the server's own preview: each service created, replaced or kept) and waits
//! for its name typed, the timeline follows the Start on the server,
//! and Stop asks again. The docker CLI checks both engines: the stack runs there, never here.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use envdeck_tests::AppWindow;
use envdeck_tests::area::Area;

const SERVER: &str = "unix:///tmp/envdeck-remote/docker.sock";

fn containers(host: Option<&str>, stack: &str) -> usize {
    let mut cmd = Command::new("docker");
    if let Some(host) = host {
        cmd.args(["-H", host]);
    }
    let filter = format!("label=com.docker.compose.project={stack}");
    let out = cmd
        .args(["ps", "-aq", "--filter", &filter])
        .output()
        .expect("the docker CLI runs");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// Removes what the test left on the server, whatever its outcome.
struct OnServer(String);

impl Drop for OnServer {
    fn drop(&mut self) {
        let filter = format!("label=com.docker.compose.project={}", self.0);
        let out = Command::new("docker")
            .args(["-H", SERVER, "ps", "-aq", "--filter", &filter])
            .output();
        if let Ok(out) = out {
            for id in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("docker")
                    .args(["-H", SERVER, "rm", "-f", id])
                    .output();
            }
        }
        let _ = Command::new("docker")
            .args(["-H", SERVER, "network", "rm", &format!("{}_default", self.0)])
            .output();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_servers_staging_environment_starts_from_the_window_after_its_name_is_typed() {
    let area = Area::new(
        &envdeck_tests::cli::cli_binary(),
        "remote-engine",
        &["SECRET_KEY"],
    );
    let dir = area.project("window");
    std::fs::write(
        dir.join("docker-compose.edge.yml"),
        "services:\n  edge:\n    image: envdeck-test/busybox:1\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 100000 & wait\"]\n",
    )
    .expect("a compose file");
    std::fs::write(
        dir.join("envdeck.toml"),
        "[environments.edge]\nlabel = \"Edge\"\ncompose_files = [\"docker-compose.edge.yml\"]\n\
         engine = \"ssh://envdeckremote@127.0.0.1:2223\"\nexposure = \"staging\"\n\
         [environments.edge.secrets.SECRET_KEY]\nlength = 96\n",
    )
    .expect("the manifest");
    // Staging's checklist wants a long SECRET_KEY: generated into the keychain on the first Start.
    std::fs::write(dir.join(".env.edge.example"), "SECRET_KEY=\n").expect("the template");
    let stack = area.stack(&dir, "edge");
    let _cleanup = OnServer(stack.clone());

    let variables = area.variables();
    let env: Vec<(&str, &Path)> = variables.iter().map(|(k, v)| (*k, v.as_path())).collect();
    let app = AppWindow::launch_with_env(&[dir.to_str().expect("a UTF-8 path")], &env).await;
    let card = app
        .wait_for_text("#env-edge", "127.0.0.1", Duration::from_secs(30))
        .await;
    assert!(
        card.contains("ssh://envdeckremote@127.0.0.1:2223"),
        "the card says where it runs: {card}"
    );
    app.pick_environment("edge").await;

    app.click("#start").await;
    let dialog = app
        .wait_for_text("#server-dialog", "127.0.0.1", Duration::from_secs(5))
        .await;
    assert!(
        dialog.contains("edge") && dialog.contains("staging"),
        "the dialog says where and what: {dialog}"
    );
    // The server's own answer to "what would a Start do": edge is not there yet, so it is created.
    app.wait_for_text(
        "#server-services li[data-change='create']",
        "edge",
        Duration::from_secs(20),
    )
    .await;
    let confirm = app.wait_for("#server-confirm", Duration::from_secs(5)).await;
    assert!(
        !confirm.is_enabled().await.expect("a button"),
        "no confirmation before the name is typed"
    );
    assert_eq!(
        containers(Some(SERVER), &stack),
        0,
        "nothing started while asking"
    );
    let name = app.wait_for("#server-name", Duration::from_secs(5)).await;
    name.send_keys("edge").await.expect("the name can be typed");
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.screenshot("server-confirm").await;
    app.click("#server-confirm").await;

    app.wait_for_text("#env-notice", "Edge", Duration::from_secs(120))
        .await;
    let title = app
        .wait_for_text("#timeline-title", "127.0.0.1", Duration::from_secs(5))
        .await;
    assert!(title.contains("127.0.0.1"), "the timeline says where: {title}");
    assert_eq!(
        containers(Some(SERVER), &stack),
        1,
        "the stack runs on the server"
    );
    assert_eq!(containers(None, &stack), 0, "and not on this machine");
    app.screenshot("server-started").await;

    app.click("#stop").await;
    app.wait_for("#server-dialog[data-kind='stop']", Duration::from_secs(5))
        .await;
    let name = app.wait_for("#server-name", Duration::from_secs(5)).await;
    name.send_keys("edge").await.expect("the name can be typed");
    app.click("#server-confirm").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while containers(Some(SERVER), &stack) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "Stop removed the stack from the server"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    app.close().await;
}
