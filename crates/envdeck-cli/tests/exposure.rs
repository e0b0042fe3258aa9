//! The production gate follows what the manifest says an environment is, not only its id: an `eu`
//! marked staging and a host-process `live` marked production, both with DEBUG on, are refused at
//! Start with their failing checks, and nothing runs. The real binary, dockerd and keychain.
//!
//! Fixture: tests/fixtures/projects/exposure.

use std::path::Path;

use envdeck_tests::area::Area;

fn area() -> Area {
    Area::new(
        Path::new(env!("CARGO_BIN_EXE_envdeck")),
        "exposure",
        &["SECRET_KEY"],
    )
}

#[test]
fn environments_the_manifest_marks_staging_or_production_start_only_when_their_checklist_passes() {
    let area = area();
    let dir = area.project("shop");
    for env in ["eu", "live"] {
        let (ok, text) = area.run(&dir, &["up", env], &[]);
        assert!(
            !ok && text.contains(&format!("{env} was not started")) && text.contains("DEBUG"),
            "{env} is refused with its failing checks:\n{text}"
        );
        let (_, text) = area.run(&dir, &["checklist", env], &[]);
        assert!(
            text.contains("FAIL") && text.contains(&format!("`envdeck up {env}` is refused")),
            "the checklist of {env} says so:\n{text}"
        );
    }
    let stack = area.stack(&dir, "eu");
    assert_eq!(
        envdeck_tests::cli::docker(
            &[
                "ps",
                "-aq",
                "--filter",
                &format!("label=com.docker.compose.project={stack}")
            ],
            &[]
        )
        .trim(),
        "",
        "nothing of eu was created"
    );
    let (_, text) = area.run(&dir, &["ps", "live"], &[]);
    assert!(!text.contains("running"), "live's process never ran:\n{text}");
    area.stack(&dir, "live");
}

#[test]
fn an_unknown_exposure_is_refused_naming_the_key() {
    let area = area();
    let dir = area.project("typo");
    let manifest = dir.join("envdeck.toml");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| panic!("read: {e}"));
    std::fs::write(&manifest, text.replace("\"staging\"", "\"stagign\""))
        .unwrap_or_else(|e| panic!("write: {e}"));
    let (ok, text) = area.run(&dir, &["list"], &[]);
    assert!(
        !ok && text.contains("envdeck.toml") && text.contains("stagign") && text.contains("production"),
        "the manifest's error names the value and the ones allowed:\n{text}"
    );
}
