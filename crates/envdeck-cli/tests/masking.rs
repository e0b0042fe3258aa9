//! Masking that holds, through the real binary, a real dockerd and the real keychain (run under
//! scripts/with-keychain.sh): a service prints an entered secret in a 20 KiB line (Docker delivers it
//! in two frames, the secret across the cut), JSON-escaped, base64- and percent-encoded; `envdeck logs`
//! and `logs -f` show none of it, nor does `envdeck exec`. `config` shows an entered secret holding `"` and `\` masked, not
//! JSON-escaped. A value too short to mask is refused at entry.
//!
//! Fixture: tests/fixtures/projects/masking-logs.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// Every character encodings change: a quote and a backslash (JSON), `/` `+` `?` `&` `=` `%` and a space
/// (URLs), and bytes whose base64 holds `+` and `/`.
const TOKEN: &str = "Tr1cky\"se\\cr/et+?&=%val ue~~~>?";

/// A private copy of the fixture; on drop its stack and keychain entry go, even after a failed assertion.
struct Session {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    project: String,
    stack: envdeck_api::stack::StackId,
}

impl Session {
    fn new() -> Self {
        let (tmp, root) = envdeck_tests::copy_fixture("masking-logs", "edt-mask");
        let opened = envdeck_tests::block_on(envdeck_api::project::open_identified(&root))
            .unwrap_or_else(|e| panic!("the fixture opens: {e}"));
        Self {
            project: envdeck_api::environment::project_id(&opened)
                .unwrap_or_else(|e| panic!("an identified project: {e}"))
                .to_owned(),
            stack: envdeck_api::environment::stack_of(&opened, "local")
                .unwrap_or_else(|e| panic!("the stack of local: {e}")),
            _tmp: tmp,
            root,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_envdeck"));
        cmd.arg("--project").arg(&self.root).args(args);
        cmd
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = self
            .command(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("envdeck runs: {e}"));
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().unwrap_or_else(|| panic!("stdin is piped"));
            pipe.write_all(text.as_bytes())
                .unwrap_or_else(|e| panic!("write stdin: {e}"));
        }
        child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("envdeck finishes: {e}"))
    }

    /// Runs `envdeck ARGS`, which must succeed; returns stdout and stderr together.
    fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "envdeck {args:?} must succeed:\n{text}");
        text
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        envdeck_tests::remove_stack(&self.stack.name);
        if let Ok(ns) = envdeck_vault::Namespace::new(&self.project, "local") {
            let _ = envdeck_vault::delete(&ns, "API_TOKEN");
        }
    }
}

/// Each form the service prints, and a few fragments: a half of the token is a leak too.
fn leaks(text: &str) -> Vec<String> {
    let json = serde_json::to_string(TOKEN).unwrap_or_default();
    let forms = [
        TOKEN.to_owned(),
        json[1..json.len() - 1].to_owned(),
        STANDARD.encode(TOKEN),
        URL_SAFE_NO_PAD.encode(TOKEN),
        // `user:` + token in base64: the token's characters from the 4th on (the alignment is 2 bytes).
        STANDARD.encode(format!("user:{TOKEN}"))[8..40].to_owned(),
        "Tr1cky%22se%5Ccr%2Fet%2B%3F%26%3D%25val%20ue".to_owned(),
        TOKEN[..12].to_owned(),
        TOKEN[12..].to_owned(),
    ];
    forms.into_iter().filter(|f| text.contains(f.as_str())).collect()
}

fn assert_all_printed_and_masked(text: &str, what: &str) {
    for prefix in ["long: ", "json: ", "b64: ", "b64url: ", "basic: ", "url: "] {
        assert!(
            text.lines().any(|l| l.contains(prefix) && l.contains("••••")),
            "{what}: the service's `{prefix}` line is shown, masked"
        );
    }
    let long = text.lines().find(|l| l.contains("long: ")).unwrap_or_default();
    assert!(
        long.len() > 20_000 && long.contains("x••••y"),
        "{what}: the 20 KiB line is one line, with the token masked where Docker cut it ({} bytes)",
        long.len()
    );
    assert_eq!(
        leaks(text),
        Vec::<String>::new(),
        "{what}: nothing of the token is shown"
    );
}

#[test]
fn logs_and_follow_show_no_form_of_a_secret_a_service_prints() {
    let s = Session::new();
    s.ok(
        &["secrets", "enter", "local", "API_TOKEN"],
        Some(&format!("{TOKEN}\n")),
    );
    s.ok(&["up", "local"], None);

    // The service prints once at start: wait for its last line before reading the logs.
    let deadline = Instant::now() + Duration::from_secs(30);
    let logs = loop {
        let logs = s.ok(&["logs", "local"], None);
        if logs.contains("printed everything") || Instant::now() > deadline {
            break logs;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_all_printed_and_masked(&logs, "envdeck logs");

    let exec = s.ok(
        &[
            "exec",
            "local",
            "app",
            "--",
            "sh",
            "-c",
            "printenv API_TOKEN; printf %s \"$API_TOKEN\" | base64",
        ],
        None,
    );
    assert!(exec.contains("••••"), "exec's output is shown, masked: {exec}");
    assert_eq!(
        leaks(&exec),
        Vec::<String>::new(),
        "envdeck exec shows nothing of the token"
    );

    let mut follow = s
        .command(&["logs", "-f", "local"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("envdeck logs -f runs: {e}"));
    let stdout = follow.stdout.take().unwrap_or_else(|| panic!("stdout is piped"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut followed = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !followed.contains("printed everything") && Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            followed.push_str(&line);
            followed.push('\n');
        }
    }
    let _ = follow.kill();
    let _ = follow.wait();
    assert_all_printed_and_masked(&followed, "envdeck logs -f");
}

#[test]
fn config_masks_an_entered_secret_holding_quotes_and_backslashes() {
    let s = Session::new();
    s.ok(
        &["secrets", "enter", "local", "API_TOKEN"],
        Some(&format!("{TOKEN}\n")),
    );
    let config = s.ok(&["config", "local"], None);
    assert!(
        config.contains("\"API_TOKEN\": \"••••\""),
        "config shows where the token goes, masked:\n{config}"
    );
    assert_eq!(
        leaks(&config),
        Vec::<String>::new(),
        "nothing of the token, escaped or not:\n{config}"
    );
}

#[test]
fn a_value_too_short_to_mask_is_refused_at_entry() {
    let s = Session::new();
    let out = s.run(&["secrets", "enter", "local", "API_TOKEN"], Some("abc12\n"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a 5-character value is refused");
    assert!(
        stderr.contains("API_TOKEN") && stderr.contains("6 characters"),
        "the message names the secret and the minimum: {stderr}"
    );
    let env_file = s.root.join("import.env");
    std::fs::write(&env_file, "API_TOKEN=short\n").unwrap_or_else(|e| panic!("write: {e}"));
    let path = env_file.to_string_lossy().into_owned();
    let out = s.run(&["secrets", "import", "local", &path], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("API_TOKEN") && stderr.contains("6 characters"),
        "an import refuses it the same way: {stderr}"
    );
    let ns = envdeck_vault::Namespace::new(&s.project, "local").unwrap_or_else(|e| panic!("namespace: {e}"));
    assert!(
        envdeck_vault::read(&ns, "API_TOKEN")
            .unwrap_or_else(|e| panic!("the keychain answers: {e}"))
            .is_none(),
        "nothing was stored"
    );
}
