//! `.env` files as compose and the seeds' templates write them: `KEY=value`, `export KEY=value`, comments,
//! single quotes (literal), double quotes (`\n`, `\"` escapes), and `# comment` after an unquoted value.
//!
//! Entries keep their line so the secret policy can point at `.env.local.example, line 12`. This is the
//! one reader of the format: compose's `env_file`s and `.env`, the seeds' templates, and a secrets import;
//! [`quote`] writes a value back (a secrets export) so that this reader and compose get it unchanged.
//!
//! As compose v2 reads them as variables ([`EnvFile::layer`]), unquoted and double-quoted values expand
//! `${VAR}` from the variables above the file and the file's earlier lines (`\$` stays a dollar, single
//! quotes stay literal); an entry's `value` is always the text as written, which a secrets import keeps.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::interpolate::{Failure, interpolate};
use super::variables::{Layer, Variables};
use crate::CoreError;

/// One `KEY=value` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvEntry {
    pub key: String,
    pub value: String,
    /// 1-based line in the file.
    pub line: usize,
    /// What compose expands when it reads the file as variables: the value with `$$` for an escaped
    /// dollar; `None` for a single-quoted (literal) value.
    #[serde(skip)]
    pub template: Option<String>,
}

/// A value may be a secret (an imported `.env`): it is wiped from memory with the entry.
impl Drop for EnvEntry {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.value);
        if let Some(template) = &mut self.template {
            zeroize::Zeroize::zeroize(template);
        }
    }
}

/// A parsed env file, in file order (a later duplicate of a key wins, as in compose).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvFile {
    pub path: PathBuf,
    pub entries: Vec<EnvEntry>,
}

