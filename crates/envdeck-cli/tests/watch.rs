//! `envdeck watch` against a real Docker engine: a file saved under a `develop.watch` path appears in the
//! running container, an edit replaces it, a delete removes it there, and an ignored file never goes;
//! a `sync+restart` rule restarts the container. Read back with the docker CLI, not through EnvDeck.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn envdeck(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_envdeck"));
    cmd.arg("--project").arg(dir);
    cmd
}

/// Stops the watch and removes the stack whatever the test did.
struct Running {
    watch: Option<Child>,
    stack: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.watch.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        envdeck_tests::remove_stack(&self.stack);
    }
}

/// The file's content in the service's container, `None` when it is not there.
fn in_container(stack: &str, path: &str) -> Option<String> {
    let id = String::from_utf8(
        Command::new("docker")
            .args([
                "ps",
                "-q",
                "--filter",
                &format!("label=com.docker.compose.project={stack}"),
            ])
            .output()
            .expect("docker runs")
            .stdout,
    )
    .expect("utf-8");
    let id = id.lines().next()?.trim().to_owned();
    let out = Command::new("docker")
        .args(["exec", &id, "cat", path])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// When the stack's container last started, as Docker says.
fn started_at(stack: &str) -> String {
    let id = String::from_utf8(
        Command::new("docker")
            .args([
                "ps",
                "-q",
                "--filter",
                &format!("label=com.docker.compose.project={stack}"),
            ])
            .output()
            .expect("docker runs")
            .stdout,
    )
    .expect("utf-8");
    let Some(id) = id.lines().next() else {
        return String::new();
    };
    let out = Command::new("docker")
        .args(["inspect", "-f", "{{.State.StartedAt}}", id.trim()])
        .output()
        .expect("docker runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Waits (at most 15 s) until `check` holds; how long it took.
fn within(what: &str, check: impl Fn() -> bool) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        if check() {
            return started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("not seen within 15 s: {what}");
}

#[test]
fn saved_edited_and_deleted_files_reach_the_container_and_ignored_ones_do_not() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join(format!("edt-watch-{}", std::process::id()));
    for folder in ["src", "conf", "restart-me"] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
    }
    std::fs::write(
        dir.join("docker-compose.yml"),
        r#"services:
  app:
    image: envdeck-test/busybox:1
    command: ["sh", "-c", "mkdir -p /app; trap 'exit 0' TERM; while true; do sleep 0.2; done"]
    develop:
      watch:
        - action: sync
          path: ./src
          target: /app
          ignore: ["*.tmp"]
        - action: sync+exec
          path: ./conf
          target: /etc/app
          exec:
            command: ["sh", "-c", "cp /etc/app/app.conf /tmp/ran"]
        - action: sync+restart
          path: ./restart-me
          target: /etc/restart
"#,
    )
    .unwrap();
    std::fs::write(dir.join("docker-compose.local.yml"), "services: {}\n").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opened = rt
        .block_on(envdeck_api::project::open_identified(&dir))
        .expect("a new folder gets its identity");
    let stack = envdeck_api::environment::stack_of(&opened, "local").unwrap().name;
    let mut running = Running {
        watch: None,
        stack: stack.clone(),
    };
    let up = envdeck(&dir).args(["up", "local"]).output().unwrap();
    assert!(up.status.success(), "up: {}", String::from_utf8_lossy(&up.stderr));

    let mut watch = envdeck(&dir)
        .args(["watch", "local"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("envdeck watch runs");
    let mut said = BufReader::new(watch.stdout.take().unwrap()).lines();
    running.watch = Some(watch);
    let first = said.next().expect("a line").unwrap();
    assert!(
        first.starts_with("app: watching ") && first.contains("/src, ") && first.ends_with("/restart-me"),
        "{first}"
    );
    // What the watch prints, read on the side so its pipe never fills.
    let (tx, printed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in said.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });

    std::fs::write(dir.join("src/hello.txt"), "v1\n").unwrap();
    let took = within("hello.txt v1 in the container", || {
        in_container(&stack, "/app/hello.txt").as_deref() == Some("v1\n")
    });
    println!("a new file reached the container in {} ms", took.as_millis());
    std::fs::write(dir.join("src/hello.txt"), "v2\n").unwrap();
    within("hello.txt v2 in the container", || {
        in_container(&stack, "/app/hello.txt").as_deref() == Some("v2\n")
    });
    std::fs::create_dir_all(dir.join("src/pages")).unwrap();
    std::fs::write(dir.join("src/pages/index.html"), "<h1>hi</h1>\n").unwrap();
    std::fs::write(dir.join("src/scratch.tmp"), "not for the container\n").unwrap();
    within("a file in a new folder", || {
        in_container(&stack, "/app/pages/index.html").as_deref() == Some("<h1>hi</h1>\n")
    });
    std::fs::remove_file(dir.join("src/hello.txt")).unwrap();
    within("hello.txt removed there", || {
        in_container(&stack, "/app/hello.txt").is_none()
    });
    assert_eq!(
        in_container(&stack, "/app/scratch.tmp"),
        None,
        "an ignored file never goes to the container"
    );

    // sync+exec: the command runs after the copy, and sees the copied file.
    std::fs::write(dir.join("conf/app.conf"), "level=debug\n").unwrap();
    within("the command ran on the synced file", || {
        in_container(&stack, "/tmp/ran").as_deref() == Some("level=debug\n")
    });
    // sync+restart: the container starts again, and keeps the files it had.
    let before = started_at(&stack);
    std::fs::write(dir.join("restart-me/flag"), "1\n").unwrap();
    within("the container restarted", || started_at(&stack) != before);
    within("it still has the synced files", || {
        in_container(&stack, "/etc/restart/flag").as_deref() == Some("1\n")
            && in_container(&stack, "/app/pages/index.html").is_some()
    });

    let heard = std::cell::RefCell::new(Vec::<String>::new());
    within("the restart is said", || {
        let mut heard = heard.borrow_mut();
        heard.extend(printed.try_iter());
        heard.iter().any(|l| l.starts_with("app: restarted in "))
    });
    let lines = heard.into_inner();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("app: synced ") && l.ends_with(" ms")),
        "each sync is said with its time: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l == "app: ran `sh -c cp /etc/app/app.conf /tmp/ran`, exit code 0"),
        "{lines:?}"
    );

    drop(running);
}

#[test]
fn watch_on_an_environment_without_rules_says_what_to_add() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent
        .path()
        .join(format!("edt-watch-none-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("docker-compose.yml"),
        "services:\n  app:\n    image: envdeck-test/busybox:1\n",
    )
    .unwrap();
    std::fs::write(dir.join("docker-compose.local.yml"), "services: {}\n").unwrap();
    let out = envdeck(&dir).args(["watch", "local"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("has no `develop.watch` rules") && err.contains("docs/compose-support.md"),
        "{err}"
    );
}

#[test]
fn a_staging_environment_is_never_watched() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent
        .path()
        .join(format!("edt-watch-staging-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("docker-compose.yml"),
        "services:\n  app:\n    image: envdeck-test/busybox:1\n    develop:\n      watch:\n        - action: sync\n          path: ./src\n          target: /app\n",
    )
    .unwrap();
    std::fs::write(dir.join("docker-compose.staging.yml"), "services: {}\n").unwrap();
    let out = envdeck(&dir).args(["watch", "staging"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("staging or production environment") && err.contains("development environments"),
        "a watch would change its containers without the checklist or the typed name: {err}"
    );
}
