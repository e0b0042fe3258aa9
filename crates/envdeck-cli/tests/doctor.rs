//! `envdeck doctor ENV` through the real binary, against the real engine and keychain: a port another
//! program holds and a secret a person must enter are FAIL lines with what to do, and the exit code says
//! so; nothing is generated, pulled or started by asking.

use std::net::TcpListener;
use std::process::{Command, Output};

fn envdeck(project: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_envdeck"))
        .arg("--project")
        .arg(project)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("envdeck runs: {e}"))
}

#[test]
fn doctor_names_a_taken_port_and_a_secret_to_enter_and_changes_nothing() {
    let holder = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = holder.local_addr().expect("its address").port();
    let dir = tempfile::tempdir().expect("a temp dir");
    let name = format!("doctor{}", std::process::id());
    let project = dir.path().join(&name);
    std::fs::create_dir(&project).expect("the project folder");
    std::fs::write(
        project.join("docker-compose.yml"),
        format!(
            "services:\n  web:\n    image: envdeck-test/busybox:1\n    ports: [\"{port}:80\"]\n    environment:\n      API_TOKEN: ${{API_TOKEN}}\n      SECRET_KEY: ${{SECRET_KEY}}\n"
        ),
    )
    .expect("the compose file");
    std::fs::write(project.join(".env.example"), "API_TOKEN=\nSECRET_KEY=\n").expect("the template");
    std::fs::write(
        project.join("envdeck.toml"),
        "[environments.default.secrets.API_TOKEN]\ngenerate = false\n[environments.default.secrets.SECRET_KEY]\nlength = 64\n",
    )
    .expect("the manifest");

    let out = envdeck(&project, &["doctor", "default"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "something stands in the way: {text}");
    let port_line = text
        .lines()
        .find(|l| l.contains(&format!("port 127.0.0.1:{port} (web)")))
        .unwrap_or_else(|| panic!("a line for the published port: {text}"));
    assert!(
        port_line.contains("FAIL") && port_line.contains("taken by another program"),
        "{port_line}"
    );
    let token = text
        .lines()
        .find(|l| l.contains("secret API_TOKEN"))
        .unwrap_or_default();
    assert!(
        token.contains("FAIL") && token.contains("envdeck secrets enter default API_TOKEN"),
        "a secret to enter says how: {text}"
    );
    let key = text
        .lines()
        .find(|l| l.contains("secret SECRET_KEY"))
        .unwrap_or_default();
    assert!(key.contains(" ok ") && key.contains("generated"), "{text}");
    assert!(text.contains("envdeck-test/busybox:1 is here"), "{text}");

    // Asking generated nothing: the secret is still missing, and no container exists.
    let secrets = envdeck(&project, &["secrets", "list", "default"]);
    let secrets = String::from_utf8_lossy(&secrets.stdout);
    assert!(
        !secrets.to_lowercase().contains("stored"),
        "nothing was stored: {secrets}"
    );
    let ps = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=com.docker.compose.project={name}-default"),
        ])
        .output()
        .expect("docker ps");
    assert!(ps.stdout.is_empty(), "nothing was created");

    drop(holder);
    let out = envdeck(&project, &["doctor", "default"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let port_line = text
        .lines()
        .find(|l| l.contains(&format!(":{port} (web)")))
        .unwrap_or_default();
    assert!(port_line.contains(" ok ") && port_line.contains("free"), "{text}");
}
