//! Where EnvDeck keeps its own files on each OS (logs, host-process records, locks, the sample project),
//! in one place so every module agrees; an environment variable per folder wins everywhere (tests,
//! portable installs).

use std::path::PathBuf;

/// Which of Linux's XDG base folders a folder belongs in.
#[derive(Clone, Copy)]
pub(crate) enum Xdg {
    /// `$XDG_STATE_HOME` or `~/.local/state`: logs, records of running things.
    State,
    /// `$XDG_DATA_HOME` or `~/.local/share`: files a person works with.
    Data,
}

/// One of EnvDeck's folders: `override_var` if set; `%LOCALAPPDATA%\EnvDeck\<leaf>` on Windows;
/// `~/<macos...>` on macOS; `<xdg>/envdeck/<leaf>` on Linux and other Unix.
pub(crate) fn folder(override_var: &str, leaf: &str, xdg: Xdg, macos: &[&str]) -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var(override_var) {
        return Some(dir);
    }
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| d.join("EnvDeck").join(leaf));
    }
    if cfg!(target_os = "macos") {
        return var("HOME").map(|h| macos.iter().fold(h, |p, part| p.join(part)));
    }
    let (xdg_var, home_default) = match xdg {
        Xdg::State => ("XDG_STATE_HOME", [".local", "state"]),
        Xdg::Data => ("XDG_DATA_HOME", [".local", "share"]),
    };
    var(xdg_var)
        .or_else(|| var("HOME").map(|h| h.join(home_default[0]).join(home_default[1])))
        .map(|d| d.join("envdeck").join(leaf))
}

/// A folder of per-environment state (`locks`, `secrets`): `<ENVDECK_STATE_DIR>/<leaf>` when the
/// override is set (everything a test or a portable install names stays inside it), else beside the
/// host-process records in EnvDeck's state folder.
pub(crate) fn state_folder(leaf: &str) -> Result<PathBuf, crate::ApiError> {
    let overridden = std::env::var_os(crate::host::STATE_DIR_VAR).filter(|v| !v.is_empty());
    let folder = match overridden {
        Some(dir) => Some(PathBuf::from(dir).join(leaf)),
        None => crate::host::state_dir().and_then(|d| d.parent().map(|p| p.join(leaf))),
    };
    folder.ok_or_else(|| {
        crate::ApiError::new(
            crate::error::ErrorCode::Internal,
            format!(
                "no folder for EnvDeck's {leaf} (HOME is not set); set {}",
                crate::host::STATE_DIR_VAR
            ),
        )
    })
}

/// The file stem of one environment's state: `<env>-<16 hex of project id and env>`, a name no project
/// or environment id can steer outside its folder, and that two environments never share.
pub(crate) fn environment_stem(project_id: &str, env: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("envdeck environment\0{project_id}\0{env}").as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let safe_env: String = env
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(40)
        .collect();
    format!("{safe_env}-{hex}")
}
