//! Property tests: no input, however malformed, makes the loader or the interpolator panic.

use std::path::Path;

use envdeck_core::compose::interpolate::interpolate;
use envdeck_core::compose::{Layer, Variables, load_str};
use proptest::prelude::*;

fn vars() -> Variables {
    Variables::new().with(Layer::new(
        "test",
        [
            ("A".to_string(), "1".to_string()),
            ("E".to_string(), String::new()),
        ],
    ))
}

/// Compose-looking YAML built from fragments, so the generator reaches the service parsers, not only the
/// YAML syntax errors that random bytes hit first.
fn compose_like() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "image",
        "ports",
        "volumes",
        "environment",
        "depends_on",
        "healthcheck",
        "command",
        "build",
        "deploy",
        "networks",
        "env_file",
        "profiles",
        "restart",
        "labels",
        "<<",
        "x-a",
        "expose",
        "dns",
    ]);
    let value = prop::sample::select(vec![
        "a",
        "\"8000:80\"",
        "[\"1-2:3-4\"]",
        "[x, y]",
        "{a: b}",
        "${A:-d}",
        "${B:?m}",
        "$$",
        "&anc {k: v}",
        "*anc",
        "[\"./a:/b:ro\"]",
        "null",
        "70000",
        "[CMD, x]",
        "{test: x, interval: 1m}",
        "{replicas: -1}",
        "[]",
        "{}",
        "{condition: bogus}",
        "'$'",
        "{cpus: x}",
    ]);
    prop::collection::vec((key, value), 0..8).prop_map(|pairs| {
        let mut text = String::from("services:\n  s:\n");
        for (k, v) in pairs {
            text.push_str(&format!("    {k}: {v}\n"));
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let _ = load_str(Path::new("/p/docker-compose.yml"), &text, &vars(), &[]);
    }

    #[test]
    fn random_compose_like_yaml_never_panics(text in compose_like()) {
        let _ = load_str(Path::new("/p/docker-compose.yml"), &text, &vars(), &[]);
    }

    #[test]
    fn random_interpolation_strings_never_panic(text in "[$\\{\\}:?+\\-A-Ea-c_ ]{0,40}") {
        let _ = interpolate(&text, &vars());
    }

    #[test]
    fn text_without_dollars_is_unchanged(text in "[^$]{0,60}") {
        let out = interpolate(&text, &vars()).map(|i| i.text);
        prop_assert_eq!(out, Ok(text.clone()), "only `$` starts a substitution");
    }
}
