//! Finding a host command's program before starting it, so a missing interpreter is a sentence that
//! says what to install ("uvicorn is not installed: ..."), never a bare "No such file or directory".

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The program's full path: a name with a slash is relative to `cwd`, a bare name is looked up on
/// `path` (the PATH the process will get).
pub fn find(program: &str, cwd: &Path, path: Option<&OsString>) -> Option<PathBuf> {
    let has_dir = program.contains('/') || (cfg!(windows) && program.contains('\\'));
    if has_dir {
        return runnable(&cwd.join(program));
    }
    std::env::split_paths(path?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .find_map(|dir| runnable(&dir.join(program)))
}

#[cfg(unix)]
fn runnable(candidate: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(candidate).ok()?;
    (meta.is_file() && meta.permissions().mode() & 0o111 != 0).then(|| candidate.to_path_buf())
}

/// Windows: `uvicorn` is `uvicorn.exe`, `poetry` may be `poetry.cmd`: PATHEXT's extensions are tried.
#[cfg(windows)]
fn runnable(candidate: &Path) -> Option<PathBuf> {
    if candidate.extension().is_some() && candidate.is_file() {
        return Some(candidate.to_path_buf());
    }
    let exts = std::env::var("PATHEXT").unwrap_or_else(|_| ".COM;.EXE;.BAT;.CMD".into());
    exts.split(';').filter(|e| !e.is_empty()).find_map(|ext| {
        let mut name = candidate.as_os_str().to_owned();
        name.push(ext);
        let path = PathBuf::from(name);
        path.is_file().then_some(path)
    })
}

/// What to do about a missing program, in words a new developer can follow: the CLI prints its
/// `Display`, the window words it from its catalog (`reason.hint.<kind>`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Install {
    /// Poetry itself, then the project's packages with it.
    Poetry {
        folder: String,
    },
    /// A program that comes with the project's Python packages (uvicorn, alembic…).
    PythonPackages {
        folder: String,
    },
    Python,
    Node,
    /// Any other program.
    Program {
        program: String,
    },
}

impl std::fmt::Display for Install {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Install::Poetry { folder } => write!(
                f,
                "install Poetry (`pipx install poetry`), then run `poetry install` in {folder}, and start again"
            ),
            Install::PythonPackages { folder } => write!(
                f,
                "it comes with the project's Python packages: activate the project's virtual environment before \
                 starting EnvDeck, or run `pip install -r requirements.txt` in {folder}, then start again"
            ),
            Install::Python => f.write_str(
                "install Python 3 (python.org, or your system's package manager), then start again",
            ),
            Install::Node => f.write_str(
                "install Node.js (nodejs.org, or your system's package manager), then start again",
            ),
            Install::Program { program } => {
                write!(
                    f,
                    "install `{program}` or add its folder to PATH, then start again"
                )
            }
        }
    }
}

/// What to install for `program`, run in `cwd`.
pub fn install_hint(program: &str, cwd: &Path) -> Install {
    let name = Path::new(program)
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let folder = cwd.display().to_string();
    match name.as_str() {
        "poetry" => Install::Poetry { folder },
        "uvicorn" | "gunicorn" | "alembic" | "pytest" | "fastapi" | "flask" | "celery" => {
            Install::PythonPackages { folder }
        }
        n if n.starts_with("python") || n == "py" || n == "pip" || n.starts_with("pip3") => Install::Python,
        "node" | "npm" | "npx" | "yarn" | "pnpm" => Install::Node,
        _ => Install::Program {
            program: program.to_owned(),
        },
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_program_on_path_is_found_and_a_missing_one_is_not() {
        let path = std::env::var_os("PATH");
        let sh = find("sh", Path::new("/"), path.as_ref()).expect("sh is on PATH");
        assert!(sh.is_absolute(), "the full path is returned: {}", sh.display());
        assert_eq!(
            find("envdeck-no-such-program", Path::new("/"), path.as_ref()),
            None
        );
        assert_eq!(find("sh", Path::new("/"), None), None, "no PATH, no bare names");
    }

    #[test]
    fn a_relative_program_is_looked_up_in_the_working_folder_and_must_be_executable() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("run.sh"), "#!/bin/sh\n").expect("write");
        assert_eq!(find("./run.sh", dir.path(), None), None, "not executable yet");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path().join("run.sh"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        assert_eq!(
            find("./run.sh", dir.path(), None),
            Some(dir.path().join("./run.sh"))
        );
    }

    #[test]
    fn hints_name_what_to_install() {
        let cwd = Path::new("backend");
        let said = |program| install_hint(program, cwd).to_string();
        assert!(said("uvicorn").contains("pip install -r requirements.txt"));
        assert!(said("poetry").contains("pipx install poetry"));
        assert!(said("python3.11").contains("install Python 3"));
        assert!(said("frobnicate").contains("`frobnicate`"));
    }
}
