//! Faults on the shared Docker engine, through the real `envdeck` binary: the CLI killed (SIGKILL) or
//! interrupted (SIGINT, Ctrl-C) in the middle of `up`, a container OOM-killed by its memory limit, and a
//! read-only project folder. Each test uses its own copy of a fixture (its own stack name) and removes
//! its stack, also when it fails. The full backup disk and the network-namespace check are in
//! `faults_disk.rs` and `exposure.rs`; the engine killed during `up` in `faults_dockerd.rs`.
//!
//! Pull cannot be interrupted here: no image registry is reachable, so Ctrl-C is sent while `up` waits
//! for a slow healthcheck, the longest wait a real `up` has after pulling.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use envdeck_tests::cli::{self, Spawned, containers_of, docker, envdeck, objects_of, signal};
use envdeck_tests::{copy_fixture, remove_stack};

const UP_LIMIT: Duration = Duration::from_secs(90);
const QUICK: Duration = Duration::from_secs(30);

/// A fixture copy whose stack is removed (containers, networks, volumes) when the test ends.
struct Stack {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    name: String,
}

impl Stack {
    fn new(fixture: &str, prefix: &str) -> Stack {
        let (tmp, dir) = copy_fixture(fixture, prefix);
        let name = cli::stack_of(&dir, "local");
        remove_stack(&name);
        Stack { _tmp: tmp, dir, name }
    }

    fn up(&self) -> cli::Ran {
        envdeck(&self.dir, &["up", "local"], &[], UP_LIMIT)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        remove_stack(&self.name);
    }
}

/// Every container named like the stack, labelled or not: an unlabelled one would be an orphan that
/// neither `up` nor `down` could ever find again.
fn named_like(stack: &str) -> Vec<String> {
    let mut names: Vec<String> = docker(
        &[
            "ps",
            "-a",
            "--filter",
            &format!("name={stack}"),
            "--format",
            "{{.Names}}",
        ],
        &[],
    )
    .lines()
    .map(str::to_owned)
    .collect();
    names.sort();
    names
}

fn stamp(stack: &str) -> String {
    docker(&["exec", &format!("{stack}-first-1"), "cat", "/data/stamp"], &[])
        .trim()
        .to_owned()
}

fn assert_complete(stack: &str) {
    let found = containers_of(stack, &[]);
    let expected: Vec<String> = ["first", "last", "slow"]
        .iter()
        .map(|s| format!("{stack}-{s}-1"))
        .collect();
    assert_eq!(
        found.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        expected,
        "exactly one container per service, none duplicated: {found:?}"
    );
    assert!(
        found.iter().all(|c| c.state == "running"),
        "every container runs: {found:?}"
    );
    assert_eq!(
        named_like(stack),
        expected,
        "no container named like the stack is missing our label (an orphan)"
    );
}

#[test]
fn sigkill_during_up_then_up_and_down_recover_by_labels_with_no_orphans() {
    let stack = Stack::new("faults-slow", "faults-kill");
    // Three deaths at three points: after the network, after the first container, while waiting for
    // the slow one to be healthy. Each later `up` starts from whatever the previous one left.
    let mut kills = Vec::new();
    for point in ["ok    network", "ok    service first", "ok    service slow ("] {
        let mut up = Spawned::start(cli::command(&stack.dir, &["up", "local"], &[]));
        up.wait_for_line(point, UP_LIMIT);
        signal(up.child.id(), "KILL");
        let (status, out) = up.finish(QUICK);
        assert_eq!(status.signal(), Some(9), "up died of SIGKILL at `{point}`: {out}");
        kills.push(containers_of(&stack.name, &[]));
    }
    let before = stamp(&stack.name);

    let up = stack.up();
    assert!(
        up.status.success(),
        "up after three SIGKILLs completes (states left: {kills:?}): {}",
        up.text()
    );
    assert!(up.stdout.contains("local is up: 3 services"), "{}", up.text());
    assert_complete(&stack.name);
    assert_eq!(
        stamp(&stack.name),
        before,
        "the volume's data written before the kills is still there"
    );

    let down = envdeck(&stack.dir, &["down", "local"], &[], QUICK);
    assert!(down.status.success(), "down recovers by labels: {}", down.text());
    assert!(
        containers_of(&stack.name, &[]).is_empty() && named_like(&stack.name).is_empty(),
        "down leaves no container: {:?}",
        named_like(&stack.name)
    );
    assert!(
        objects_of("network", &stack.name, &[]).is_empty(),
        "down leaves no network"
    );
    assert_eq!(
        objects_of("volume", &stack.name, &[]),
        vec![format!("{}_data", stack.name)],
        "down keeps the data volume (exactly one)"
    );
}

