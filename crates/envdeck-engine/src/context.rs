//! Build contexts: the `build:` folder packed as a tar for the engine, without what `.dockerignore`
//! excludes (the client's job, not the daemon's: this is what keeps `node_modules` and `.git` out).

use std::path::{Path, PathBuf};

use envdeck_core::ignore::Ignore;

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

#[cfg(test)]
mod tests {
    use super::*;

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
