//! Build contexts: the `build:` folder packed as a tar for the engine, without what `.dockerignore`
//! excludes (the client's job, not the daemon's: this is what keeps `node_modules` and `.git` out).

use std::path::{Path, PathBuf};

use crate::error::EngineError;

/// Packs the context folder; blocking file I/O runs off the async workers.
pub(crate) async fn pack(context: String) -> Result<Vec<u8>, EngineError> {
    let dir = PathBuf::from(&context);
    let fail = |detail: crate::error::Detail| EngineError::BuildContext {
        context: context.clone(),
        detail,
    };
    tokio::task::spawn_blocking(move || pack_blocking(&dir))
        .await
        .map_err(|e| fail(e.to_string().into()))?
        .map_err(|e| fail(e.to_string().into()))
}

fn pack_blocking(dir: &Path) -> std::io::Result<Vec<u8>> {
    let ignore = match std::fs::read_to_string(dir.join(".dockerignore")) {
        Ok(text) => Ignore::parse(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ignore::default(),
        Err(e) => return Err(e),
    };
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(dir.join(&rel))? {
            let entry = entry?;
            let rel_path = rel.join(entry.file_name());
            let rel_str = rel_path.to_string_lossy().replace('\\', "/");
            // The Dockerfile and .dockerignore always travel: the daemon needs them even when ignored.
            let always = rel_str == "Dockerfile" || rel_str == ".dockerignore";
            if !always && ignore.excludes(&rel_str) {
                continue;
            }
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                builder.append_dir(&rel_path, entry.path())?;
                stack.push(rel_path);
            } else {
                builder.append_path_with_name(entry.path(), &rel_path)?;
            }
        }
    }
    builder.into_inner()
}

/// `.dockerignore` rules: globs with `*`, `?`, `**`, and `!` exceptions; the last matching rule wins.
#[derive(Debug, Default)]
pub(crate) struct Ignore {
    rules: Vec<(bool, Vec<String>)>,
}

impl Ignore {
    pub(crate) fn parse(text: &str) -> Self {
        let rules = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (keep, pattern) = match l.strip_prefix('!') {
                    Some(p) => (true, p.trim()),
                    None => (false, l),
                };
                let pattern = pattern
                    .trim_start_matches("./")
                    .trim_start_matches('/')
                    .trim_end_matches('/');
                (keep, pattern.split('/').map(String::from).collect())
            })
            .collect();
        Self { rules }
    }

    /// A path is excluded when a rule matches it or one of its parent folders.
    pub(crate) fn excludes(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').collect();
        let mut excluded = false;
        for (keep, pattern) in &self.rules {
            let hit = (1..=parts.len()).any(|n| segments_match(pattern, &parts[..n]));
            if hit {
                excluded = !keep;
            }
        }
        excluded
    }
}

fn segments_match(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| segments_match(rest, &path[skip..]))
        }
        Some((first, rest)) => {
            !path.is_empty() && glob(first.as_bytes(), path[0].as_bytes()) && segments_match(rest, &path[1..])
        }
    }
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
        (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerignore_rules_exclude_folders_globs_and_honour_exceptions() {
        let ig = Ignore::parse("# deps\nnode_modules\n*.log\n**/__pycache__\n.git/\n!keep.log\n");
        assert!(
            ig.excludes("node_modules/a/b.js"),
            "a folder rule excludes what is inside it"
        );
        assert!(ig.excludes("debug.log"), "a glob matches at the root");
        assert!(!ig.excludes("keep.log"), "a later `!` rule brings the file back");
        assert!(
            ig.excludes("app/x/__pycache__/m.pyc"),
            "`**` matches at any depth"
        );
        assert!(
            ig.excludes(".git/HEAD"),
            "a trailing slash still names the folder"
        );
        assert!(!ig.excludes("app/main.py"), "files no rule names are sent");
    }

    #[test]
    fn packing_leaves_out_ignored_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(dir.path().join(".dockerignore"), "secret.txt\n").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/app.py"), "print()").unwrap();
        let tar = pack_blocking(dir.path()).unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert!(
            names.contains(&"src/app.py".to_string()),
            "sources are sent: {names:?}"
        );
        assert!(
            !names.iter().any(|n| n.contains("secret")),
            "ignored files never reach the daemon: {names:?}"
        );
    }
}
