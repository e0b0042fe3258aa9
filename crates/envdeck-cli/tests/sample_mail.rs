//! The built-in sample's `local` environment, run for real through the `envdeck` binary: the sample is
//! written out with `envdeck new --sample`, its backend is built from its own Dockerfile, `envdeck up local`
//! starts PostgreSQL, Redis, the backend, MailHog and pgAdmin with secrets generated into the keychain,
//! a user registers through the backend's API, and the verification email is found through MailHog's
//! HTTP API; its link verifies the user. With `envdeck watch local` running, an edit of the backend's
//! code reaches the container and the API answers with it.
//!
//! No registry is reachable here: the official images are stood in for by scripts/test-images.sh's
//! `envdeck-test/*` images, tagged with the official names for this test only (envdeck_tests::StandIns).
//! The sample publishes fixed ports (8000, 5432, 6379, 8025, 5050 on 127.0.0.1), so the test holds a
//! machine-wide lock while it runs. Needs the engine, the test images and a keychain
//! (scripts/with-keychain.sh); scripts/test.sh provides all three.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use envdeck_tests::http;

/// Stand-in → the name the sample uses (docker-compose.yml, docker-compose.local.yml, backend/Dockerfile).
const STAND_INS: [(&str, &str); 5] = [
    ("envdeck-test/python:3.11", "python:3.11-slim"),
    ("envdeck-test/postgres:15", "postgres:16-alpine"),
    ("envdeck-test/redis:7", "redis:7-alpine"),
    ("envdeck-test/mailcatcher:1", "mailhog/mailhog:latest"),
    ("envdeck-test/pgadmin:1", "dpage/pgadmin4:latest"),
];

/// The lock of tests that run the sample on its fixed ports (envdeck_tests::exclusive).
const SAMPLE_PORTS_LOCK: u16 = 29025;

const SECRETS: [&str; 4] = [
    "SECRET_KEY",
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "PGADMIN_PASSWORD",
];

const BACKEND: &str = "http://127.0.0.1:8000";
const MAILHOG: &str = "http://127.0.0.1:8025";

/// What a run leaves behind, removed even when an assertion fails: the stack (containers, network,
/// volumes), the backend image this run built, and the generated secrets.
struct Cleanup {
    project: String,
    stack: String,
    image: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        envdeck_tests::remove_stack(&self.stack);
        let _ = Command::new("docker").args(["rmi", &self.image]).output();
        if let Ok(ns) = envdeck_vault::Namespace::new(&self.project, "local") {
            for name in SECRETS {
                let _ = envdeck_vault::delete(&ns, name);
            }
        }
    }
}

