//! Rotating a database password never leaves a silent mismatch: EnvDeck changes it in the running
//! PostgreSQL first (ALTER ROLE, the new value on psql's stdin), then stores it, so after a Start the
//! backend's password works on the same data; with the database stopped the rotation is refused and the
//! keychain keeps the old value. The real binary, the real dockerd with PostgreSQL, the real keychain.
//!
//! Fixture: tests/fixtures/projects/chores-postgres (its `seed` Task makes a table with one row).

use std::path::Path;

use envdeck_tests::area::Area;

/// The trips, read over TCP with the container's own POSTGRES_PASSWORD: password authentication, so
/// it works only when the database and the container agree on the password.
fn trips_with_password(area: &Area, dir: &Path) -> (bool, String) {
    area.run(
        dir,
        &[
            "exec",
            "local",
            "db",
            "--",
            "sh",
            "-c",
            "PGPASSWORD=\"$POSTGRES_PASSWORD\" psql -h 127.0.0.1 -U app -d app -tAc 'select name from trips'",
        ],
        &[],
    )
}

#[test]
fn rotating_the_database_password_changes_it_in_the_database_first_or_not_at_all() {
    let area = Area::new(
        Path::new(env!("CARGO_BIN_EXE_envdeck")),
        "chores-postgres",
        &["POSTGRES_PASSWORD"],
    );
    let dir = area.project("rotate");
    area.ok(&dir, &["up", "local"]);
    area.stack(&dir, "local");
    area.ok(&dir, &["task", "local", "seed"]);
    let (ok, text) = trips_with_password(&area, &dir);
    assert!(
        ok && text.contains("Pyrenees"),
        "the password works before: {text}"
    );
    let old = area.secret(&dir, "local", "POSTGRES_PASSWORD");

    let out = area.ok(
        &dir,
        &["secrets", "rotate", "local", "POSTGRES_PASSWORD", "--yes"],
    );
    assert!(
        out.contains("changed in the database too (ALTER ROLE in service `db`)"),
        "the rotation says where it changed the password: {out}"
    );
    assert!(!out.contains(&old), "no value is printed");
    let new = area.secret(&dir, "local", "POSTGRES_PASSWORD");
    assert_ne!(new, old, "a new value is stored");
    assert!(!out.contains(&new), "no value is printed");

    // A Start gives the services the new value; the database, on the same data, accepts it.
    area.ok(&dir, &["up", "local"]);
    let (ok, text) = trips_with_password(&area, &dir);
    assert!(
        ok && text.contains("Pyrenees"),
        "the new password works on the same data: {text}"
    );

    // With the database stopped (its data kept), nothing changes.
    area.ok(&dir, &["down", "local"]);
    let (ok, text) = area.run(
        &dir,
        &["secrets", "rotate", "local", "POSTGRES_PASSWORD", "--yes"],
        &[],
    );
    assert!(
        !ok && text.contains("was not rotated")
            && text.contains("not running")
            && text.contains("--volumes --confirm local"),
        "refused, saying what to do: {text}"
    );
    assert_eq!(
        area.secret(&dir, "local", "POSTGRES_PASSWORD"),
        new,
        "the keychain keeps the value the database has"
    );
}
