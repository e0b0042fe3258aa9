//! A Start with secrets on the real engine and the real keychain (scripts/with-keychain.sh,
//! scripts/docker-engine.sh, scripts/test-images.sh): the generated password is the one PostgreSQL
//! accepts, another is refused, and a second Start reuses it instead of generating a new one.

use std::path::PathBuf;

use envdeck_api::{environment, secrets, stack};

/// A private copy of tests/fixtures/projects/secrets-postgres; on drop its stack (containers, network,
/// volumes) and keychain entries are removed, even when the test failed half-way.
struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    project: String,
    stack: envdeck_api::stack::StackId,
}

impl Fixture {
    fn new(prefix: &str) -> Self {
        let (tmp, root) = envdeck_tests::copy_fixture("secrets-postgres", prefix);
        let opened = envdeck_tests::block_on(envdeck_api::project::open_identified(&root))
            .unwrap_or_else(|e| panic!("the fixture opens: {e}"));
        Self {
            project: envdeck_api::environment::project_id(&opened)
                .expect("an identified project")
                .to_owned(),
            stack: envdeck_api::environment::stack_of(&opened, "local").expect("the stack of local"),
            _tmp: tmp,
            root,
        }
    }

    async fn secret(&self, name: &str) -> String {
        secrets::reveal(&self.project, "local", name)
            .await
            .unwrap_or_else(|e| panic!("{name} is in the keychain after a Start: {}", e.message))
            .value
    }

    /// `psql` inside the database container, over TCP so the password is checked.
    async fn psql(&self, password: &str) -> (i64, String) {
        let url = format!("postgresql://app:{password}@127.0.0.1:5432/app");
        let command: Vec<String> = ["psql", &url, "-tAc", "select 40 + 2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut output = String::new();
        let code = stack::exec(&self.stack, "db", &command, |line| {
            output.push_str(&line.text);
            output.push('\n');
        })
        .await
        .unwrap_or_else(|e| panic!("exec reaches the db container: {}", e.message));
        (code, output)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        envdeck_tests::remove_stack(&self.stack.name);
        if let Ok(ns) = envdeck_vault::Namespace::new(&self.project, "local") {
            for name in ["POSTGRES_PASSWORD", "SECRET_KEY"] {
                let _ = envdeck_vault::delete(&ns, name);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_generates_the_password_postgres_accepts_and_a_second_start_reuses_it() {
    let f = Fixture::new("edt-sec");
    let report = environment::start(&f.root, "local", |_| {})
        .await
        .unwrap_or_else(|e| panic!("local starts (engine, images and keychain ready?): {}", e.message));
    assert_eq!(report.services.len(), 2, "db and app are up: {report:?}");

    let password = f.secret("POSTGRES_PASSWORD").await;
    let key = f.secret("SECRET_KEY").await;
    assert_eq!(password.chars().count(), 32, "generated with the policy's length");
    assert_eq!(key.chars().count(), 64, "generated with the policy's length");

    let (code, out) = f.psql(&password).await;
    assert_eq!(
        (code, out.trim()),
        (0, "42"),
        "the container got the keychain's password: PostgreSQL accepts it"
    );
    let (code, out) = f.psql("not-the-generated-password").await;
    assert_ne!(code, 0, "any other password is refused: {out}");
    assert!(
        out.contains("password authentication failed"),
        "refused for the password, not for another reason: {out}"
    );

    let listed = secrets::list(
        &f.project,
        "local",
        &environment::specs(
            &envdeck_api::project::open(&f.root).unwrap_or_else(|e| panic!("opens: {}", e.message)),
            "local",
        )
        .unwrap_or_else(|e| panic!("specs: {}", e.message)),
    )
    .await
    .unwrap_or_else(|e| panic!("list: {}", e.message));
    assert!(
        listed.iter().all(|r| r.state == secrets::SecretState::Stored),
        "every secret of the environment is stored after a Start: {listed:?}"
    );

    environment::start(&f.root, "local", |_| {})
        .await
        .unwrap_or_else(|e| panic!("a second start succeeds: {}", e.message));
    assert_eq!(
        f.secret("POSTGRES_PASSWORD").await,
        password,
        "a second Start must reuse the stored password: a new one would not open the existing volume"
    );
    assert_eq!(f.secret("SECRET_KEY").await, key, "nor replace the SECRET_KEY");
    let (code, _) = f.psql(&password).await;
    assert_eq!(
        code, 0,
        "the database still accepts the same password after the second Start"
    );
}
