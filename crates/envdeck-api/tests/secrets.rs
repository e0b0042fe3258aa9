//! The secrets operations end to end against the real OS keychain (scripts/with-keychain.sh), called
//! from a multi-threaded tokio runtime as the desktop and the CLI call them.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use envdeck_api::error::ErrorCode;
use envdeck_api::secrets::{self, SecretState};
use envdeck_core::secret::{Alphabet, SecretSpec, SecretValue, Strength, Supply};
use envdeck_vault::Namespace;

/// `secrets generate` of `local` with no data volumes (these tests have no Docker stack), under the
/// environment's writer lock as every caller takes it.
async fn generate(
    project: &str,
    specs: &[SecretSpec],
) -> Result<secrets::GenerateReport, envdeck_api::ApiError> {
    let writer = envdeck_api::writer::lock(
        project,
        "local",
        envdeck_api::writer::Operation::Secrets,
        |_: &envdeck_api::writer::Waiting| {},
    )
    .await?;
    secrets::generate_missing(&writer, project, "local", specs, &[]).await
}

/// A rotation with nothing else keeping the old value (no database here), as `environment::rotate_secret`
/// does it: a new value by the policy, stored under the writer lock.
async fn rotate(project: &str, spec: &SecretSpec) -> Result<secrets::Rotation, envdeck_api::ApiError> {
    let writer = envdeck_api::writer::lock(
        project,
        "local",
        envdeck_api::writer::Operation::Secrets,
        |_: &envdeck_api::writer::Waiting| {},
    )
    .await?;
    let value = secrets::new_value("local", spec)?;
    secrets::store_rotated(&writer, project, "local", spec, value).await
}

/// A unique project id whose entries are deleted on drop.
struct Scratch {
    project: String,
    names: Vec<String>,
}

