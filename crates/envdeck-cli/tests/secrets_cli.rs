//! `envdeck secrets ...` through the real binary and the real OS keychain (run under
//! scripts/with-keychain.sh): what a person sees, what stays hidden, and what is refused.
//!
//! Each test copies tests/fixtures/projects/secrets-basic into a folder with a unique name, so its
//! keychain namespace (`envdeck:<folder>:local`) is its own; entries are deleted when it ends.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A private copy of the fixture project whose keychain entries are deleted on drop.
struct Project {
    _dir: tempfile::TempDir,
    root: PathBuf,
    name: String,
}

const SECRETS: [&str; 2] = ["SECRET_KEY", "POSTGRES_PASSWORD"];

impl Project {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let folder = format!(
            "sb-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let root = dir.path().join(folder);
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/projects/secrets-basic");
        std::fs::create_dir(&root).unwrap_or_else(|e| panic!("create {}: {e}", root.display()));
        for entry in std::fs::read_dir(&fixture).unwrap_or_else(|e| panic!("read {}: {e}", fixture.display()))
        {
            let entry = entry.unwrap_or_else(|e| panic!("list fixture: {e}"));
            std::fs::copy(entry.path(), root.join(entry.file_name()))
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
        let opened = envdeck_tests::block_on(envdeck_api::project::open_identified(&root))
            .unwrap_or_else(|e| panic!("the fixture opens as a project: {e}"));
        // The keychain id of the project (not its readable name).
        let name = envdeck_api::environment::project_id(&opened)
            .expect("an identified project")
            .to_owned();
        Self {
            _dir: dir,
            root,
            name,
        }
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_envdeck"));
        cmd.arg("--project").arg(&self.root).args(args);
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("envdeck runs: {e}"));
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().unwrap_or_else(|| panic!("stdin is piped"));
            pipe.write_all(text.as_bytes())
                .unwrap_or_else(|e| panic!("write stdin: {e}"));
        }
        child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("envdeck finishes: {e}"))
    }

    fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "envdeck {args:?} must succeed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn reveal(&self, name: &str) -> String {
        self.ok(&["secrets", "reveal", "local", name], None)
            .trim_end_matches('\n')
            .to_owned()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        if let Ok(ns) = envdeck_vault::Namespace::new(&self.name, "local") {
            for name in SECRETS {
                let _ = envdeck_vault::delete(&ns, name);
            }
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn generate_then_list_shows_masked_rows_and_a_second_generate_keeps_the_values() {
    let p = Project::new();
    let before = p.ok(&["secrets", "list", "local"], None);
    assert!(
        before.contains("SECRET_KEY") && before.contains("missing"),
        "a fresh project lists its secrets as missing: {before}"
    );
    assert!(
        !before.contains("DEBUG"),
        "DEBUG=true is a setting, not a secret: {before}"
    );

    let generated = p.ok(&["secrets", "generate", "local"], None);
    assert!(
        generated.contains("generated SECRET_KEY") && generated.contains("generated POSTGRES_PASSWORD"),
        "both secrets are new: {generated}"
    );
    let key = p.reveal("SECRET_KEY");
    let password = p.reveal("POSTGRES_PASSWORD");
    assert_eq!(key.chars().count(), 64, "SECRET_KEY's default length is 64");
    assert_eq!(password.chars().count(), 32, "passwords default to 32");

    let listed = p.ok(&["secrets", "list", "local"], None);
    for line in ["SECRET_KEY", "POSTGRES_PASSWORD"] {
        let row = listed
            .lines()
            .find(|l| l.starts_with(line))
            .unwrap_or_else(|| panic!("{line} has a row: {listed}"));
        assert!(
            row.contains("stored") && row.contains("••••"),
            "stored and masked: {row}"
        );
    }
    assert!(
        listed.contains(" 384 ") && listed.contains(" 192 "),
        "bits of 64 and 32 URL-safe characters: {listed}"
    );
    assert!(
        !listed.contains(&key) && !listed.contains(&password),
        "list never prints a value"
    );

    let again = p.ok(&["secrets", "generate", "local"], None);
    assert!(again.contains("kept"), "nothing is regenerated: {again}");
    assert_eq!(
        p.reveal("SECRET_KEY"),
        key,
        "a stored secret survives a second generate"
    );
}

#[test]
fn rotate_explains_and_asks_and_refuses_without_an_answer() {
    let p = Project::new();
    p.ok(&["secrets", "generate", "local"], None);
    let old = p.reveal("POSTGRES_PASSWORD");

    let refused = p.run(&["secrets", "rotate", "local", "POSTGRES_PASSWORD"], None);
    let err = text(&refused.stderr);
    assert!(!refused.status.success(), "no stdin, no --yes: refused");
    assert!(
        err.contains("volume") && err.contains("--yes"),
        "says what rotation implies and how to skip the question: {err}"
    );
    assert_eq!(
        p.reveal("POSTGRES_PASSWORD"),
        old,
        "a refused rotation changes nothing"
    );

    let declined = p.run(&["secrets", "rotate", "local", "POSTGRES_PASSWORD"], Some("n\n"));
    assert!(!declined.status.success(), "answering no is not success");
    assert_eq!(p.reveal("POSTGRES_PASSWORD"), old, "declined: unchanged");

    p.ok(
        &["secrets", "rotate", "local", "POSTGRES_PASSWORD"],
        Some("yes\n"),
    );
    let answered = p.reveal("POSTGRES_PASSWORD");
    assert_ne!(answered, old, "a confirmed rotation stores a new value");

    let out = p.ok(
        &["secrets", "rotate", "local", "POSTGRES_PASSWORD", "--yes"],
        None,
    );
    assert!(out.contains("192 bits"), "reports the strength: {out}");
    assert_ne!(
        p.reveal("POSTGRES_PASSWORD"),
        answered,
        "--yes rotates without asking"
    );

    let unknown = p.run(&["secrets", "rotate", "local", "NOPE", "--yes"], None);
    let err = text(&unknown.stderr);
    assert!(
        !unknown.status.success() && err.contains("NOPE") && err.contains("SECRET_KEY"),
        "an unknown name is refused with the list of real ones: {err}"
    );
}

#[test]
fn export_warns_writes_a_private_new_file_and_never_overwrites() {
    let p = Project::new();
    p.ok(&["secrets", "generate", "local"], None);
    let key = p.reveal("SECRET_KEY");
    let file = p.root.join("exported.env");
    let file_arg = file.to_string_lossy().into_owned();

    let refused = p.run(&["secrets", "export", "local", &file_arg], None);
    assert!(!refused.status.success(), "export asks first; no stdin refuses");
    assert!(!file.exists(), "a refused export writes nothing");

    let out = p.run(&["secrets", "export", "local", &file_arg, "--yes"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("plain text"),
        "the warning is shown even with --yes: {}",
        text(&out.stderr)
    );
    let written = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("export wrote the file: {e}"));
    assert!(
        written.contains(&format!("SECRET_KEY={key}")),
        "the exported file holds the values"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .unwrap_or_else(|e| panic!("stat: {e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner may read a secrets file");
    }

    let again = p.run(&["secrets", "export", "local", &file_arg, "--yes"], None);
    assert!(
        !again.status.success() && text(&again.stderr).contains("already exists"),
        "an existing file is never overwritten: {}",
        text(&again.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap_or_default(),
        written,
        "the refused export left the file as it was"
    );
}

#[test]
fn import_takes_the_secrets_and_keeps_stored_ones_unless_overwrite() {
    let p = Project::new();
    let file = p.root.join("old.env");
    let key = "k".repeat(20) + "Imported-Value_0123456789abcdefXYZ";
    std::fs::write(
        &file,
        format!("# an old .env\nexport SECRET_KEY=\"{key}\"\nPOSTGRES_PASSWORD=changeme\nDEBUG=true\n"),
    )
    .unwrap_or_else(|e| panic!("write: {e}"));
    let file_arg = file.to_string_lossy().into_owned();

    let out = p.ok(&["secrets", "import", "local", &file_arg], None);
    assert!(out.contains("imported SECRET_KEY"), "{out}");
    assert!(
        out.contains("skipped  POSTGRES_PASSWORD"),
        "a placeholder is not a password: {out}"
    );
    assert_eq!(p.reveal("SECRET_KEY"), key, "quotes and `export` are stripped");

    std::fs::write(&file, "SECRET_KEY=another-value-long-enough-0123456789\n")
        .unwrap_or_else(|e| panic!("write: {e}"));
    let kept = p.ok(&["secrets", "import", "local", &file_arg], None);
    assert!(kept.contains("kept"), "{kept}");
    assert_eq!(
        p.reveal("SECRET_KEY"),
        key,
        "without --overwrite the stored value stays"
    );
    p.ok(&["secrets", "import", "local", &file_arg, "--overwrite"], None);
    assert_eq!(
        p.reveal("SECRET_KEY"),
        "another-value-long-enough-0123456789",
        "--overwrite replaces it"
    );

    let missing = p.run(&["secrets", "import", "local", "/nonexistent/x.env"], None);
    assert!(
        !missing.status.success() && text(&missing.stderr).contains("/nonexistent/x.env"),
        "a missing file is named: {}",
        text(&missing.stderr)
    );

    // A file half read imports nothing: the line that is no assignment is named.
    std::fs::write(
        &file,
        "SECRET_KEY=a-third-value-long-enough-0123456789abc\nthis line is not KEY=value\n",
    )
    .unwrap_or_else(|e| panic!("write: {e}"));
    let broken = p.run(&["secrets", "import", "local", &file_arg, "--overwrite"], None);
    let said = text(&broken.stderr);
    assert!(
        !broken.status.success() && said.contains("old.env") && said.contains("line 2"),
        "the file and line are named: {said}"
    );
    assert_eq!(
        p.reveal("SECRET_KEY"),
        "another-value-long-enough-0123456789",
        "nothing of a broken file is imported"
    );
}

#[test]
fn enter_reads_stdin_without_its_trailing_newline() {
    let p = Project::new();
    p.ok(
        &["secrets", "enter", "local", "POSTGRES_PASSWORD"],
        Some("typed by a person, with spaces\n"),
    );
    assert_eq!(
        p.reveal("POSTGRES_PASSWORD"),
        "typed by a person, with spaces",
        "the line break that ends typing is not part of the value"
    );
    let empty = p.run(&["secrets", "enter", "local", "POSTGRES_PASSWORD"], Some(""));
    assert!(!empty.status.success(), "an empty value is refused");
    assert_eq!(
        p.reveal("POSTGRES_PASSWORD"),
        "typed by a person, with spaces",
        "and the stored one stays"
    );
}

#[test]
fn an_unknown_environment_is_named() {
    let p = Project::new();
    let out = p.run(&["secrets", "list", "nowhere"], None);
    assert!(
        !out.status.success() && text(&out.stderr).contains("nowhere"),
        "the error names the environment asked for: {}",
        text(&out.stderr)
    );
}
