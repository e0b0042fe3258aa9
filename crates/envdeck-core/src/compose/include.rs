//! `include:`: another compose project loaded as its own (its folder for relative paths, its `.env`
//! below this project's variables) and its services, networks and volumes added to this one, as compose
//! v2 does. A service the including file defines too is merged over the included one (the rule of the
//! newest compose-go; 2.26 refused it); two includes defining the same name are an error naming both.

use std::path::{Path, PathBuf};

use serde_norway::Value;

use super::context::Ctx;
use super::env_file::EnvFile;
use super::variables::Variables;
use crate::CoreError;

/// One entry of `include:`, its paths made absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Include {
    /// The compose files of the included project, base first.
    pub files: Vec<PathBuf>,
    /// Where the included project's relative paths point: `project_directory`, else its first file's folder.
    pub project_dir: PathBuf,
    /// Its variable files: those it names (each must exist), else its folder's `.env` when there is one.
    pub env_files: Vec<(PathBuf, bool)>,
}

impl Include {
    /// The included project's variables: this project's first (they win, as compose v2 passes its own
    /// environment down), then the included project's files.
    pub fn variables(&self, ctx: &Ctx, vars: &Variables) -> Result<Variables, CoreError> {
        let mut own = vars.clone();
        for (path, required) in &self.env_files {
            if !required && !path.is_file() {
                continue;
            }
            let file = EnvFile::read(path).map_err(|e| match e {
                CoreError::Read { path, source } => ctx.invalid_text(
                    "include.env_file",
                    "a file of variables that can be read",
                    format!("{} ({})", path.display(), crate::files::why_unreadable(&source)),
                ),
                other => other,
            })?;
            let layer = file.layer(&own)?;
            own.push(layer);
        }
        Ok(own)
    }
}

/// The entries of `include:` in `ctx.file`; relative paths are against `ctx.dir` (the including
/// project's folder).
pub(super) fn entries(ctx: &Ctx, value: &Value) -> Result<Vec<Include>, CoreError> {
    let Value::Sequence(items) = value else {
        return Err(ctx.invalid("include", "a list of files, or of mappings with `path`", value));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| entry(ctx, &format!("include[{i}]"), item))
        .collect()
}

fn entry(ctx: &Ctx, key: &str, item: &Value) -> Result<Include, CoreError> {
    let paths = |key: &str, v: &Value| -> Result<Vec<PathBuf>, CoreError> {
        let one = |v: &Value| match v {
            Value::String(s) if !s.is_empty() => Ok(PathBuf::from(ctx.absolute(s))),
            other => Err(ctx.invalid(key, "a path", other)),
        };
        match v {
            Value::Sequence(list) if !list.is_empty() => list.iter().map(one).collect(),
            other => one(other).map(|p| vec![p]),
        }
    };
    let (files, project_dir, env_files) = match item {
        Value::String(_) => (paths(key, item)?, None, None),
        Value::Mapping(map) => {
            let mut files = None;
            let mut project_dir = None;
            let mut env_files = None;
            for (k, v) in map {
                match k.as_str() {
                    Some("path") => files = Some(paths(&format!("{key}.path"), v)?),
                    Some("project_directory") => match v {
                        Value::String(s) => project_dir = Some(PathBuf::from(ctx.absolute(s))),
                        other => {
                            return Err(ctx.invalid(&format!("{key}.project_directory"), "a folder", other));
                        }
                    },
                    Some("env_file") => env_files = Some(paths(&format!("{key}.env_file"), v)?),
                    _ => {
                        return Err(ctx.invalid(key, "only `path`, `project_directory` and `env_file`", k));
                    }
                }
            }
            let files = files.ok_or_else(|| ctx.invalid_text(key, "a `path`", "a mapping without one"))?;
            (files, project_dir, env_files)
        }
        other => return Err(ctx.invalid(key, "a file, or a mapping with `path`", other)),
    };
    let project_dir =
        project_dir.unwrap_or_else(|| files[0].parent().map(Path::to_path_buf).unwrap_or_default());
    let env_files = match env_files {
        Some(named) => named.into_iter().map(|p| (p, true)).collect(),
        None => vec![(project_dir.join(".env"), false)],
    };
    Ok(Include {
        files,
        project_dir,
        env_files,
    })
}
