//! Where in the files a value sits (file, service, key), so every error and warning can name it.

use std::path::{Component, Path, PathBuf};

use serde_norway::Value;

use super::model::Warning;
use super::yaml::describe;
use crate::CoreError;

/// The file and service being read; errors built from it name both.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub file: &'a Path,
    /// The directory relative paths (binds, build contexts, env files) are resolved against.
    pub dir: &'a Path,
    pub service: Option<&'a str>,
}

impl<'a> Ctx<'a> {
    pub fn invalid(&self, key: &str, expected: &str, found: &Value) -> CoreError {
        self.invalid_text(key, expected, describe(found))
    }

    pub fn invalid_text(&self, key: &str, expected: &str, found: impl Into<String>) -> CoreError {
        CoreError::Invalid {
            file: self.file.to_path_buf(),
            service: self.service.map(str::to_string),
            key: key.to_string(),
            expected: expected.to_string(),
            found: found.into(),
        }
    }

    pub fn warning(&self, key: &str, message: impl Into<String>) -> Warning {
        let key = match self.service {
            Some(s) => format!("services.{s}.{key}"),
            None => key.to_string(),
        };
        Warning {
            file: self.file.display().to_string(),
            key,
            message: message.into(),
        }
    }

    /// `./data` → `<dir>/data`, `~/x` → `$HOME/x`, with `.` and `..` folded away as compose prints them.
    pub fn absolute(&self, path: &str) -> String {
        let joined = if let Some(rest) = path.strip_prefix("~/").or((path == "~").then_some("")) {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/"));
            home.join(rest)
        } else {
            self.dir.join(path)
        };
        normalize(&joined).to_string_lossy().into_owned()
    }
}

/// Lexical normalization: no filesystem access, so a missing bind source still resolves.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A scalar as the text compose would use (`8000` → "8000", `true` → "true"); `None` for lists and maps.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar_text(&t.value),
        _ => None,
    }
}
