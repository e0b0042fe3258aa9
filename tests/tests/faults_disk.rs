//! A full disk for the backup target: `envdeck backup local FILE` onto a 1 MB tmpfs of the test's own,
//! with a database whose dump (about 2.5 MB compressed) cannot fit. The backup must fail saying the disk
//! is full and where, and leave nothing on that disk: no partial file, nothing that looks like a
//! backup. The same dump to a roomy folder succeeds (so the failure was the disk, not the dump). Real
//! PostgreSQL and a real keychain (scripts/with-keychain.sh). Cost: about 15 s.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use envdeck_tests::cli::{envdeck, run_bounded};
use envdeck_tests::{copy_fixture, remove_stack};

/// A 1 MB tmpfs mounted for the test; unmounted on drop.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path) -> SmallDisk {
        std::fs::create_dir_all(at).expect("the mount point can be made");
        let mut cmd = Command::new("mount");
        cmd.args(["-t", "tmpfs", "-o", "size=1m", "envdeck-full-disk"])
            .arg(at);
        let ran = run_bounded(cmd, Duration::from_secs(10));
        assert!(ran.status.success(), "mount a 1 MB tmpfs: {}", ran.text());
        SmallDisk(at.to_owned())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// The stack and the keychain entry its `up` generated go when the test ends.
struct Cleanup {
    project: String,
    stack: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        remove_stack(&self.stack);
        if let Ok(ns) = envdeck_vault::Namespace::new(&self.project, "local") {
            let _ = envdeck_vault::delete(&ns, "POSTGRES_PASSWORD");
        }
    }
}

#[test]
fn a_backup_onto_a_full_disk_fails_clearly_and_leaves_no_file() {
    let (tmp, dir) = copy_fixture("chores-postgres", "faults-disk");
    let (stack, keychain) = envdeck_tests::cli::names_of(&dir, "local");
    let _cleanup = Cleanup {
        stack,
        project: keychain
            .strip_prefix("envdeck:")
            .and_then(|rest| rest.strip_suffix(":local"))
            .expect("envdeck:<project id>:local")
            .to_owned(),
    };
    let limit = Duration::from_secs(120);

    let up = envdeck(&dir, &["up", "local"], &[], limit);
    assert!(
        up.status.success(),
        "up (engine, images and keychain ready?): {}",
        up.text()
    );
    // 60 000 rows of random hex: about 4 MB of text, 2.5 MB gzip-compressed.
    let seed = envdeck(
        &dir,
        &[
            "exec",
            "local",
            "db",
            "--",
            "psql",
            "-v",
            "ON_ERROR_STOP=1",
            "-U",
            "app",
            "-d",
            "app",
            "-c",
            "create table big as select md5(random()::text) || md5(random()::text) as t from generate_series(1, 60000)",
        ],
        &[],
        limit,
    );
    assert!(seed.status.success(), "the seed runs: {}", seed.text());

    let disk = tmp.path().join("full");
    let small = SmallDisk::mount(&disk);
    let target = disk.join("local.sql.gz");
    let backup = envdeck(
        &dir,
        &["backup", "local", target.to_str().expect("UTF-8")],
        &[],
        limit,
    );
    let text = backup.text();
    assert!(!backup.status.success(), "a backup that cannot fit fails: {text}");
    assert!(
        text.contains("No space left on device") && text.contains(&target.display().to_string()),
        "the message says the disk is full and names the file: {text}"
    );
    assert!(
        text.contains("free some space") && text.contains("no partial file"),
        "the message says what to do and that nothing was left: {text}"
    );
    let left: Vec<_> = std::fs::read_dir(&disk)
        .expect("the small disk can be listed")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    assert!(left.is_empty(), "nothing is left on the full disk: {left:?}");
    assert!(
        !backup.stdout.contains("backed up"),
        "no success is claimed: {text}"
    );
    drop(small);

    let roomy = tmp.path().join("roomy/local.sql.gz");
    let ok = envdeck(
        &dir,
        &["backup", "local", roomy.to_str().expect("UTF-8")],
        &[],
        limit,
    );
    assert!(
        ok.status.success(),
        "the same backup with room succeeds: {}",
        ok.text()
    );
    let size = std::fs::metadata(&roomy).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 1 << 20,
        "the dump really is larger than the 1 MB disk ({size} bytes), so the failure above was the disk"
    );
}
