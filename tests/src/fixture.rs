//! Private copies of the project fixtures: each test gets its own uniquely named folder, so its stack
//! name and keychain namespace (both derived from the folder name) never collide with another run's.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Copies `tests/fixtures/projects/<name>` (its files, one level) into a fresh temp dir under a folder
/// named `<prefix>-<pid>-<nanos>`. Returns the temp dir (deleted on drop) and the project folder.
pub fn copy_fixture(name: &str, prefix: &str) -> (tempfile::TempDir, PathBuf) {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000)
        .unwrap_or(0);
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = tmp
        .path()
        .join(format!("{prefix}-{}-{nanos}", std::process::id()));
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/projects")
        .join(name);
    std::fs::create_dir(&root).unwrap_or_else(|e| panic!("create {}: {e}", root.display()));
    for entry in std::fs::read_dir(&fixture).unwrap_or_else(|e| panic!("read {}: {e}", fixture.display())) {
        let entry = entry.unwrap_or_else(|e| panic!("list fixture: {e}"));
        std::fs::copy(entry.path(), root.join(entry.file_name()))
            .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
    }
    (tmp, root)
}
