//! Embeds templates/sample in the library, so the desktop app and the `envdeck` binary carry the
//! sample project without a file beside them: generates `$OUT_DIR/sample_files.rs`, a list of
//! `(relative path, include_bytes!(...))` that `sample::create` writes out.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir.join("../../templates/sample");
    // A directory here makes cargo rerun this script when any file below it changes.
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    assert!(
        files.iter().any(|f| f == "envdeck.toml"),
        "templates/sample/envdeck.toml is missing: the sample project must sit at {}",
        root.display()
    );
    files.sort();
    let mut out = String::from("&[\n");
    for rel in &files {
        let abs = root.join(rel);
        out.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?}) as &[u8]),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("]\n");
    let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("sample_files.rs");
    fs::write(&dest, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
}

/// Every file under `dir` as a `/`-separated path relative to `root`, minus what the sample's own
/// .gitignore keeps out of a project: caches, local databases, real env files, certificates.
fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "__pycache__" | ".pytest_cache" | "certs") {
                collect(root, &path, files);
            }
            continue;
        }
        let real_env_file = (name == ".env" || name.starts_with(".env.")) && !name.ends_with(".example");
        if real_env_file || name.ends_with(".pyc") || name.ends_with(".db") {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .expect("collected paths are under the root")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        files.push(rel);
    }
}
