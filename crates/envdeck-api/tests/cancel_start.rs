//! Cancel of a desktop Start on the real engine and keychain (scripts/with-keychain.sh,
//! scripts/docker-engine.sh, scripts/test-images.sh): cancelled while the database waits for health,
//! the Start answers `cancelled`, the database container it created stays with the stack's labels, and
//! the next Start continues from it to a healthy stack.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use envdeck_api::desktop;
use envdeck_api::error::ErrorCode;
use envdeck_api::stack;
use envdeck_api::starts::Starts;
use envdeck_core::plan::Step;
use envdeck_core::progress::Progress;

/// A private copy of tests/fixtures/projects/secrets-postgres (db, then app once db is healthy); its
/// stack and keychain entries are removed on drop, even when the test failed half-way.
struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    project: String,
    stack: envdeck_api::stack::StackId,
}

impl Fixture {
    fn new() -> Self {
        let (tmp, root) = envdeck_tests::copy_fixture("secrets-postgres", "edt-cancel");
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
async fn a_cancelled_start_keeps_what_it_created_and_the_next_start_continues() {
    let f = Fixture::new();
    let starts = Arc::new(Starts::default());
    let (waiting_tx, waiting_rx) = tokio::sync::oneshot::channel();
    let waiting_tx = std::sync::Mutex::new(Some(waiting_tx));
    let on_progress = move |p: Progress| {
        // The database is created and started; the Start now waits for its health.
        if let Progress::StepStarted {
            step: Step::Ready { service },
        } = &p
            && service == "db"
            && let Some(tx) = waiting_tx.lock().unwrap().take()
        {
            let _ = tx.send(());
        }
    };
    let runner = starts.clone();
    let root = f.root.clone();
    let start = tokio::spawn(async move { desktop::start(&runner, &root, "local", None, on_progress).await });

    tokio::time::timeout(Duration::from_secs(120), waiting_rx)
        .await
        .expect("the Start reaches the database's health wait within 2 minutes (images built?)")
        .expect("the progress callback reported it");
    assert!(
        desktop::cancel_start(&starts, &f.root, "local"),
        "a running Start can be cancelled"
    );
    let err = start
        .await
        .expect("the start task ends")
        .expect_err("a cancelled Start does not report success");
    assert_eq!(err.code, ErrorCode::Cancelled, "{err:?}");

    let ps = stack::ps(&f.stack).await.expect("ps answers");
    let state = |service: &str| ps.iter().find(|s| s.service == service).map(|s| s.state.as_str());
    assert_eq!(
        state("db"),
        Some("running"),
        "the database started before the cancel stays, found by the stack's labels: {ps:?}"
    );
    // Like compose, `up` creates every container at once; the app waits for the database to start.
    assert_eq!(
        state("app"),
        Some("created"),
        "the app was created but never started: {ps:?}"
    );

    let report = desktop::start(&starts, &f.root, "local", None, |_| {})
        .await
        .unwrap_or_else(|e| panic!("the next Start continues: {}", e.message));
    assert_eq!(report.services.len(), 2, "db and app are up: {report:?}");
    let ps = stack::ps(&f.stack).await.expect("ps answers");
    let db_ids: Vec<&str> = ps
        .iter()
        .filter(|s| s.service == "db")
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(
        db_ids.len(),
        1,
        "one database container, not a second one: {ps:?}"
    );
    assert!(
        ps.iter().all(|s| s.state == "running"),
        "everything runs after the second Start: {ps:?}"
    );
}
