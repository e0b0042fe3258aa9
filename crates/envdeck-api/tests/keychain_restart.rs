//! The keychain's daemon ends while EnvDeck stays open (gnome-keyring aborts now and then; a desktop
//! session starts it again): the same process, as the desktop is, reads the secrets it stored before,
//! keeps them, and generates nothing over them; a call the dying daemon never answered is asked again of
//! the new one. The real Secret Service under scripts/with-keychain.sh, which has D-Bus start it again
//! unlocked. Its own test binary, its tests one at a time: nothing else uses the keychain meanwhile.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use envdeck_api::secrets;
use envdeck_core::secret::{Alphabet, SecretSpec, Strength, Supply};
use envdeck_vault::Namespace;

/// Each test ends the daemon: one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A project id of this run only; its entries are deleted on drop.
struct Project(String);

impl Project {
    /// A new id for this process and moment, starting with `prefix`.
    fn new(prefix: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Project(format!("{prefix}-{}-{nanos}", std::process::id()))
    }

    fn ns(&self) -> Namespace {
        Namespace::new(&self.0, "local").expect("valid test names")
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = envdeck_vault::delete(&self.ns(), "SECRET_KEY");
    }
}

async fn generate(project: &str, spec: &SecretSpec) -> secrets::GenerateReport {
    let writer = envdeck_api::writer::lock(
        project,
        "local",
        envdeck_api::writer::Operation::Secrets,
        |_: &envdeck_api::writer::Waiting| {},
    )
    .await
    .expect("the writer lock");
    secrets::generate_missing(&writer, project, "local", std::slice::from_ref(spec), &[])
        .await
        .unwrap_or_else(|e| panic!("the keychain answers: {e}"))
}

fn stored(project: &Project) -> String {
    envdeck_vault::read(&project.ns(), "SECRET_KEY")
        .unwrap_or_else(|e| panic!("the keychain answers: {e}"))
        .expect("the secret is stored")
        .expose()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_keychain_daemon_that_ended_and_came_back_still_holds_the_secrets_and_nothing_is_regenerated() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let project = Project::new("api-restart");
    let spec = SecretSpec {
        name: "SECRET_KEY".into(),
        supply: Supply::Generate(Strength {
            length: 48,
            alphabet: Alphabet::UrlSafe,
        }),
    };
    let first = generate(&project.0, &spec).await;
    assert_eq!(
        first.generated,
        ["SECRET_KEY"],
        "a new project's secret is generated"
    );
    let before = stored(&project);

    let daemon = envdeck_tests::keychain::crash_secret_service();
    let again = generate(&project.0, &spec).await;

    assert_ne!(
        envdeck_tests::keychain::secret_service_pid(),
        daemon,
        "the keychain answering now is a new daemon"
    );
    assert!(
        again.generated.is_empty() && again.already_stored == ["SECRET_KEY"],
        "the stored secret is found again, not generated anew: {again:?}"
    );
    assert_eq!(
        stored(&project),
        before,
        "the value is the one stored before the daemon ended"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_keychain_call_the_dying_daemon_never_answered_is_asked_again_of_the_new_one() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let project = Project::new("api-unanswered");
    let value = envdeck_core::secret::SecretValue::new("kept-across-the-crash".into());
    envdeck_vault::write(&project.ns(), "SECRET_KEY", &value).expect("stored before the crash");

    // The daemon stops answering, a read goes out and waits for it, and then the daemon ends: D-Bus
    // answers the read "disconnected without replying".
    let daemon = envdeck_tests::keychain::secret_service_pid();
    envdeck_tests::cli::signal(daemon, "STOP");
    let ns = project.ns();
    let reader = std::thread::spawn(move || envdeck_vault::read(&ns, "SECRET_KEY"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    envdeck_tests::cli::signal(daemon, "KILL");
    let read = tokio::task::spawn_blocking(move || reader.join())
        .await
        .expect("the waiting ends")
        .expect("the reader thread ends");

    let read = read.unwrap_or_else(|e| panic!("the read is asked again of the new daemon: {e}"));
    assert_eq!(
        read.as_ref().map(|v| v.expose()),
        Some("kept-across-the-crash"),
        "and finds the value stored before"
    );
    assert_ne!(
        envdeck_tests::keychain::secret_service_pid(),
        daemon,
        "a new daemon answered"
    );
}