#[test]
fn ctrl_c_during_up_stops_cleanly_and_the_next_up_continues() {
    let stack = Stack::new("faults-slow", "faults-int");
    let mut up = Spawned::start(cli::command(&stack.dir, &["up", "local"], &[]));
    // `slow` is created and `up` now waits 6 s for its healthcheck: the Ctrl-C lands in that wait.
    up.wait_for_line("ok    service slow (", UP_LIMIT);
    let sent = Instant::now();
    signal(up.child.id(), "INT");
    let (status, out) = up.finish(QUICK);
    let took = sent.elapsed();
    assert_eq!(status.code(), Some(130), "Ctrl-C exits with 130: {out}");
    assert!(
        out.contains("cancelled") && out.contains("envdeck up local"),
        "the message says it stopped and how to continue: {out}"
    );
    assert!(
        took < Duration::from_secs(2),
        "Ctrl-C is obeyed at once, not after the wait: {took:?}"
    );
    // `last` waits for `slow`: it may exist (engines that create every container first) but never runs
    // before `slow` is healthy, cancelled or not; what did start keeps running.
    let left = containers_of(&stack.name, &[]);
    assert!(
        left.iter()
            .all(|c| c.state == "running" || (c.service == "last" && c.state == "created")),
        "nothing half-made: first and slow run, last is at most created: {left:?}"
    );

    let again = stack.up();
    assert!(again.status.success(), "the next up completes: {}", again.text());
    for (service, outcomes) in [
        ("first", &["Unchanged"][..]),
        ("slow", &["Unchanged"]),
        ("last", &["Created", "Started", "Recreated"]),
    ] {
        assert!(
            outcomes
                .iter()
                .any(|o| again.stdout.contains(&format!("service {service} ({o})"))),
            "the next up continues where Ctrl-C stopped it ({service}: one of {outcomes:?}): {}",
            again.text()
        );
    }
    assert_complete(&stack.name);
}

#[test]
fn a_container_killed_by_its_memory_limit_is_reported_as_out_of_memory() {
    for (env, what) in [("local", "exits once"), ("looping", "restarts forever")] {
        let stack = Stack::new("faults-oom", &format!("faults-oom-{env}"));
        let name = cli::stack_of(&stack.dir, env);
        remove_stack(&name);
        let up = envdeck(&stack.dir, &["up", env], &[], UP_LIMIT);
        remove_stack(&name);
        let text = up.text();
        assert!(!up.status.success(), "{env} ({what}): up fails: {text}");
        assert!(
            text.contains("service `hog`") && text.contains("out of memory") && text.contains("16 MiB"),
            "{env} ({what}): the message names the service, says out of memory and the limit: {text}"
        );
        assert!(
            text.contains("deploy.resources.limits.memory"),
            "{env} ({what}): the message says which setting to raise: {text}"
        );
        assert!(
            up.took < Duration::from_secs(30),
            "{env} ({what}): the failure comes at once, not after the healthcheck's retries: {:?}",
            up.took
        );
    }
}

/// The project folder bind-mounted read-only onto itself (root ignores file modes, a mount does not);
/// unmounted on drop.
struct ReadOnly(PathBuf);

impl ReadOnly {
    fn mount(dir: &Path) -> ReadOnly {
        let d = dir.to_str().expect("a UTF-8 path");
        for args in [vec!["--bind", d, d], vec!["-o", "remount,bind,ro", d]] {
            let ran = cli::run_bounded(
                {
                    let mut c = std::process::Command::new("mount");
                    c.args(&args);
                    c
                },
                QUICK,
            );
            assert!(ran.status.success(), "mount {args:?}: {}", ran.text());
        }
        ReadOnly(dir.to_owned())
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_read_only_project_folder_opens_starts_and_stops_and_a_backup_names_the_folder() {
    let stack = Stack::new("faults-readonly", "faults-ro");
    let _ro = ReadOnly::mount(&stack.dir);
    assert!(
        std::fs::write(stack.dir.join("probe"), "x").is_err(),
        "the folder really is read-only, even for root"
    );
    for args in [
        &["list"][..],
        &["config", "local"],
        &["up", "local"],
        &["ps", "local"],
    ] {
        let ran = envdeck(&stack.dir, args, &[], UP_LIMIT);
        assert!(
            ran.status.success(),
            "`envdeck {args:?}` needs no write to the project folder: {}",
            ran.text()
        );
    }

    let backup = envdeck(&stack.dir, &["backup", "local"], &[], QUICK);
    let text = backup.text();
    assert!(
        !backup.status.success(),
        "a backup into a read-only folder fails: {text}"
    );
    let folder = stack.dir.join("backups");
    assert!(
        text.contains(&folder.display().to_string()) && text.contains("read-only"),
        "the message names the folder and says it is read-only: {text}"
    );
    assert!(
        text.contains("envdeck backup local FILE"),
        "the message says how to write the backup elsewhere: {text}"
    );

    let down = envdeck(&stack.dir, &["down", "local"], &[], QUICK);
    assert!(
        down.status.success(),
        "down works on a read-only folder: {}",
        down.text()
    );
    assert!(
        containers_of(&stack.name, &[]).is_empty(),
        "down removed the containers"
    );
}
