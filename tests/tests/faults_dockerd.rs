//! The Docker engine killed (SIGKILL) in the middle of `envdeck up` and started again. The suite shares
//! one dockerd with every other test, so this test starts a PRIVATE one: its own data root, exec root,
//! pid file, socket, config file and address pool, no iptables rules, and its own network namespace
//! (`nsenter --net`), so the bridges and veths it makes never touch the host's. That matters: a dockerd
//! restarted after a crash (or started with `--bridge=none`) deletes the bridge `docker0` it finds,
//! which on the host is the shared engine's default bridge. The test
//! image is loaded into it with `docker save | docker load`, and EnvDeck reaches it through
//! `DOCKER_HOST`. Everything it made (processes, mounts, bridges, files) goes when the test ends, also
//! when it fails. Cost: about 15 s (two daemon starts, a 6 s health wait).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use envdeck_tests::cli::{self, Spawned, containers_of, docker, envdeck, objects_of};
use envdeck_tests::copy_fixture;

const LIMIT: Duration = Duration::from_secs(90);

/// A dockerd of this test's own; dropping it stops it and removes every trace.
struct PrivateDockerd {
    root: PathBuf,
    host: String,
    pool: String,
    netns: String,
    daemon: Option<Child>,
}

impl PrivateDockerd {
    fn start() -> PrivateDockerd {
        // Short: the socket paths under it (containerd's included) must fit in 108 bytes.
        let root = PathBuf::from(format!("/tmp/edfd-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("create {}: {e}", root.display()));
        std::fs::write(root.join("daemon.json"), "{}").expect("an empty daemon config can be written");
        // Subnets of its own, apart from the shared engine's and from another run's private engine.
        let pool = format!("base=10.{}.0.0/16,size=24", 200 + std::process::id() % 50);
        let netns = format!("edfd-{}", std::process::id());
        let _ = Command::new("ip").args(["netns", "del", &netns]).output();
        for args in [
            vec!["netns", "add", &netns],
            vec!["netns", "exec", &netns, "ip", "link", "set", "lo", "up"],
        ] {
            let ok = Command::new("ip").args(&args).status().is_ok_and(|s| s.success());
            assert!(ok, "ip {args:?} (iproute2, installed by scripts/setup.sh)");
        }
        let mut d = PrivateDockerd {
            host: format!("unix://{}/d.sock", root.display()),
            root,
            pool,
            netns,
            daemon: None,
        };
        d.run();
        d
    }

    /// Starts the daemon (again) and waits until it answers.
    fn run(&mut self) {
        // The containerd of a killed daemon outlives it for a moment; a new daemon finding it alive
        // waits for it instead of starting its own, and gives up.
        let containerd = std::fs::read_to_string(self.root.join("exec/containerd/containerd.pid"))
            .ok()
            .and_then(|p| p.trim().parse::<u32>().ok());
        if let Some(pid) = containerd {
            let deadline = Instant::now() + Duration::from_secs(15);
            while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = std::fs::remove_file(self.root.join("dockerd.pid"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.join("dockerd.log"))
            .expect("the daemon log can be opened");
        let r = self.root.display().to_string();
        // nsenter enters the network namespace only: the mounts (cgroups included) stay the host's.
        let child = Command::new("nsenter")
            .arg(format!("--net=/run/netns/{}", self.netns))
            .arg("dockerd")
            .args(["--config-file", &format!("{r}/daemon.json")])
            .args(["--data-root", &format!("{r}/data")])
            .args(["--exec-root", &format!("{r}/exec")])
            .args(["--pidfile", &format!("{r}/dockerd.pid")])
            .args(["-H", &self.host])
            .args(["--iptables=false", "--ip-masq=false"])
            .args(["--default-address-pool", &self.pool])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log handle can be cloned"))
            .stderr(log)
            .spawn()
            .expect("dockerd starts (scripts/setup.sh installs docker.io)");
        self.daemon = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ok = Command::new("docker")
                .args(["-H", &self.host, "info"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the private dockerd did not answer within 30 s; its log:\n{}",
                std::fs::read_to_string(self.root.join("dockerd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// kill -9, and the exit reaped (so the next start does not see a live pid in the old pid file).
    fn kill(&mut self) {
        if let Some(mut child) = self.daemon.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Loads an image of the shared engine into this one.
    fn load(&self, image: &str) {
        let mut save = Command::new("docker")
            .args(["save", image])
            .stdout(Stdio::piped())
            .spawn()
            .expect("docker save runs");
        let out = save.stdout.take().expect("stdout is piped");
        let load = Command::new("docker")
            .args(["-H", &self.host, "load"])
            .stdin(out)
            .output()
            .expect("docker load runs");
        let saved = save.wait().expect("docker save ends");
        assert!(
            saved.success() && load.status.success(),
            "{image} loads into the private engine: {}",
            String::from_utf8_lossy(&load.stderr)
        );
    }
}

/// Processes running from a folder (a daemon's containerd, its container shims), by their command line.
fn processes_under(root: &Path) -> Vec<u32> {
    let mark = root.display().to_string();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&mark) && pid != std::process::id() {
            pids.push(pid);
        }
    }
    pids
}

/// Mount points under a folder, deepest first.
fn mounts_under(root: &Path) -> Vec<String> {
    let mark = root.display().to_string();
    let mut found: Vec<String> = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split(' ').nth(4).map(str::to_owned))
        .filter(|m| m.starts_with(&mark))
        .collect();
    found.sort_by_key(|m| std::cmp::Reverse(m.len()));
    found
}

impl Drop for PrivateDockerd {
    fn drop(&mut self) {
        if self.daemon.is_some() {
            // What a failed test may have left: containers, then networks (their host bridges).
            let h = self.host.clone();
            let quiet = |args: &[&str]| {
                Command::new("docker")
                    .args(["-H", &h])
                    .args(args)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                    .unwrap_or_default()
            };
            let ids = quiet(&["ps", "-aq"]);
            let ids: Vec<&str> = ids.split_whitespace().collect();
            if !ids.is_empty() {
                quiet(&[&["rm", "-f", "-v"][..], &ids].concat());
            }
            let nets = quiet(&["network", "ls", "-q", "--filter", "type=custom"]);
            let nets: Vec<&str> = nets.split_whitespace().collect();
            if !nets.is_empty() {
                quiet(&[&["network", "rm"][..], &nets].concat());
            }
        }
        if let Some(mut child) = self.daemon.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        for pid in processes_under(&self.root) {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
        for mount in mounts_under(&self.root) {
            let _ = Command::new("umount").args(["-l", &mount]).status();
        }
        let _ = std::fs::remove_dir_all(&self.root);
        let _ = Command::new("ip").args(["netns", "del", &self.netns]).output();
    }
}

fn stamp(env: &[(&str, &str)], stack: &str) -> String {
    docker(&["exec", &format!("{stack}-first-1"), "cat", "/data/stamp"], env)
        .trim()
        .to_owned()
}

fn stack_of(dir: &Path) -> String {
    envdeck_tests::cli::stack_of(dir, "local")
}

#[test]
fn dockerd_killed_during_up_and_restarted_then_up_completes_with_nothing_orphaned_or_doubled() {
    let had_docker0 = Path::new("/sys/class/net/docker0").exists();
    let mut d = PrivateDockerd::start();
    d.load("envdeck-test/busybox:1");
    let (_tmp, dir) = copy_fixture("faults-slow", "faults-dockerd");
    let stack = stack_of(&dir);
    let host = d.host.clone();
    let env = [("DOCKER_HOST", host.as_str())];

    // The engine dies while `up` waits for `slow` to be healthy (first is up, last not yet made).
    let mut up = Spawned::start(cli::command(&dir, &["up", "local"], &env));
    up.wait_for_line("ok    service slow (", LIMIT);
    let before = stamp(&env, &stack);
    let killed = Instant::now();
    d.kill();
    let (status, out) = up.finish(Duration::from_secs(30));
    let noticed = killed.elapsed();
    assert!(!status.success(), "up cannot succeed without its engine: {out}");
    assert!(
        out.contains("Docker stopped answering")
            && out.contains(&d.host)
            && out.contains("run the same command again"),
        "the message says the engine went away, where, and what to do: {out}"
    );
    assert!(
        !out.contains("hyper") && !out.contains("client error"),
        "no HTTP client jargon reaches the user: {out}"
    );
    assert!(
        noticed < Duration::from_secs(10),
        "up notices at once: {noticed:?}"
    );

    // Started again, the engine has killed the containers it ran (no live-restore): `up` finds them
    // by their labels, starts them, and makes only what was missing.
    d.run();
    let again = envdeck(&dir, &["up", "local"], &env, LIMIT);
    assert!(
        again.status.success(),
        "up after the restart completes: {}",
        again.text()
    );
    // `last` may have been created (not started) before the crash by an engine that creates every
    // container first; first and slow ran and were stopped by the restart.
    for (service, outcomes) in [
        ("first", &["Started"][..]),
        ("slow", &["Started"]),
        ("last", &["Created", "Started", "Recreated"]),
    ] {
        assert!(
            outcomes
                .iter()
                .any(|o| again.stdout.contains(&format!("service {service} ({o})"))),
            "{service}: one of {outcomes:?} (reused by its labels, not made twice): {}",
            again.text()
        );
    }
    let found = containers_of(&stack, &env);
    let names: Vec<String> = found.iter().map(|c| c.name.clone()).collect();
    let expected: Vec<String> = ["first", "last", "slow"]
        .iter()
        .map(|s| format!("{stack}-{s}-1"))
        .collect();
    assert_eq!(names, expected, "one container per service: {found:?}");
    assert!(found.iter().all(|c| c.state == "running"), "all run: {found:?}");
    let all = docker(&["ps", "-a", "--format", "{{.Names}}"], &env);
    assert_eq!(
        all.lines().count(),
        3,
        "the engine holds no other (unlabelled, orphaned) container: {all}"
    );
    assert_eq!(
        stamp(&env, &stack),
        before,
        "the volume's data survived the crash"
    );

    let down = envdeck(&dir, &["down", "local"], &env, LIMIT);
    assert!(down.status.success(), "down after the crash: {}", down.text());
    assert!(
        containers_of(&stack, &env).is_empty(),
        "down removed every container"
    );
    assert!(
        objects_of("network", &stack, &env).is_empty(),
        "down removed the network"
    );
    assert_eq!(
        objects_of("volume", &stack, &env),
        vec![format!("{stack}_data")],
        "the data volume stays"
    );
    // The clean-up is checked too: no process, mount or file of the private engine outlives the test.
    let (root, netns) = (d.root.clone(), d.netns.clone());
    drop(d);
    assert!(
        !Path::new("/run/netns").join(&netns).exists(),
        "its network namespace is gone"
    );
    assert!(
        processes_under(&root).is_empty(),
        "no process of the private engine is left"
    );
    assert!(
        mounts_under(&root).is_empty(),
        "no mount of the private engine is left"
    );
    assert!(!root.exists(), "its folder is gone");
    assert!(
        !had_docker0 || Path::new("/sys/class/net/docker0").exists(),
        "the shared engine's bridge docker0 is still there"
    );
}
