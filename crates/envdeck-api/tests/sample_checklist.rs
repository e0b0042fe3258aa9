//! The built-in sample written by `sample::create`, then the production gate: the sample's own prod
//! passes the security checklist, and the same project with DEBUG=true in `.env.prod` is refused by
//! `environment::start` before anything reaches Docker. Uses the keychain: run under
//! scripts/with-keychain.sh.

use envdeck_api::error::ErrorCode;
use envdeck_api::{checklist, environment, sample};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"))
}

#[test]
fn sample_prod_passes_and_debug_true_refuses_to_start() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let dir = tmp.path().join("contravento");
    let created = sample::create(&dir).unwrap_or_else(|e| panic!("the sample is written: {e}"));
    assert!(created.files > 20, "the whole sample is written: {created:?}");

    let rt = runtime();
    let list = rt
        .block_on(checklist::evaluate(&dir, "prod"))
        .unwrap_or_else(|e| panic!("prod's checklist evaluates: {e}"));
    assert!(list.blocks_start && list.applies);
    assert!(
        list.passed(),
        "the sample's prod is correct, so its start is allowed: {:#?}",
        list.items
    );

    // A .env.prod beside the template wins over it, as with `--env-file .env.prod`.
    std::fs::write(dir.join(".env.prod"), "DEBUG=true\n").unwrap_or_else(|e| panic!("write .env.prod: {e}"));
    let list = rt
        .block_on(checklist::evaluate(&dir, "prod"))
        .unwrap_or_else(|e| panic!("prod's checklist evaluates: {e}"));
    let failed: Vec<&str> = list
        .items
        .iter()
        .filter(|i| !i.passed)
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(failed, vec!["debug"], "only DEBUG is wrong: {:#?}", list.items);

    let err = rt
        .block_on(environment::start(&dir, "prod", |_| {}))
        .expect_err("prod with DEBUG=true must not start");
    assert_eq!(err.code, ErrorCode::InvalidProject, "{err:?}");
    assert!(
        err.message.contains("DEBUG=false") && err.message.contains("envdeck checklist prod"),
        "the refusal lists the failing check and how to re-check: {}",
        err.message
    );
}