/// Runs `envdeck --project DIR ARGS...` with its log file in the test's folder; (success, transcript).
fn envdeck(dir: &Path, logs: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_envdeck"))
        .arg("--project")
        .arg(dir)
        .args(args)
        .env("ENVDECK_LOG_DIR", logs)
        .output()
        .unwrap_or_else(|e| panic!("envdeck runs: {e}"));
    let text = format!(
        "$ envdeck {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Replaces exactly one occurrence of `from` in the file, so a changed sample fails here, loudly.
fn rewrite(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert_eq!(
        text.matches(from).count(),
        1,
        "{} has `{from}` once (the sample changed?)",
        path.display()
    );
    std::fs::write(path, text.replace(from, to)).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// `envdeck watch local` running in the background, its output collected; ended when dropped.
struct Watching {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watching {
    fn start(dir: &Path, logs: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_envdeck"))
            .arg("--project")
            .arg(dir)
            .args(["watch", "local"])
            .env("ENVDECK_LOG_DIR", logs)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("envdeck watch runs: {e}"));
        let (tx, lines) = std::sync::mpsc::channel();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in std::io::BufRead::lines(std::io::BufReader::new(stream)).map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        Watching {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line of the watch's output that contains `needle`.
    fn wait_for(&mut self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.seen.iter().any(|l| l.contains(needle)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!(
                    "`envdeck watch` never said `{needle}` within {timeout:?}:\n{}",
                    self.said()
                ),
            }
        }
    }

    fn said(&mut self) -> String {
        self.seen.extend(self.lines.try_iter());
        self.seen.join("\n")
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Undoes quoted-printable (RFC 2045 6.7): soft line breaks and `=XX` escapes. Python's email package
/// picks it for the verification email because the link makes a line longer than 78 characters.
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Polls MailHog's `GET /api/v2/messages` until a message to `address` is there (bounded).
fn wait_for_mail(address: &str, timeout: Duration) -> serde_json::Value {
    let deadline = Instant::now() + timeout;
    loop {
        let last = match http::get(&format!("{MAILHOG}/api/v2/messages")) {
            Ok(answer) if answer.status == 200 => {
                let list = answer.json();
                let found = list["items"].as_array().into_iter().flatten().find(|m| {
                    m["Raw"]["To"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|to| to.as_str() == Some(address))
                });
                if let Some(message) = found {
                    assert!(
                        list["total"].as_u64().is_some_and(|t| t >= 1),
                        "MailHog's total counts the message: {list}"
                    );
                    return message.clone();
                }
                answer.body
            }
            Ok(answer) => format!("HTTP {}: {}", answer.status, answer.body),
            Err(e) => e.to_string(),
        };
        assert!(
            Instant::now() < deadline,
            "no email to {address} reached MailHog within {timeout:?}; last answer: {last}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000)
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

#[test]
fn local_sample_registers_a_user_and_mailhog_catches_the_verification_email() {
    // Dropped last to first: the stack and secrets go, then the official tags, then the lock.
    let _lock = envdeck_tests::exclusive(SAMPLE_PORTS_LOCK, Duration::from_secs(900));
    let _stand_ins = envdeck_tests::StandIns::tag(&STAND_INS);
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let logs = tmp.path().join("logs");
    let name = unique("edt-sample");
    let dir: PathBuf = tmp.path().join(&name);

    let out = Command::new(env!("CARGO_BIN_EXE_envdeck"))
        .args(["new", "--sample"])
        .arg(&dir)
        .output()
        .unwrap_or_else(|e| panic!("envdeck runs: {e}"));
    assert!(
        out.status.success(),
        "envdeck new --sample: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // This run's own stack and keychain namespace (both follow the project name) and its own backend
    // image, built now from the sample's Dockerfile: a user's `contravento` is never touched, and an
    // image left by an older sample is never reused.
    rewrite(
        &dir.join("envdeck.toml"),
        "name = \"contravento\"",
        &format!("name = \"{name}\""),
    );
    let image = format!("envdeck-test/sample-backend:{name}");
    rewrite(
        &dir.join("docker-compose.yml"),
        "image: contravento/backend:local",
        &format!("image: {image}"),
    );
    let opened = envdeck_tests::block_on(envdeck_api::project::open_identified(&dir))
        .unwrap_or_else(|e| panic!("the sample opens: {e}"));
    let stack = envdeck_api::environment::stack_of(&opened, "local")
        .expect("the stack of local")
        .name;
    let _cleanup = Cleanup {
        project: envdeck_api::environment::project_id(&opened)
            .expect("an identified project")
            .to_owned(),
        stack: stack.clone(),
        image: image.clone(),
    };

    let started = Instant::now();
    let (ok, text) = envdeck(&dir, &logs, &["up", "local"]);
    assert!(ok, "`up local` exits 0 once every service is healthy:\n{text}");
    assert!(
        text.contains("local is up: 5 services"),
        "postgres, redis, backend, mailhog and pgadmin run:\n{text}"
    );
    assert!(
        text.contains(&format!("image {image} (Built)")),
        "the backend image is built from the sample's Dockerfile:\n{text}"
    );
    eprintln!(
        "up local (build included): {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let health =
        http::get(&format!("{BACKEND}/health")).unwrap_or_else(|e| panic!("the backend answers: {e}"));
    assert_eq!(
        health.json(),
        serde_json::json!({"status": "healthy"}),
        "{health:?}"
    );

    let address = format!("{name}@example.com");
    let registration = serde_json::json!({
        "username": name,
        "email": address,
        "password": "TestPass123!",
        "full_name": "Test User",
    });
    let answer = http::post_json(&format!("{BACKEND}/auth/register"), &registration)
        .unwrap_or_else(|e| panic!("POST /auth/register: {e}"));
    assert_eq!(answer.status, 201, "registration is accepted: {}", answer.body);
    let registered = answer.json();
    assert_eq!(registered["email"], address.as_str(), "{registered}");
    assert_eq!(
        registered["verification_email_sent"], true,
        "the backend handed the email to MailHog over SMTP: {registered}"
    );

    let message = wait_for_mail(&address, Duration::from_secs(30));
    let headers = &message["Content"]["Headers"];
    assert_eq!(
        headers["Subject"][0], "Verify your ContraVento account",
        "{message}"
    );
    assert_eq!(headers["To"][0], address.as_str(), "{message}");
    assert_eq!(
        headers["From"][0], "noreply@contravento.example",
        "SMTP_FROM of .env.local.example: {message}"
    );
    assert_eq!(message["Raw"]["From"], "noreply@contravento.example", "{message}");
    let body = message["Content"]["Body"].as_str().unwrap_or_default();
    let quoted = headers["Content-Transfer-Encoding"][0]
        .as_str()
        .is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable"));
    let body = if quoted {
        quoted_printable(body)
    } else {
        body.to_string()
    };
    assert!(
        body.contains(&format!("Hello {name},")),
        "the email greets the user: {body}"
    );
    let prefix = format!("{BACKEND}/auth/verify?token=");
    let start = body
        .find(&prefix)
        .unwrap_or_else(|| panic!("the email carries a verification link to {prefix}: {body}"));
    let token: String = body[start + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(
        token.len() >= 40,
        "a 32-byte URL-safe token, got `{token}` in: {body}"
    );

    let link = format!("{prefix}{token}");
    let verified = http::get(&link).unwrap_or_else(|e| panic!("GET the verification link: {e}"));
    assert_eq!(
        (verified.status, verified.json()),
        (200, serde_json::json!({"status": "verified"})),
        "the emailed link verifies the user in PostgreSQL: {}",
        verified.body
    );
    let again = http::get(&link).unwrap_or_else(|e| panic!("GET the link again: {e}"));
    assert_eq!(again.status, 404, "a link verifies once: {}", again.body);

    // pgAdmin runs with the generated PGADMIN_PASSWORD (it refuses to start without one).
    let ping =
        http::get("http://127.0.0.1:5050/misc/ping").unwrap_or_else(|e| panic!("pgAdmin answers: {e}"));
    assert_eq!((ping.status, ping.body.as_str()), (200, "PING"), "{ping:?}");

    // `develop.watch`: a backend file saved while `envdeck watch local` runs is copied into the
    // container, uvicorn reloads it, and the API answers with the new code.
    let mut watch = Watching::start(&dir, &logs);
    watch.wait_for("backend: watching", Duration::from_secs(30));
    rewrite(
        &dir.join("backend/src/main.py"),
        "return {\"status\": \"healthy\"}",
        "return {\"status\": \"healthy\", \"edited\": \"while watched\"}",
    );
    let saved = Instant::now();
    let edited = serde_json::json!({"status": "healthy", "edited": "while watched"});
    loop {
        // Between uvicorn's reload and its new worker answering, a request may find nobody.
        let answer = http::get(&format!("{BACKEND}/health")).map(|a| a.json());
        if answer.as_ref().is_ok_and(|json| *json == edited) {
            break;
        }
        assert!(
            saved.elapsed() < Duration::from_secs(20),
            "the edited /health answers within 20 s of the save; it answers {answer:?}; the watch said:\n{}",
            watch.said()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!(
        "the edited backend answered {:.1} s after the save",
        saved.elapsed().as_secs_f64()
    );
    watch.wait_for("backend: synced 1 file(s)", Duration::from_secs(5));
    drop(watch);

    let (ok, text) = envdeck(&dir, &logs, &["down", "local", "--volumes", "--confirm", "local"]);
    assert!(ok, "down with volumes succeeds:\n{text}");
    let label = format!("label=dev.envdeck.project={stack}");
    for list in [&["ps", "-aq"][..], &["volume", "ls", "-q"][..]] {
        let out = Command::new("docker")
            .args(list)
            .args(["--filter", &label])
            .output()
            .unwrap_or_else(|e| panic!("docker runs: {e}"));
        assert!(
            String::from_utf8_lossy(&out.stdout).trim().is_empty(),
            "`down local --volumes` left {}: {}",
            list[0],
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn quoted_printable_joins_soft_breaks_and_decodes_escapes() {
    assert_eq!(
        quoted_printable("http://x/verify?token=3Dab=\r\ncd\r\n=C3=A9"),
        "http://x/verify?token=abcd\r\né"
    );
    assert_eq!(quoted_printable("a = b =ZZ"), "a = b =ZZ", "a lone `=` stays");
}