impl EnvFile {
    pub fn read(path: &Path) -> Result<Self, CoreError> {
        let text = crate::files::read_text(path)?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, CoreError> {
        let mut entries = Vec::new();
        let mut lines = text.lines().enumerate();
        while let Some((i, raw)) = lines.next() {
            let line = raw.trim_start_matches('\u{feff}').trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = line.strip_prefix("export ").map(str::trim_start).unwrap_or(line);
            let fail = |message: String| CoreError::EnvFile {
                file: path.to_path_buf(),
                line: i + 1,
                message,
            };
            let Some((key, value)) = line.split_once('=') else {
                // compose accepts a bare `KEY` as "take it from the environment"; a template line without
                // `=` carries no value, so it is kept as an empty entry rather than rejected.
                if is_key(line) {
                    entries.push(EnvEntry {
                        key: line.to_string(),
                        value: String::new(),
                        line: i + 1,
                        template: None,
                    });
                    continue;
                }
                return Err(fail(format!("expected KEY=value, found {line:?}")));
            };
            let key = key.trim();
            if !is_key(key) {
                return Err(fail(format!(
                    "{key:?} is not a variable name (letters, digits, `_`, `.`, `-`)"
                )));
            }
            let value = value.trim_start();
            let (value, template) = if let Some(body) = value.strip_prefix('\'') {
                let literal = closing(body, '\'', &mut lines)
                    .map_err(|_| fail(format!("the single quote opened for {key} never closes")))?;
                (literal, None)
            } else if let Some(body) = value.strip_prefix('"') {
                let raw = closing(body, '"', &mut lines)
                    .map_err(|_| fail(format!("the double quote opened for {key} never closes")))?;
                (unescape(&raw, "$"), Some(unescape(&raw, "$$")))
            } else {
                let bare = strip_comment(value).trim_end().to_string();
                (bare.clone(), Some(bare))
            };
            entries.push(EnvEntry {
                key: key.to_string(),
                value,
                line: i + 1,
                template,
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// A file of `env_file: {path, format: raw}`, read as `docker run --env-file` reads it: `KEY=value`
    /// lines whose value is taken exactly as written (quotes, `#` and `$` included, never expanded);
    /// blank lines and lines starting with `#` are skipped; a bare `KEY` takes KEY from the variables
    /// above the file (empty when they do not set it, where compose leaves it out).
    pub fn read_raw(path: &Path) -> Result<Self, CoreError> {
        let text = crate::files::read_text(path)?;
        Self::parse_raw(path, &text)
    }

    pub fn parse_raw(path: &Path, text: &str) -> Result<Self, CoreError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_start_matches('\u{feff}').trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line.split_once('=').unwrap_or((line, ""));
            if key.is_empty() || key.chars().any(char::is_whitespace) {
                return Err(CoreError::EnvFile {
                    file: path.to_path_buf(),
                    line: i + 1,
                    message: format!(
                        "{key:?} is not a variable name: a raw env file has `KEY=value` lines, the value as it is"
                    ),
                });
            }
            let bare = !line.contains('=');
            entries.push(EnvEntry {
                key: key.to_owned(),
                value: value.to_owned(),
                line: i + 1,
                template: bare.then(|| format!("${{{key}}}")),
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// Key → value, the last occurrence winning.
    pub fn values(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.entries.iter().map(|e| (e.key.clone(), e.value.clone()))
    }

    pub fn get(&self, key: &str) -> Option<&EnvEntry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }

    /// The file as one layer of variables, read the way compose v2 reads a `.env` or an `env_file`:
    /// each value expanded from `above` (which wins) and the file's earlier lines. A `$` that starts no
    /// variable stays as written; `${VAR:?message}` with VAR unset is an error naming the line.
    pub fn layer(&self, above: &Variables) -> Result<Layer, CoreError> {
        let source = self.path.display().to_string();
        let mut own: Vec<(String, String)> = Vec::new();
        for entry in &self.entries {
            let value = match &entry.template {
                None => entry.value.clone(),
                Some(template) if !template.contains('$') => entry.value.clone(),
                Some(template) => {
                    let lookup = above
                        .clone()
                        .with(Layer::new(source.clone(), own.iter().cloned()));
                    match interpolate(template, &lookup) {
                        Ok(done) => done.text,
                        Err(Failure::Syntax(_)) => entry.value.clone(),
                        Err(Failure::Required { variable, message }) => {
                            return Err(CoreError::EnvFile {
                                file: self.path.clone(),
                                line: entry.line,
                                message: format!(
                                    "{} needs variable {variable}, which is not set: {message}",
                                    entry.key
                                ),
                            });
                        }
                    }
                }
            };
            own.retain(|(k, _)| *k != entry.key);
            own.push((entry.key.clone(), value));
        }
        Ok(Layer::new(source, own))
    }
}

/// `value` as it must be written after `KEY=` so that [`EnvFile::parse`] and compose read it back
/// unchanged; `None` when no quoting can carry it (both quote kinds and a newline).
pub fn quote(value: &str) -> Option<String> {
    let bare = |c: char| c.is_ascii_alphanumeric() || "_-./+=@:,%".contains(c);
    if value.chars().all(bare) {
        Some(value.to_owned())
    } else if !value.contains('\'') && !value.contains('\n') {
        Some(format!("'{value}'"))
    } else if !value.contains('\n') && !value.contains('$') {
        Some(format!(
            "\"{}\"",
            value.replace('\\', "\\\\").replace('"', "\\\"")
        ))
    } else {
        None
    }
}

fn is_key(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c == '.' || c == '-' || c.is_ascii_alphanumeric())
}

/// The text up to the closing `quote`, continuing over following lines (quoted values may span lines).
fn closing<'a>(
    first: &str,
    quote: char,
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
) -> Result<String, ()> {
    let mut text = first.to_string();
    loop {
        if let Some(end) = find_unescaped(&text, quote) {
            text.truncate(end);
            return Ok(text);
        }
        let (_, next) = lines.next().ok_or(())?;
        text.push('\n');
        text.push_str(next);
    }
}

fn find_unescaped(s: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if c == quote && !escaped {
            return Some(i);
        }
        escaped = quote == '"' && c == '\\' && !escaped;
    }
    None
}

/// A double-quoted value's escapes; `\$` becomes `dollar` (`$` as a value, `$$` to stay one through
/// expansion).
fn unescape(s: &str, dollar: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('$') => out.push_str(dollar),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// `value # comment` → `value`; a `#` glued to the value (`pa#ss`) is part of it, as in compose.
fn strip_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &value[..i];
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<EnvFile, CoreError> {
        EnvFile::parse(Path::new(".env.local"), text)
    }

    #[test]
    fn reads_the_seed_template_forms() {
        let f = parse(
            "# comment\n\nSECRET_KEY=YOUR_SECRET\nexport DEBUG=true\nURL=postgresql://u:p@db/x # the DB\nPASS=pa#ss\nQ='a $b \"c\"'\nD=\"line\\nnext\"\nEMPTY=\nM=\"multi\nline\"\nAFTER=1\n",
        )
        .unwrap();
        let get = |k: &str| {
            f.get(k)
                .map(|e| e.value.clone())
                .unwrap_or_else(|| panic!("{k} missing"))
        };
        assert_eq!(get("SECRET_KEY"), "YOUR_SECRET");
        assert_eq!(
            get("DEBUG"),
            "true",
            "`export` is accepted as in shell-sourced files"
        );
        assert_eq!(
            get("URL"),
            "postgresql://u:p@db/x",
            "a spaced `#` starts a comment"
        );
        assert_eq!(get("PASS"), "pa#ss", "a glued `#` is part of the value");
        assert_eq!(get("Q"), "a $b \"c\"", "single quotes are literal");
        assert_eq!(get("D"), "line\nnext");
        assert_eq!(get("EMPTY"), "");
        assert_eq!(get("M"), "multi\nline", "double quotes may span lines");
        assert_eq!(
            f.get("SECRET_KEY").map(|e| e.line),
            Some(3),
            "lines are 1-based file lines"
        );
        assert_eq!(
            f.get("AFTER").map(|e| e.line),
            Some(12),
            "lines stay right after a multi-line value"
        );
    }

    #[test]
    fn quoting_round_trips() {
        for v in [
            "Ab0_-xyz",
            "has space",
            "it's \"both\"",
            "dollar $HOME and quote",
            "back\\slash",
            "hash # inside",
        ] {
            let quoted = quote(v).unwrap_or_else(|| panic!("{v} can be quoted"));
            let back = parse(&format!("K={quoted}\n")).unwrap_or_else(|e| panic!("{quoted}: {e}"));
            assert_eq!(
                back.get("K").map(|e| e.value.as_str()),
                Some(v),
                "written as {quoted}"
            );
        }
        assert!(
            quote("a'b\nc").is_none(),
            "a newline and a single quote together cannot be carried"
        );
    }

    #[test]
    fn a_broken_line_names_its_number() {
        let err = parse("A=1\n2BAD=x\n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "the error points at the line: {err}");
        assert!(
            parse("A='open\n").is_err(),
            "an unclosed quote is an error, not a silent truncation"
        );
    }

    #[test]
    fn as_variables_values_expand_from_above_then_earlier_lines() {
        let file = parse(
            "BASE=/srv\nDATA=${BASE}/data\nRAW='${BASE}'\nEARLY=${LATE}x\nLATE=1\nPRICE=5$ each\nESC=\"\\$BASE\"\n",
        )
        .expect("parses");
        let shell = Variables::new().with(Layer::new("shell", [("BASE".to_owned(), "/shell".to_owned())]));
        let layer = file.layer(&shell).expect("expands");
        let get = |k: &str| layer.get(k).unwrap_or("<unset>").to_owned();
        assert_eq!(
            get("DATA"),
            "/shell/data",
            "the layers above win over the file's own line"
        );
        assert_eq!(get("RAW"), "${BASE}", "single quotes stay literal");
        assert_eq!(get("EARLY"), "x", "a later line is not seen");
        assert_eq!(get("PRICE"), "5$ each", "a dollar that starts no variable stays");
        assert_eq!(get("ESC"), "$BASE", "an escaped dollar stays a dollar");
        assert_eq!(
            file.get("DATA").map(|e| e.value.as_str()),
            Some("${BASE}/data"),
            "the entry keeps the text as written (what a secrets import stores)"
        );
    }

    #[test]
    fn a_required_variable_missing_in_an_env_file_names_its_line() {
        let file = parse("A=1\nURL=${HOST:?set HOST first}\n").expect("parses");
        let err = file.layer(&Variables::new()).expect_err("HOST is required");
        assert_eq!(
            err.to_string(),
            ".env.local, line 2: URL needs variable HOST, which is not set: set HOST first"
        );
    }
}
