//! Tasks and backup/restore on the real engine and keychain (scripts/with-keychain.sh): a Task seeds
//! PostgreSQL, a backup survives wiping the volume, and a restore brings the row back; Task output
//! never shows a secret, and an unknown Task names the known ones.

use std::path::PathBuf;

use envdeck_api::stack::{LogLine, RemoveVolumes};
use envdeck_api::{backup, desktop, environment, task};

/// A private copy of tests/fixtures/projects/chores-postgres; on drop its stack (containers,
/// network, volumes) and keychain entry are removed, even when the test failed half-way.
struct Fixture {
    tmp: tempfile::TempDir,
    root: PathBuf,
    project: String,
    stack: envdeck_api::stack::StackId,
}

impl Fixture {
    fn new(prefix: &str) -> Self {
        let (tmp, root) = envdeck_tests::copy_fixture("chores-postgres", prefix);
        let opened = envdeck_tests::block_on(envdeck_api::project::open_identified(&root))
            .unwrap_or_else(|e| panic!("the fixture opens: {e}"));
        Self {
            project: envdeck_api::environment::project_id(&opened)
                .expect("an identified project")
                .to_owned(),
            stack: envdeck_api::environment::stack_of(&opened, "local").expect("the stack of local"),
            tmp,
            root,
        }
    }

    async fn start(&self) {
        environment::start(&self.root, "local", |_| {})
            .await
            .unwrap_or_else(|e| panic!("local starts (engine, images and keychain ready?): {}", e.message));
    }

    /// Runs a Task; returns its exit code and its output, one line each.
    async fn task(&self, id: &str) -> (i64, String) {
        let mut out = String::new();
        let code = task::run(&self.root, "local", id, |line: LogLine| {
            out.push_str(&line.text);
            out.push('\n');
        })
        .await
        .unwrap_or_else(|e| panic!("task {id} runs: {}", e.message));
        (code, out)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        envdeck_tests::remove_stack(&self.stack.name);
        if let Ok(ns) = envdeck_vault::Namespace::new(&self.project, "local") {
            let _ = envdeck_vault::delete(&ns, "POSTGRES_PASSWORD");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_survives_wiping_the_volume_and_restore_brings_the_row_back() {
    let f = Fixture::new("edt-chores");
    f.start().await;

    let (code, out) = f.task("seed").await;
    assert_eq!(code, 0, "the seed task creates the table and its row: {out}");
    let (code, out) = f.task("trips").await;
    assert_eq!((code, out.trim()), (0, "Pyrenees"), "the seeded row is readable");

    let file = f.tmp.path().join("mine.sql.gz");
    let written = backup::backup(&f.root, "local", Some(file.clone()))
        .await
        .unwrap_or_else(|e| panic!("the backup is written: {}", e.message));
    assert_eq!(written, file, "the backup goes where the person chose");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .unwrap_or_else(|e| panic!("the backup exists: {e}"))
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "a dump holds the data: only its owner may read it"
        );
    }
    let again = backup::backup(&f.root, "local", Some(file.clone())).await;
    assert!(
        again.is_err_and(|e| e.message.contains("never overwrites")),
        "an existing backup is never overwritten"
    );
    let default = backup::backup(&f.root, "local", None)
        .await
        .unwrap_or_else(|e| panic!("a backup to the default folder is written: {}", e.message));
    let listed = backup::list(&f.root, "local").unwrap_or_else(|e| panic!("list: {}", e.message));
    assert_eq!(
        listed.iter().map(|b| b.path.clone()).collect::<Vec<_>>(),
        vec![default.display().to_string()],
        "the list shows the backups of backups/local/, not files elsewhere"
    );
    let ignore = std::fs::read_to_string(f.root.join("backups/.gitignore"))
        .unwrap_or_else(|e| panic!("backups/.gitignore is written with the first default backup: {e}"));
    assert!(
        ignore.lines().any(|l| l.trim() == "*"),
        "dumps hold real data and must never be committed with the project: {ignore}"
    );

    environment::stop(
        &f.root,
        "local",
        RemoveVolumes::Confirmed {
            typed_name: "local".to_owned(),
        },
        |_| {},
    )
    .await
    .unwrap_or_else(|e| panic!("local stops with its volume wiped: {}", e.message));
    f.start().await;
    let (code, out) = f.task("trips").await;
    assert_ne!(code, 0, "after the wipe the table is gone: {out}");

    backup::restore(&f.root, "local", &file)
        .await
        .unwrap_or_else(|e| panic!("the restore succeeds: {}", e.message));
    let (code, out) = f.task("trips").await;
    assert_eq!(
        (code, out.trim()),
        (0, "Pyrenees"),
        "the restore brought back the row the backup held"
    );
    // The desktop's restore: a wrong name typed is refused, the right one restores.
    let refused = desktop::restore_backup(&f.root, "local", &file, "Local").await;
    assert!(
        refused.is_err_and(|e| e.message.contains("nothing was restored")),
        "the typed name must be the environment's exactly"
    );
    desktop::restore_backup(&f.root, "local", &file, "local")
        .await
        .unwrap_or_else(|e| {
            panic!(
                "restoring over existing tables works too (dump has DROP IF EXISTS): {}",
                e.message
            )
        });
    let (_, out) = f.task("trips").await;
    assert_eq!(
        out.trim(),
        "Pyrenees",
        "a second restore does not duplicate the row"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_output_is_masked_and_unknown_or_stopped_tasks_are_refused_clearly() {
    let f = Fixture::new("edt-tasks");

    let ids: Vec<String> = task::list(&f.root, "local")
        .unwrap_or_else(|e| panic!("list: {}", e.message))
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(
        ids,
        ["seed", "trips", "leak", "leak-slowly"],
        "tasks declared for another environment are not listed"
    );

    let stopped = task::run(&f.root, "local", "trips", |_| {}).await;
    assert!(
        stopped.is_err_and(|e| e.message.contains("envdeck up local")),
        "a task of a stopped service says to start the environment first"
    );

    f.start().await;
    let unknown = task::run(&f.root, "local", "migrate", |_| {}).await;
    let Err(unknown) = unknown else {
        panic!("an undeclared task must be refused")
    };
    assert!(
        unknown.message.contains("seed, trips, leak, leak-slowly"),
        "the refusal lists the known tasks: {}",
        unknown.message
    );

    let (code, out) = f.task("leak").await;
    assert_eq!(code, 0, "the leak task ran: {out}");
    let password = envdeck_api::secrets::reveal(&f.project, "local", "POSTGRES_PASSWORD")
        .await
        .unwrap_or_else(|e| panic!("the password is stored after a Start: {}", e.message))
        .value;
    assert!(
        !out.contains(&password) && out.contains("password is ••••"),
        "the task printed the password and EnvDeck masked it: {out}"
    );
    let (code, out) = f.task("leak-slowly").await;
    assert_eq!(code, 0, "the slow leak task ran: {out}");
    assert!(
        out.contains("split ••••") && !out.contains(&password[..16]) && !out.contains(&password[16..]),
        "a secret written in two chunks is still one line, masked whole: {out}"
    );
}
