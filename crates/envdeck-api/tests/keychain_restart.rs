//! The keychain's daemon ends while EnvDeck stays open (gnome-keyring aborts now and then; a desktop
//! session starts it again): the same process, as the desktop is, reads the secrets it stored before,
//! keeps them, and generates nothing over them. The real Secret Service under scripts/with-keychain.sh,
//! which has D-Bus start it again unlocked. Its own test binary: nothing else uses the keychain meanwhile.

use std::time::{SystemTime, UNIX_EPOCH};

use envdeck_api::secrets;
use envdeck_core::secret::{Alphabet, SecretSpec, Strength, Supply};
use envdeck_vault::Namespace;

/// A project id of this run only; its entries are deleted on drop.
struct Project(String);

impl Project {
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
        |_: &str| {},
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
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let project = Project(format!("api-restart-{}-{nanos}", std::process::id()));
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