impl Scratch {
    fn new(names: &[&str]) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let project = format!(
            "api-test-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        Self {
            project,
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    fn ns(&self) -> Namespace {
        Namespace::new(&self.project, "local").expect("valid test names")
    }

    fn stored(&self, name: &str) -> Option<String> {
        envdeck_vault::read(&self.ns(), name)
            .unwrap_or_else(|e| panic!("the keychain must answer (run under scripts/with-keychain.sh): {e}"))
            .map(|v| v.expose().to_owned())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for n in &self.names {
            let _ = envdeck_vault::delete(&self.ns(), n);
        }
    }
}

fn generated(name: &str, length: usize) -> SecretSpec {
    SecretSpec {
        name: name.into(),
        supply: Supply::Generate(Strength {
            length,
            alphabet: Alphabet::UrlSafe,
        }),
    }
}

fn entered(name: &str) -> SecretSpec {
    SecretSpec {
        name: name.into(),
        supply: Supply::Enter,
    }
}

fn local_specs() -> Vec<SecretSpec> {
    vec![
        generated("SECRET_KEY", 64),
        generated("POSTGRES_PASSWORD", 32),
        entered("SMTP_PASSWORD"),
    ]
}

const NAMES: &[&str] = &["SECRET_KEY", "POSTGRES_PASSWORD", "SMTP_PASSWORD"];

#[tokio::test(flavor = "multi_thread")]
async fn generate_list_rotate_reveal() {
    let s = Scratch::new(NAMES);
    let specs = local_specs();
    let report = generate(&s.project, &specs).await.expect("generate");
    assert_eq!(
        report.generated,
        ["SECRET_KEY", "POSTGRES_PASSWORD"],
        "both generated secrets were missing"
    );
    assert_eq!(
        report.to_enter,
        ["SMTP_PASSWORD"],
        "an entered secret is listed, never generated"
    );
    assert_eq!(
        s.stored("SMTP_PASSWORD"),
        None,
        "nothing may be stored for an entered secret"
    );
    let key = s.stored("SECRET_KEY").expect("generated and stored");
    assert_eq!(key.len(), 64);
    assert!(
        Alphabet::UrlSafe.admits(&key),
        "policy alphabet holds in the keychain"
    );

    let again = generate(&s.project, &specs).await.expect("generate again");
    assert!(again.generated.is_empty(), "a second run generates nothing");
    assert_eq!(
        s.stored("SECRET_KEY").as_deref(),
        Some(key.as_str()),
        "existing secrets are never replaced"
    );

    let rows = secrets::list(&s.project, "local", &specs).await.expect("list");
    let states: Vec<_> = rows.iter().map(|r| (r.name.as_str(), r.state, r.bits)).collect();
    assert_eq!(
        states,
        [
            ("SECRET_KEY", SecretState::Stored, Some(384)),
            ("POSTGRES_PASSWORD", SecretState::Stored, Some(192)),
            ("SMTP_PASSWORD", SecretState::ToEnter, None)
        ]
    );
    let json = serde_json::to_string(&rows).expect("rows serialize");
    assert!(
        !json.contains(&key),
        "the list sent to the UI must never carry a value: {json}"
    );

    let rotation = rotate(&s.project, &specs[1]).await.expect("rotate");
    assert!(
        rotation
            .consequences
            .iter()
            .any(|c| c.to_string().contains("ALTER ROLE")),
        "{:?}",
        rotation.consequences
    );
    let revealed = secrets::reveal(&s.project, "local", "POSTGRES_PASSWORD")
        .await
        .expect("reveal");
    assert_eq!(
        Some(revealed.value.clone()),
        s.stored("POSTGRES_PASSWORD"),
        "reveal shows the stored value"
    );
    assert_eq!(revealed.value.len(), 32);
    let err = rotate(&s.project, &specs[2])
        .await
        .expect_err("entered secrets are not rotated");
    assert!(err.message.contains("enter"), "{}", err.message);

    secrets::enter(
        &s.project,
        "local",
        "SMTP_PASSWORD",
        SecretValue::new("from-the-smtp-provider".into()),
    )
    .await
    .expect("enter");
    let writer = envdeck_api::writer::lock(
        &s.project,
        "local",
        envdeck_api::writer::Operation::Start,
        |_: &envdeck_api::writer::Waiting| {},
    )
    .await
    .expect("the environment's writer lock");
    let start = secrets::values_for_start(&writer, &s.project, "local", &specs, &[])
        .await
        .expect("values");
    drop(writer);
    assert!(start.to_enter.is_empty(), "everything is stored now");
    let names: Vec<_> = start.values.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, NAMES, "a Start gets every secret as a variable");
    let masked = start
        .masker()
        .mask(&format!("connecting with {} and {key}", revealed.value));
    assert_eq!(
        masked, "connecting with •••• and ••••",
        "values handed to a Start are masked in its logs"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_takes_only_secrets_and_keeps_existing_unless_told() {
    let s = Scratch::new(NAMES);
    let specs = local_specs();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join(".env.local");
    std::fs::write(
        &file,
        "APP_NAME=shop\nSECRET_KEY=imported-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ\n\
         POSTGRES_PASSWORD=password123\nSMTP_PASSWORD=your_smtp_password\n",
    )
    .expect("write fixture");
    let report = secrets::import_env_file(&s.project, "local", &specs, &file, false)
        .await
        .expect("import");
    assert_eq!(report.imported, ["SECRET_KEY", "POSTGRES_PASSWORD"]);
    assert_eq!(
        report.weak,
        ["POSTGRES_PASSWORD"],
        "password123 is imported (the volume uses it) but flagged"
    );
    assert_eq!(
        report.empty_in_file,
        ["SMTP_PASSWORD"],
        "a placeholder is not a value to import"
    );
    assert_eq!(
        report.ignored_keys, 1,
        "APP_NAME is not a secret and is left alone"
    );
    assert_eq!(s.stored("POSTGRES_PASSWORD").as_deref(), Some("password123"));

    std::fs::write(&file, "POSTGRES_PASSWORD=a-second-import-value\n").expect("rewrite fixture");
    let report = secrets::import_env_file(&s.project, "local", &specs, &file, false)
        .await
        .expect("import");
    assert_eq!(
        report.kept_existing,
        ["POSTGRES_PASSWORD"],
        "never overwritten without the flag"
    );
    assert_eq!(s.stored("POSTGRES_PASSWORD").as_deref(), Some("password123"));
    let report = secrets::import_env_file(&s.project, "local", &specs, &file, true)
        .await
        .expect("import");
    assert_eq!(report.imported, ["POSTGRES_PASSWORD"]);
    assert_eq!(
        s.stored("POSTGRES_PASSWORD").as_deref(),
        Some("a-second-import-value"),
        "the flag overwrites"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn export_writes_a_private_new_file_and_never_overwrites() {
    let s = Scratch::new(NAMES);
    let specs = local_specs();
    generate(&s.project, &specs).await.expect("generate");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("exported.env");
    let report = secrets::export_env_file(&s.project, "local", &specs, &file)
        .await
        .expect("export");
    assert_eq!(report.written, ["SECRET_KEY", "POSTGRES_PASSWORD"]);
    assert_eq!(report.not_stored, ["SMTP_PASSWORD"]);
    let text = std::fs::read_to_string(&file).expect("exported file");
    let key = s.stored("SECRET_KEY").expect("stored");
    assert!(
        text.contains(&format!("SECRET_KEY={key}\n")),
        "the value round-trips into the file"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "only the owner may read exported secrets");
    }
    std::fs::write(&file, "keep me\n").expect("rewrite");
    let err = secrets::export_env_file(&s.project, "local", &specs, &file)
        .await
        .expect_err("file exists");
    assert!(err.message.contains("already exists"), "{}", err.message);
    assert_eq!(
        std::fs::read_to_string(&file).expect("still there"),
        "keep me\n",
        "never overwritten"
    );
}

/// With the keychain unreachable, `generate_missing` fails and generates nothing: the parent checks
/// that the value stored before is untouched and that no missing secret appeared.
#[tokio::test(flavor = "multi_thread")]
async fn a_keychain_that_cannot_answer_never_leads_to_generation() {
    let s = Scratch::new(NAMES);
    envdeck_vault::write(
        &s.ns(),
        "SECRET_KEY",
        &SecretValue::new("existing-value-must-survive".into()),
    )
    .expect("seed a value");
    let exe = std::env::current_exe().expect("test binary path");
    let out = Command::new(exe)
        .args([
            "--exact",
            "child_generates_without_keychain",
            "--ignored",
            "--nocapture",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/envdeck-test-bus",
        )
        .env("ENVDECK_TEST_PROJECT", &s.project)
        .output()
        .expect("child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child must see KeychainUnavailable\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        s.stored("SECRET_KEY").as_deref(),
        Some("existing-value-must-survive")
    );
    assert_eq!(
        s.stored("POSTGRES_PASSWORD"),
        None,
        "nothing may be generated when reads fail"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "run by a_keychain_that_cannot_answer_never_leads_to_generation with no D-Bus session"]
async fn child_generates_without_keychain() {
    let Ok(project) = std::env::var("ENVDECK_TEST_PROJECT") else {
        return;
    };
    let err = generate(&project, &local_specs()).await.expect_err("no keychain");
    assert_eq!(err.code, ErrorCode::KeychainUnavailable, "{}", err.message);
    println!("documented error: {}", err.message);
}
