//! A link of a server's service opens through a local port forwarded over ssh, never through whatever
//! listens on this machine's port of the same number: the real ssh client and a real second dockerd
//! behind a local sshd (scripts/remote-engine.sh). The service is busybox's httpd on the server, its
//! port published on the server's loopback; the link's URL as the card shows it is the server's port,
//! the URL opened is a local port that ssh carries there, and an HTTP request to it answers with the
//! server's page.

use std::process::Command;
use std::time::Duration;

use envdeck_api::stack::RemoveVolumes;
use envdeck_api::{desktop, environment};

const SERVER: &str = "unix:///tmp/envdeck-remote/docker.sock";

/// Removes what the test left on the server, whatever its outcome.
struct OnServer(String);

impl Drop for OnServer {
    fn drop(&mut self) {
        let filter = format!("label=com.docker.compose.project={}", self.0);
        if let Ok(out) = Command::new("docker")
            .args(["-H", SERVER, "ps", "-aq", "--filter", &filter])
            .output()
        {
            for id in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("docker")
                    .args(["-H", SERVER, "rm", "-f", id])
                    .output();
            }
        }
        let network = format!("{}_default", self.0);
        let _ = Command::new("docker")
            .args(["-H", SERVER, "network", "rm", &network])
            .output();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_servers_link_opens_through_a_port_forwarded_over_ssh() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path().join("site");
    std::fs::create_dir_all(&dir).expect("the project folder");
    let port = envdeck_tests::free_port();
    std::fs::write(
        dir.join("docker-compose.yml"),
        format!(
            "services:\n  site:\n    image: envdeck-test/busybox:1\n    command: [\"sh\", \"-c\", \"mkdir -p /www && echo \
             served-by-the-server > /www/index.html && trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait\"]\n    \
             ports: [\"127.0.0.1:{port}:8080\"]\n"
        ),
    )
    .expect("the compose file");
    std::fs::write(
        dir.join("envdeck.toml"),
        format!(
            "[environments.server]\ncompose_files = [\"docker-compose.yml\"]\nengine = \"ssh://envdeckremote@127.0.0.1:2223\"\n\n\
             [[links]]\nlabel = \"Site\"\nurl = \"http://localhost:{port}/index.html\"\nservice = \"site\"\n"
        ),
    )
    .expect("the manifest");
    let stack = environment::stack(&dir, "server")
        .await
        .expect("the stack's name");
    let _cleanup = OnServer(stack.name.clone());

    environment::start(&dir, "server", |_| {})
        .await
        .expect("the site starts on the server");
    let view = desktop::stack_view(&dir, "server").await.expect("the cards");
    let link = view
        .links
        .iter()
        .find(|l| l.label == "Site")
        .expect("the manifest's link");
    assert_eq!(
        link.through.as_deref(),
        Some("127.0.0.1"),
        "the card says the link goes through ssh"
    );

    let opened = desktop::link_to_open(&dir, "server", &link.url)
        .await
        .expect("the link opens");
    assert_ne!(opened, link.url, "not the server's port on this machine");
    assert!(
        opened.starts_with("http://127.0.0.1:") && opened.ends_with("/index.html"),
        "{opened}"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let body = loop {
        match envdeck_tests::http::get(&opened) {
            Ok(answer) if answer.body.contains("served-by-the-server") => break answer.body,
            other if std::time::Instant::now() > deadline => panic!("the forward never answered: {other:?}"),
            _ => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    };
    assert!(body.contains("served-by-the-server"));
    let again = desktop::link_to_open(&dir, "server", &link.url)
        .await
        .expect("opens again");
    assert_eq!(again, opened, "a second click reuses the forward");

    environment::stop(&dir, "server", RemoveVolumes::Keep, |_| {})
        .await
        .expect("stops");
}
