//! Reading one compose file into a YAML tree: anchors expanded, `<<:` merge keys applied, alias bombs refused.
//!
//! The parser (serde_norway) bounds alias expansion (a "billion laughs" file fails with "repetition limit
//! exceeded" instead of eating the memory) and nesting depth; this module adds merge keys the way YAML 1.1
//! defines them, including chains (`<<: *web` where `web` itself merges `*base`).

use std::path::Path;

use serde_norway::{Mapping, Value};

use crate::CoreError;

/// Deepest `<<:` chain followed; the parser already caps nesting, this guards the merge walk itself.
const MAX_MERGE_DEPTH: usize = 64;

/// Compose files are kilobytes: a larger one is the wrong file or an attack, and parsing it stalls the
/// app (10 MB take seconds). Refused before parsing (and before reading, by `files::read_text`).
const MAX_BYTES: usize = crate::files::MAX_FILE_BYTES as usize;

/// Flow collections (`[`, `{`) nested deeper than this are refused before parsing: the parser refuses
/// them too, but only after a scan that takes tens of seconds on 100 000 `[`.
const MAX_FLOW_DEPTH: usize = 64;

/// Parses `text` (the content of `file`) into a tree with every merge key applied.
pub fn parse(file: &Path, text: &str) -> Result<Value, CoreError> {
    let refuse = |line: Option<usize>, message: String| CoreError::Yaml {
        file: file.to_path_buf(),
        line,
        message,
    };
    if text.len() > MAX_BYTES {
        return Err(refuse(None, crate::files::too_large(text.len() as u64)));
    }
    if let Some(line) = flow_too_deep(text) {
        return Err(refuse(
            Some(line),
            format!("`[` or `{{` nested deeper than {MAX_FLOW_DEPTH} levels"),
        ));
    }
    let mut value: Value = serde_norway::from_str(text).map_err(|e| CoreError::Yaml {
        file: file.to_path_buf(),
        line: e.location().map(|l| l.line()),
        message: strip_location(&e.to_string()),
    })?;
    apply_merges(&mut value, 0).map_err(|message| CoreError::Yaml {
        file: file.to_path_buf(),
        line: None,
        message,
    })?;
    Ok(value)
}

/// The 1-based line where flow nesting first exceeds [`MAX_FLOW_DEPTH`], skipping quoted text and
/// comments. A heuristic (block scalars are scanned too), tuned to never trip on a real compose file:
/// the depth restarts at every top-level key.
fn flow_too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut quote) = (0usize, None::<char>);
    for (i, line) in text.lines().enumerate() {
        if quote.is_none() && line.starts_with(|c: char| c.is_ascii_alphabetic()) {
            depth = 0;
        }
        let mut previous = ' ';
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') if previous.is_whitespace() => break,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Some(i + 1);
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            previous = c;
        }
        // A single quote inside a plain scalar (`it's`) must not swallow the rest of the file.
        if quote == Some('\'') {
            quote = None;
        }
    }
    None
}

/// serde_norway appends "at line L column C" to its messages; the error type prints the line itself.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn apply_merges(value: &mut Value, depth: usize) -> Result<(), String> {
    if depth > MAX_MERGE_DEPTH {
        return Err(format!(
            "merge keys (`<<:`) nested deeper than {MAX_MERGE_DEPTH} levels"
        ));
    }
    match value {
        Value::Mapping(map) => {
            if let Some(sources) = map.remove("<<") {
                let sources = match sources {
                    Value::Sequence(list) => list,
                    single => vec![single],
                };
                // Keys written in the mapping win over merged ones; among sources, the first one listed wins.
                for mut source in sources {
                    apply_merges(&mut source, depth + 1)?;
                    match source {
                        Value::Mapping(source) => merge_missing(map, source),
                        Value::Null => {}
                        other => {
                            return Err(format!(
                                "`<<:` expects a mapping (an alias such as `*common`) or a list of them, found {}",
                                describe(&other)
                            ));
                        }
                    }
                }
            }
            for (_, v) in map.iter_mut() {
                apply_merges(v, depth + 1)?;
            }
        }
        Value::Sequence(list) => {
            for v in list {
                apply_merges(v, depth + 1)?;
            }
        }
        Value::Tagged(tagged) => apply_merges(&mut tagged.value, depth + 1)?,
        _ => {}
    }
    Ok(())
}

fn merge_missing(map: &mut Mapping, source: Mapping) {
    for (k, v) in source {
        if !map.contains_key(&k) {
            map.insert(k, v);
        }
    }
}

/// A short description of a value for "expected X, found Y" messages.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null)".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Value, CoreError> {
        parse(Path::new("test.yml"), text)
    }

    #[test]
    fn chained_merge_keys_apply_through_every_level() {
        let v = load("x-base: &base {restart: always, image: a}\nx-web: &web\n  <<: *base\n  image: b\nsvc:\n  <<: *web\n  user: me\n").unwrap();
        assert_eq!(v["svc"]["restart"], "always", "svc merges web, which merges base");
        assert_eq!(v["svc"]["image"], "b", "web's own image wins over base's");
        assert!(v["svc"].get("<<").is_none(), "no merge key survives");
    }

    #[test]
    fn keys_written_beside_a_merge_win_and_the_first_source_wins() {
        let v = load("a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n  y: 3\n").unwrap();
        assert_eq!(v["c"]["x"], 1, "the first listed source wins (YAML merge spec)");
        assert_eq!(v["c"]["y"], 3, "the mapping's own key wins");
        assert_eq!(v["c"]["z"], 2);
    }

    #[test]
    fn a_billion_laughs_file_fails_instead_of_exhausting_memory() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = load(&text).expect_err("10^10 expanded nodes must be refused");
        assert!(
            err.to_string().contains("repetition limit"),
            "the parser's alias budget stops it: {err}"
        );
    }

    #[test]
    fn syntax_errors_carry_the_line() {
        let err = load("services:\n  web:\n    image: a\n   bad: [\n").expect_err("broken YAML");
        match err {
            CoreError::Yaml { line: Some(l), .. } => {
                assert!((3..=5).contains(&l), "line near the break, got {l}")
            }
            other => panic!("expected a YAML error with a line, got {other}"),
        }
    }

    #[test]
    fn merging_a_scalar_is_an_error_not_a_panic() {
        assert!(load("a:\n  <<: 3\n").is_err(), "a merge source must be a mapping");
    }
}
