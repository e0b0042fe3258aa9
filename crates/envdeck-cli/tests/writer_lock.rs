//! One writer per Environment, across processes: two `envdeck` processes starting, stopping or
//! generating the secrets of one environment at once take turns. Each test runs the real binary
//! against the real dockerd and the real keychain (under scripts/with-keychain.sh), with a private list
//! of projects and a private state folder (where the locks live).
//!
//! Fixture: tests/fixtures/projects/writer-lock (a Start of it takes about 4 s).

use std::path::Path;
use std::time::Duration;

use envdeck_tests::area::{Area, LIMIT};
use envdeck_tests::cli::{Spawned, container_env, signal};

fn area() -> Area {
    Area::new(
        Path::new(env!("CARGO_BIN_EXE_envdeck")),
        "writer-lock",
        &["SECRET_KEY"],
    )
}

fn docker(args: &[&str]) -> String {
    envdeck_tests::cli::docker(args, &[]).trim().to_owned()
}

/// What the stack's `app` container was given as SECRET_KEY, read from Docker.
fn secret_in_container(stack: &str) -> String {
    container_env(stack, "app", "SECRET_KEY")
        .unwrap_or_else(|| panic!("the app container of {stack} has SECRET_KEY"))
}

fn networks(stack: &str) -> usize {
    docker(&[
        "network",
        "ls",
        "-q",
        "--filter",
        &format!("label=com.docker.compose.project={stack}"),
    ])
    .lines()
    .count()
}

#[test]
fn five_races_of_two_first_starts_leave_one_secret_the_one_the_containers_got() {
    let area = area();
    let mut waited = 0;
    for round in 0..5 {
        let dir = area.project(&format!("race-{round}"));
        let first = Spawned::start(area.command(&dir, &["up", "local"], &[]));
        let second = Spawned::start(area.command(&dir, &["up", "local"], &[]));
        let (a, a_out) = first.finish(LIMIT);
        let (b, b_out) = second.finish(LIMIT);
        assert!(
            a.success() && b.success(),
            "round {round}: both Starts succeed\n--- first:\n{a_out}\n--- second:\n{b_out}"
        );
        if a_out.contains("local is busy") || b_out.contains("local is busy") {
            waited += 1;
        }
        let stack = area.stack(&dir, "local");
        assert_eq!(
            area.secret(&dir, "local", "SECRET_KEY"),
            secret_in_container(&stack),
            "round {round}: the keychain holds the secret the container got"
        );
        assert_eq!(networks(&stack), 1, "round {round}: one network for {stack}");
    }
    assert!(
        waited > 0,
        "in five rounds of two Starts launched together, one waited for the other at least once"
    );
}

#[test]
fn two_secret_generations_at_once_generate_once() {
    let area = area();
    for round in 0..5 {
        let dir = area.project(&format!("gen-{round}"));
        let first = Spawned::start(area.command(&dir, &["secrets", "generate", "local"], &[]));
        let second = Spawned::start(area.command(&dir, &["secrets", "generate", "local"], &[]));
        let (a, a_out) = first.finish(LIMIT);
        let (b, b_out) = second.finish(LIMIT);
        area.stack(&dir, "local");
        assert!(
            a.success() && b.success(),
            "round {round}:\n{a_out}\n---\n{b_out}"
        );
        let generated = [&a_out, &b_out]
            .iter()
            .filter(|out| out.contains("generated SECRET_KEY"))
            .count();
        let kept = [&a_out, &b_out]
            .iter()
            .filter(|out| out.contains("kept      SECRET_KEY"))
            .count();
        assert_eq!(
            (generated, kept),
            (1, 1),
            "round {round}: one generates, the other finds the value there\n{a_out}\n---\n{b_out}"
        );
    }
}

#[test]
fn a_waiting_writer_names_the_holder_and_a_killed_holder_leaves_no_lock() {
    let area = area();
    let dir = area.project("held");
    let mut holder = Spawned::start(area.command(&dir, &["up", "local"], &[]));
    // Past its secrets and waiting for `slow` to be healthy: the lock is held.
    holder.wait_for_line("ok    service slow", LIMIT);
    let pid = holder.child.id();

    let (ok, text) = area.run(
        &dir,
        &["secrets", "generate", "local"],
        &[("ENVDECK_LOCK_WAIT", "1")],
    );
    assert!(!ok, "a writer that waited its limit fails:\n{text}");
    assert!(
        text.contains(&format!(
            "local is busy: the envdeck CLI (pid {pid}) has been starting it"
        )) && text.contains("waited 1 s")
            && text.contains("ENVDECK_LOCK_WAIT"),
        "the message names the holder, what it does, and how long the waiter waited:\n{text}"
    );

    signal(pid, "KILL");
    let _ = holder.finish(Duration::from_secs(10));
    // No wait allowed: the killed holder's lock went with it.
    let (ok, text) = area.run(
        &dir,
        &["secrets", "generate", "local"],
        &[("ENVDECK_LOCK_WAIT", "0")],
    );
    assert!(
        ok && text.contains("kept      SECRET_KEY") && !text.contains("busy"),
        "after the holder was killed the lock is free at once:\n{text}"
    );
    area.stack(&dir, "local");
    area.ok(&dir, &["up", "local"]);
}

#[test]
fn a_stop_during_a_start_waits_for_it_then_stops_what_it_made() {
    let area = area();
    let dir = area.project("stop-during-start");
    let mut start = Spawned::start(area.command(&dir, &["up", "local"], &[]));
    start.wait_for_line("ok    service slow", LIMIT);
    let (ok, text) = area.run(&dir, &["down", "local"], &[]);
    let (started, start_out) = start.finish(LIMIT);
    assert!(started.success(), "the Start finishes first:\n{start_out}");
    assert!(
        ok && text.contains("local is busy: the envdeck CLI") && text.contains("starting it"),
        "the Stop says who it waits for, then stops:\n{text}"
    );
    let stack = area.stack(&dir, "local");
    assert_eq!(
        docker(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label=com.docker.compose.project={stack}")
        ]),
        "",
        "no container of {stack} is left: the Stop ran after the Start, not beside it"
    );
}
