//! Where EnvDeck keeps its own files on each OS (logs, host-process records, the sample project), in
//! one place so every module agrees; an environment variable per folder wins everywhere (tests,
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
