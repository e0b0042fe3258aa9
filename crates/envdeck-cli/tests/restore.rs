//! Restore streams: a dump far larger than the memory `envdeck restore` may use goes into PostgreSQL
//! with the CLI's peak memory bounded; a damaged file (a truncated gzip) and a dump whose SQL fails
//! change nothing. The real binary, the real dockerd with PostgreSQL, the real keychain.
//!
//! Fixture: tests/fixtures/projects/chores-postgres.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use envdeck_tests::area::Area;
use flate2::Compression;
use flate2::write::GzEncoder;

/// Rows of the large dump, 100 bytes each: about 150 MB of SQL.
const ROWS: usize = 1_500_000;

fn write_dump(path: &Path, body: impl FnOnce(&mut GzEncoder<std::fs::File>) -> std::io::Result<()>) {
    let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
    let mut gz = GzEncoder::new(file, Compression::fast());
    body(&mut gz).unwrap_or_else(|e| panic!("write the dump: {e}"));
    gz.finish().unwrap_or_else(|e| panic!("finish the dump: {e}"));
}

/// `envdeck restore local FILE --yes`: (success, output, peak resident memory in bytes).
fn restore(area: &Area, dir: &Path, file: &Path) -> (bool, String, u64) {
    let mut child = area
        .command(dir, &["restore", "local", &file.to_string_lossy(), "--yes"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("envdeck restore runs: {e}"));
    let status_file = format!("/proc/{}/status", child.id());
    let (mut peak, deadline) = (0u64, Instant::now() + Duration::from_secs(600));
    // VmHWM only grows: its last reading before the exit is the peak.
    while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(kb) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb * 1024);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("restore finishes: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text, peak)
}

fn rows(area: &Area, dir: &Path) -> String {
    area.ok(
        dir,
        &[
            "exec",
            "local",
            "db",
            "--",
            "psql",
            "-U",
            "app",
            "-d",
            "app",
            "-tAc",
            "select count(*) from big",
        ],
    )
    .trim()
    .to_owned()
}

#[test]
fn a_large_dump_restores_in_bounded_memory_and_a_damaged_or_failing_one_changes_nothing() {
    let area = Area::new(
        Path::new(env!("CARGO_BIN_EXE_envdeck")),
        "chores-postgres",
        &["POSTGRES_PASSWORD"],
    );
    let dir = area.project("big");
    area.ok(&dir, &["up", "local"]);
    area.stack(&dir, "local");

    let big = dir.join("big.sql.gz");
    write_dump(&big, |gz| {
        writeln!(
            gz,
            "DROP TABLE IF EXISTS big;\nCREATE TABLE big (line text);\nCOPY big (line) FROM stdin;"
        )?;
        let filler = "x".repeat(88);
        for n in 0..ROWS {
            writeln!(gz, "{n:010} {filler}")?;
        }
        writeln!(gz, "\\.")
    });
    let sql_bytes = (ROWS * 100) as u64;
    let (ok, text, peak) = restore(&area, &dir, &big);
    assert!(ok, "the large dump restores:\n{text}");
    println!(
        "restore of {} MB of SQL: peak resident memory of envdeck {} MB",
        sql_bytes >> 20,
        peak >> 20
    );
    assert!(
        peak > 0 && peak < 100 << 20,
        "memory stays bounded, far below the {} MB dump: peak {} MB",
        sql_bytes >> 20,
        peak >> 20
    );
    assert_eq!(rows(&area, &dir), ROWS.to_string(), "every row arrived");

    // A truncated gzip: found damaged before anything is sent.
    let bytes = std::fs::read(&big).unwrap_or_else(|e| panic!("read the dump: {e}"));
    let cut = dir.join("cut.sql.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap_or_else(|e| panic!("write: {e}"));
    let (ok, text, _) = restore(&area, &dir, &cut);
    assert!(
        !ok && text.contains("Nothing was restored"),
        "a damaged file is refused:\n{text}"
    );
    assert_eq!(rows(&area, &dir), ROWS.to_string(), "the data is unchanged");

    // SQL that fails half-way: one transaction, so the table it dropped first is back.
    let failing = dir.join("failing.sql.gz");
    write_dump(&failing, |gz| {
        writeln!(
            gz,
            "DROP TABLE big;\nCREATE TABLE big (line text);\nSELECT no_such_function();"
        )
    });
    let (ok, text, _) = restore(&area, &dir, &failing);
    assert!(
        !ok && text.contains("no_such_function") && text.contains("nothing was changed"),
        "psql's error is shown:\n{text}"
    );
    assert_eq!(
        rows(&area, &dir),
        ROWS.to_string(),
        "the failed restore changed nothing"
    );
}
