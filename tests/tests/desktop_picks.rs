//! The real app window reaches only folders and files the person chose (envdeck_api::picks), tested the
//! way an attacker would go about it: commands invoked from a script inside the window, not through the
//! UI's buttons. A file outside the project that no dialog picked is refused for import, restore and a
//! new backup; a folder never opened is refused as a project; a `.env` inside the project imports. And a
//! folder an earlier EnvDeck knew under its name gets the question in the window: "Use the secrets and
//! data" adopts them (only what the question offers can be adopted), with the real keychain.

use std::path::Path;
use std::time::Duration;

use envdeck_tests::AppWindow;
use envdeck_tests::area::Area;
use serde_json::{Value, json};

fn area() -> Area {
    Area::new(
        &envdeck_tests::cli::cli_binary(),
        "secrets-basic",
        &["SECRET_KEY", "POSTGRES_PASSWORD"],
    )
}

async fn launch(area: &Area, dir: &Path) -> AppWindow {
    let variables = area.variables();
    let env: Vec<(&str, &Path)> = variables.iter().map(|(k, v)| (*k, v.as_path())).collect();
    AppWindow::launch_with_env(&[dir.to_str().expect("a UTF-8 path")], &env).await
}

/// The code of a refusal, which must be one.
fn refused(answer: Result<Value, Value>, what: &str) -> String {
    let err = answer.expect_err(what);
    err["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: an EnvDeck error: {err}"))
        .to_owned()
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{prefix}-{}-{nanos:x}", std::process::id())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_script_in_the_window_reaches_no_file_or_folder_the_person_did_not_choose() {
    let area = area();
    let dir = area.project("shop");
    area.stack(&dir, "local");
    let elsewhere = area.project("elsewhere");
    let outside = dir
        .parent()
        .and_then(Path::parent)
        .expect("the area")
        .join("stolen.env");
    let stolen = "stolen-value-0123456789abcdef0123456789";
    std::fs::write(&outside, format!("SECRET_KEY={stolen}\n")).expect("an outside file");
    let inside_value = "imported-value-0123456789abcdef0123456789";
    std::fs::write(dir.join("team.env"), format!("SECRET_KEY={inside_value}\n")).expect("a file inside");

    let app = launch(&area, &dir).await;
    app.wait_for("#env-local", Duration::from_secs(30)).await;
    let shop = dir.display().to_string();
    let local = |more: Value| {
        let mut args = json!({ "dir": shop, "env": "local" });
        args.as_object_mut()
            .expect("an object")
            .extend(more.as_object().cloned().unwrap_or_default());
        args
    };

    let import_outside = app
        .invoke(
            "import_secrets",
            local(json!({ "file": outside, "overwrite": true })),
        )
        .await;
    assert_eq!(
        refused(import_outside, "importing a file no dialog picked"),
        "not_chosen"
    );
    let (_, revealed) = area.run(&dir, &["secrets", "reveal", "local", "SECRET_KEY"], &[]);
    assert!(
        !revealed.contains(stolen),
        "nothing of the refused file reached the keychain: {revealed}"
    );

    let import_inside = app
        .invoke(
            "import_secrets",
            local(json!({ "file": dir.join("team.env"), "overwrite": true })),
        )
        .await;
    assert!(
        import_inside.is_ok(),
        "a file inside the project imports: {import_inside:?}"
    );
    assert_eq!(area.secret(&dir, "local", "SECRET_KEY"), inside_value);

    let dump = outside.with_file_name("dump.sql.gz");
    let restore = app
        .invoke(
            "restore_backup",
            local(json!({ "file": outside, "typedName": "local" })),
        )
        .await;
    assert_eq!(
        refused(restore, "restoring a file no dialog picked"),
        "not_chosen"
    );
    let backup = app.invoke("backup_now", local(json!({ "file": dump }))).await;
    assert_eq!(
        refused(backup, "writing a backup where no dialog chose"),
        "not_chosen"
    );
    assert!(!dump.exists(), "nothing was written there");

    let other = elsewhere.display().to_string();
    let open = app.invoke("open_project", json!({ "dir": other })).await;
    assert_eq!(refused(open, "opening a folder never chosen"), "not_chosen");
    let rows = app
        .invoke("secret_rows", json!({ "dir": other, "env": "local" }))
        .await;
    assert_eq!(refused(rows, "a command on a project never opened"), "not_chosen");
    let answer = app
        .invoke("answer_project", json!({ "dir": other, "adopt": null }))
        .await;
    assert_eq!(
        refused(answer, "answering for a folder never chosen"),
        "not_chosen"
    );
    let through_dots = app
        .invoke(
            "stack_view",
            json!({ "dir": format!("{shop}/../elsewhere"), "env": "local" }),
        )
        .await;
    assert_eq!(
        refused(through_dots, "`..` out of an opened project"),
        "not_chosen"
    );

    // What the window legitimately does still works: the opened project reopens by its path.
    let reopened = app.invoke("open_project", json!({ "dir": shop })).await;
    assert!(reopened.is_ok(), "the opened project reopens: {reopened:?}");
    app.close().await;
}

/// Removes the secret an earlier EnvDeck left, whatever the test's outcome.
struct LegacySecret(envdeck_vault::Namespace);

impl Drop for LegacySecret {
    fn drop(&mut self) {
        let _ = envdeck_vault::delete(&self.0, "SECRET_KEY");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_an_earlier_envdeck_knew_is_asked_about_in_the_window_and_adopts_only_what_is_offered() {
    let area = area();
    let name = unique("legacy-shop");
    let dir = area.project("checkout");
    std::fs::write(
        dir.join("envdeck.toml"),
        format!("[project]\nname = \"{name}\"\n"),
    )
    .expect("a manifest");
    let ns = envdeck_vault::Namespace::new(&name, "local").expect("a namespace");
    let _cleanup = LegacySecret(ns.clone());
    let old = "legacy-secret-value-0123456789abcdef0123456789";
    envdeck_vault::write(
        &ns,
        "SECRET_KEY",
        &envdeck_vault::SecretValue::new(old.to_owned()),
    )
    .expect("the keychain stores the earlier EnvDeck's secret");

    let app = launch(&area, &dir).await;
    let adopt = app.wait_for("#adopt-project", Duration::from_secs(30)).await;
    let question = app
        .wait_for_text("#project-question", &name, Duration::from_secs(5))
        .await;
    assert!(
        question.contains(&name),
        "the question names the earlier project: {question}"
    );
    assert_eq!(
        adopt.attr("data-handle").await.expect("an attribute").as_deref(),
        Some(format!("legacy:{name}").as_str())
    );
    // The window paints a moment after its page changes.
    tokio::time::sleep(Duration::from_secs(1)).await;
    app.screenshot("project-question").await;

    // A script cannot use the question to adopt data it does not offer.
    let canonical = dir.canonicalize().expect("canonical").display().to_string();
    let hostile = app
        .invoke(
            "answer_project",
            json!({ "dir": canonical, "adopt": "legacy:someone-else" }),
        )
        .await;
    assert_eq!(
        refused(hostile, "adopting what the question does not offer"),
        "not_chosen"
    );

    app.click("#adopt-project").await;
    app.wait_for("#env-local", Duration::from_secs(30)).await;
    area.stack(&dir, "local");
    assert_eq!(
        area.secret(&dir, "local", "SECRET_KEY"),
        old,
        "adopted: the folder reads the earlier EnvDeck's secret"
    );
    app.close().await;
}
