//! Bad input gets a message naming the file, the service, the key and what was expected, never a panic.

use std::path::Path;

use envdeck_core::CoreError;
use envdeck_core::compose::{LoadOptions, Variables, load, load_str};

fn error_of(text: &str) -> String {
    match load_str(Path::new("/p/docker-compose.yml"), text, &Variables::new(), &[]) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn assert_mentions(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            message.contains(part),
            "the message should name {part:?} so the user can find it: {message}"
        );
    }
}

#[test]
fn invalid_yaml_names_file_and_line() {
    let m = error_of("services:\n  web:\n    image: [unclosed\n");
    assert_mentions(&m, &["docker-compose.yml", "line", "invalid YAML"]);
}

#[test]
fn unknown_dependency_names_the_service_and_the_known_ones() {
    let m = error_of("services:\n  web:\n    image: a\n    depends_on: [db]\n  cache:\n    image: r\n");
    assert_mentions(&m, &["`web`", "`db`", "cache"]);
}

#[test]
fn a_dependency_cycle_is_spelled_out() {
    let m = error_of(
        "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
    );
    assert_mentions(&m, &["cycle", "a -> b -> a"]);
}

#[test]
fn a_required_variable_shows_the_files_message() {
    let m = error_of(
        "services:\n  db:\n    image: postgres\n    environment:\n      PW: ${POSTGRES_PASSWORD:?run envdeck secrets generate}\n",
    );
    assert_mentions(
        &m,
        &[
            "service `db`",
            "environment.PW",
            "POSTGRES_PASSWORD",
            "run envdeck secrets generate",
        ],
    );
}

#[test]
fn a_bad_port_names_the_entry() {
    let m = error_of("services:\n  web:\n    image: a\n    ports: [\"8000:80\", \"70000:80\"]\n");
    assert_mentions(&m, &["service `web`", "ports[1]", "70000", "outside 1-65535"]);
}

#[test]
fn a_bad_duration_says_what_a_duration_looks_like() {
    let m = error_of(
        "services:\n  web:\n    image: a\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 10 seconds\n",
    );
    assert_mentions(&m, &["service `web`", "healthcheck.interval", "1m30s"]);
}

#[test]
fn a_missing_file_is_named() {
    let options = LoadOptions {
        files: vec!["/nonexistent/docker-compose.yml".into()],
        ..LoadOptions::default()
    };
    let err = load(&options, &Variables::new()).expect_err("the file does not exist");
    assert!(
        matches!(err, CoreError::Read { .. }),
        "a missing file is a read error: {err}"
    );
    assert_mentions(&err.to_string(), &["/nonexistent/docker-compose.yml"]);
}

#[test]
fn an_undeclared_named_volume_is_reported() {
    let m = error_of("services:\n  db:\n    image: a\n    volumes: [\"pgdata:/var/lib/postgresql/data\"]\n");
    assert_mentions(&m, &["`db`", "pgdata", "top-level `volumes:`"]);
}

#[test]
fn unsupported_keys_become_warnings_not_silence() {
    let model = load_str(
        Path::new("/p/docker-compose.yml"),
        "services:\n  web:\n    image: a\n    logging:\n      driver: json-file\nsecrets:\n  s:\n    file: x\n",
        &Variables::new(),
        &[],
    )
    .expect("unsupported keys do not fail the load");
    let keys: Vec<&str> = model.warnings.iter().map(|w| w.key.as_str()).collect();
    assert!(
        keys.contains(&"services.web.logging") && keys.contains(&"secrets"),
        "each ignored key is reported: {keys:?}"
    );
}
