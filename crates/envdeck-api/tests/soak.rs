//! The soak run (docs/RELIABILITY.md, "Load"): 20 environments of 5 projects (4 each, fixtures
//! `tests/fixtures/projects/soak-*`) started and stopped in a loop through the API both clients call,
//! `CONCURRENCY` at a time, on the real engine and the real keychain (scripts/with-keychain.sh,
//! scripts/docker-engine.sh, scripts/test-images.sh).
//!
//! The short form runs by default, as part of `cargo test --workspace` (at least `MIN_CYCLES` cycles
//! and `DEFAULT_SECS`, about 60–90 s in all); `ENVDECK_SOAK_SECS=600` gives the full 10-minute run:
//!
//! ```text
//! scripts/with-keychain.sh env ENVDECK_SOAK_SECS=600 cargo test -p envdeck-api --test soak -- --nocapture
//! ```
//!
//! Each cycle starts all 20 (every one health-gated, checked running and healthy, the web ones answering
//! on their own 127.0.0.1 port), then stops all 20, then checks through the docker CLI (independent of
//! the code under test) that no container or network of ours is left and that each volume exists once.
//! After the loop, a "Wipe data" stop removes the volumes too. Measured on this process, after each
//! cycle once its tasks have ended: open file descriptors (/proc/self/fd), tokio's alive tasks
//! (`RuntimeMetrics::num_alive_tasks`) and resident memory (/proc/self/statm, also sampled every
//! `RSS_EVERY` during the run). Objects that are not ours (a container, network and volume carrying
//! compose's labels for our stack names, but not EnvDeck's) must come through untouched. A summary table
//! goes to stderr, also when the test passes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use envdeck_api::stack::RemoveVolumes;
use envdeck_api::{environment, secrets, stack};
use envdeck_core::progress::{Health, Progress};
use futures_util::{StreamExt, stream};

/// The environments of every soak project: one overlay each.
const ENVIRONMENTS: [&str; 4] = ["local", "dev", "test", "qa"];
/// How many Starts (or Stops) run at once, as a person clicking through several cards would have them.
const CONCURRENCY: usize = 5;
/// The short form's length when `ENVDECK_SOAK_SECS` is not set: with `MIN_CYCLES`, about 60–90 s here.
const DEFAULT_SECS: u64 = 45;
/// Enough cycles for a warm-up, a first and a last window that do not overlap, whatever the length.
const MIN_CYCLES: usize = 3;
/// One Start or Stop taking longer than this is a failure (a hung engine call), not a slow machine.
const OP_TIMEOUT: Duration = Duration::from_secs(180);
/// How often the resident memory is sampled.
const RSS_EVERY: Duration = Duration::from_millis(200);
/// File descriptors the process may hold, after a later cycle or at the end, beyond what it held after
/// the warm-up cycle (and at the end, beyond what it held before the first Start). None is expected:
/// the figures show none; 2 lets a descriptor that is closed a moment late pass. A leak of one per
/// Start adds 20 per cycle.
const FD_SLACK: usize = 2;
/// Resident memory the last window may have above the first window: an absolute allowance, or a share of
/// the first window when that is more; see `rss_bound` for why.
const RSS_SLACK_BYTES: u64 = 6 << 20;
const RSS_SLACK_SHARE: f64 = 0.25;

/// What one soak project runs, for the checks.
#[derive(Debug)]
struct Shape {
    fixture: &'static str,
    services: usize,
    /// Containers (replicas count) and those with a healthcheck.
    containers: usize,
    healthy: usize,
    volumes: usize,
    /// The service published on 127.0.0.1:SOAK_WEB_PORT.
    web: bool,
}

const PROJECTS: [Shape; 5] = [
    Shape {
        fixture: "soak-web",
        services: 1,
        containers: 1,
        healthy: 1,
        volumes: 0,
        web: true,
    },
    Shape {
        fixture: "soak-chain",
        services: 3,
        containers: 3,
        healthy: 3,
        volumes: 0,
        web: false,
    },
    Shape {
        fixture: "soak-volume",
        services: 2,
        containers: 2,
        healthy: 1,
        volumes: 1,
        web: false,
    },
    Shape {
        fixture: "soak-replicas",
        services: 2,
        containers: 3,
        healthy: 2,
        volumes: 0,
        web: false,
    },
    Shape {
        fixture: "soak-secrets",
        services: 1,
        containers: 1,
        healthy: 1,
        volumes: 0,
        web: false,
    },
];

/// One of the 20 environments.
#[derive(Debug, Clone)]
struct Env {
    root: PathBuf,
    project: String,
    env: &'static str,
    stack: String,
    stack_id: envdeck_api::stack::StackId,
    shape: &'static Shape,
    port: Option<u16>,
    secrets: Vec<String>,
}

/// A container, network and volume that are not ours but carry compose's labels for one of our stack
/// names: EnvDeck must never touch them.
#[derive(Debug)]
struct Sentinel {
    name: String,
    started_at: String,
}

/// The 20 environments in their private folders. On drop (also when the test failed half-way) every
/// stack is removed by its label, the sentinels go, and the keychain entries the Starts made are deleted.
struct Soak {
    _dirs: Vec<tempfile::TempDir>,
    envs: Vec<Env>,
    sentinels: Vec<Sentinel>,
}

impl Drop for Soak {
    fn drop(&mut self) {
        for e in &self.envs {
            envdeck_tests::remove_stack(&e.stack);
            if let Ok(ns) = envdeck_vault::Namespace::new(&e.project, e.env) {
                for name in &e.secrets {
                    let _ = envdeck_vault::delete(&ns, name);
                }
            }
        }
        for s in &self.sentinels {
            let _ = docker(&["rm", "-f", "-v", &s.name]);
            let _ = docker(&["network", "rm", &s.name]);
            let _ = docker(&["volume", "rm", "-f", &s.name]);
        }
    }
}

/// Runs the docker CLI; `(success, stdout + stderr)`.
fn docker(args: &[&str]) -> (bool, String) {
    match Command::new("docker").args(args).output() {
        Ok(out) => (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ),
        Err(e) => (false, format!("docker does not run: {e}")),
    }
}

/// `n` loopback ports nobody listens on, below the kernel's ephemeral range, so no outgoing connection
/// borrows one while its environment is stopped; spread by the process id across concurrent runs.
fn ports(n: usize) -> Vec<u16> {
    let ephemeral_low: u32 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|p| p.parse().ok()))
        .unwrap_or(32768);
    let (low, high) = (20_000u32, ephemeral_low.max(21_000));
    let span = high - low;
    let first = std::process::id().wrapping_mul(7919) % span;
    let found: Vec<u16> = (0..span)
        .map(|i| (low + (first + i * 7) % span) as u16)
        .filter(|&p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok())
        .take(n)
        .collect();
    assert_eq!(found.len(), n, "{n} free loopback ports in {low}..{high}");
    found
}

impl Soak {
    fn new() -> Soak {
        let mut soak = Soak {
            _dirs: Vec::new(),
            envs: Vec::new(),
            sentinels: Vec::new(),
        };
        let mut web_ports = ports(ENVIRONMENTS.len()).into_iter();
        let mut by_project = Vec::new();
        for shape in &PROJECTS {
            let (tmp, root) = envdeck_tests::copy_fixture(shape.fixture, "edt-soak");
            let mut envs = Vec::new();
            for env in ENVIRONMENTS {
                let port = shape
                    .web
                    .then(|| web_ports.next().expect("a port per environment"));
                if let Some(port) = port {
                    std::fs::write(
                        root.join(format!(".env.{env}")),
                        format!("SOAK_WEB_PORT={port}\n"),
                    )
                    .unwrap_or_else(|e| panic!("write .env.{env}: {e}"));
                }
                let opened = envdeck_tests::block_on(envdeck_api::project::open_identified(&root))
                    .unwrap_or_else(|e| panic!("{} opens: {e}", shape.fixture));
                let specs = environment::specs(&opened, env)
                    .unwrap_or_else(|e| panic!("{} {env}: specs: {}", shape.fixture, e.message));
                envs.push(Env {
                    project: environment::project_id(&opened)
                        .expect("an identified project")
                        .to_string(),
                    stack: environment::stack_of(&opened, env)
                        .expect("the stack of an environment")
                        .name,
                    stack_id: environment::stack_of(&opened, env).expect("the stack of an environment"),
                    root: root.clone(),
                    env,
                    shape,
                    port,
                    secrets: specs.iter().map(|s| s.name.clone()).collect(),
                });
            }
            soak._dirs.push(tmp);
            by_project.push(envs);
        }
        // Interleaved (local of every project, then dev, ...): the ones running at once are of
        // different projects, and a project's environments run side by side.
        for i in 0..ENVIRONMENTS.len() {
            for envs in &by_project {
                soak.envs.push(envs[i].clone());
            }
        }
        for envs in &by_project {
            let stack = &envs[0].stack;
            let name = format!("{stack}_sentinel");
            soak.sentinels.push(Sentinel {
                name: name.clone(),
                started_at: String::new(),
            });
            let compose = format!("com.docker.compose.project={stack}");
            for args in [
                &["volume", "create", "--label", &compose, &name][..],
                &["network", "create", "--label", &compose, &name][..],
                &[
                    "run",
                    "-d",
                    "--name",
                    &name,
                    "--label",
                    &compose,
                    "--label",
                    "com.docker.compose.service=web",
                    "--network",
                    &name,
                    "-v",
                    &format!("{name}:/data"),
                    "envdeck-test/busybox:1",
                    "sleep",
                    "86400",
                ][..],
            ] {
                let (ok, out) = docker(args);
                assert!(
                    ok,
                    "docker {args:?} (is envdeck-test/busybox:1 built? scripts/test-images.sh): {out}"
                );
            }
            let started_at = sentinel_state(&name);
            if let Some(s) = soak.sentinels.last_mut() {
                s.started_at = started_at;
            }
        }
        soak
    }
}

/// The sentinel container's state and start time, as docker reports them.
fn sentinel_state(name: &str) -> String {
    docker(&[
        "inspect",
        "--format",
        "{{.State.Status}} {{.State.StartedAt}}",
        name,
    ])
    .1
    .trim()
    .to_string()
}

/// What this process holds right now.
#[derive(Debug, Clone, Copy)]
struct Held {
    fds: usize,
    tasks: usize,
    threads: usize,
    rss: u64,
}

fn page_size() -> u64 {
    Command::new("getconf")
        .arg("PAGESIZE")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(4096)
}

/// Resident bytes: the second field of /proc/self/statm, in pages.
fn rss(page: u64) -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map(|pages| pages * page)
        .expect("/proc/self/statm is readable")
}

fn held(page: u64) -> Held {
    let fds = std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd is readable")
        .count();
    let threads = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0);
    Held {
        fds,
        tasks: tokio::runtime::Handle::current().metrics().num_alive_tasks(),
        threads,
        rss: rss(page),
    }
}

/// Waits (up to 10 s) until no task of the runtime is alive, then measures: tasks the engine spawned
/// for a Start (its events listener, connections) end a moment after the call returns.
async fn settled(page: u64) -> Held {
    let deadline = Instant::now() + Duration::from_secs(10);
    let metrics = tokio::runtime::Handle::current().metrics();
    while metrics.num_alive_tasks() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    held(page)
}

/// Resident memory sampled every `RSS_EVERY` on a thread of its own, tagged with the cycle running.
struct RssSampler {
    cycle: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<(usize, u64)>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RssSampler {
    fn start(page: u64) -> RssSampler {
        let cycle = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let (c, s, out) = (cycle.clone(), stop.clone(), samples.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let sample = (c.load(Ordering::Relaxed), rss(page));
                if let Ok(mut v) = out.lock() {
                    v.push(sample);
                }
                std::thread::sleep(RSS_EVERY);
            }
        });
        RssSampler {
            cycle,
            stop,
            samples,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> Vec<(usize, u64)> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.samples.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Runs `op` on every environment, `CONCURRENCY` at a time, each as a task of its own (as the desktop
/// app runs each command); returns every outcome, so nothing is still running when the caller asserts.
async fn phase<T, F, Fut>(envs: &[Env], op: F) -> Vec<(String, Result<T, String>)>
where
    T: Send + 'static,
    F: Fn(Env) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>> + Send + 'static,
{
    stream::iter(envs.iter().cloned())
        .map(|e| {
            let stack = e.stack.clone();
            let task = tokio::spawn(op(e));
            async move {
                let outcome = match task.await {
                    Ok(r) => r,
                    Err(e) => Err(format!("the task failed: {e}")),
                };
                (stack, outcome)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await
}

/// Every outcome's value; panics listing every failure.
fn all_ok<T>(what: &str, cycle: usize, outcomes: Vec<(String, Result<T, String>)>) -> Vec<T> {
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|(stack, r)| r.as_ref().err().map(|e| format!("{stack}: {e}")))
        .collect();
    assert!(
        failed.is_empty(),
        "cycle {cycle}: {} of {} {what} failed:\n{}",
        failed.len(),
        outcomes.len(),
        failed.join("\n")
    );
    outcomes.into_iter().filter_map(|(_, r)| r.ok()).collect()
}

/// A Start: its time and the Healthy (or Checked) events it reported.
async fn start(e: Env) -> Result<(Duration, usize), String> {
    let healthy = Arc::new(AtomicUsize::new(0));
    let seen = healthy.clone();
    let began = Instant::now();
    let report = tokio::time::timeout(
        OP_TIMEOUT,
        environment::start(&e.root, e.env, move |p| {
            if let Progress::Health {
                health: Health::Healthy | Health::Checked,
                ..
            } = p
            {
                seen.fetch_add(1, Ordering::Relaxed);
            }
        }),
    )
    .await
    .map_err(|_| format!("start gave no answer within {OP_TIMEOUT:?}"))?
    .map_err(|err| format!("start: {}", err.message))?;
    let took = began.elapsed();
    if report.services.len() != e.shape.services {
        return Err(format!("start reported {:?}", report.services));
    }
    // What the service cards show right after a Start.
    let ps = stack::ps(&e.stack_id)
        .await
        .map_err(|err| format!("ps: {}", err.message))?;
    let running = ps.iter().filter(|s| s.state == "running").count();
    // Ready by Docker's own check, or by EnvDeck's run of the same test while Docker still says "starting".
    let healthy_now = ps
        .iter()
        .filter(|s| matches!(s.health, Health::Healthy | Health::Checked))
        .count();
    if (ps.len(), running, healthy_now) != (e.shape.containers, e.shape.containers, e.shape.healthy) {
        return Err(format!(
            "after the start: {} containers, {running} running, {healthy_now} healthy; expected {}, all running, {} healthy: {ps:?}",
            ps.len(),
            e.shape.containers,
            e.shape.healthy
        ));
    }
    if let Some(port) = e.port {
        let page = tokio::task::spawn_blocking(move || {
            envdeck_tests::http::get(&format!("http://127.0.0.1:{port}/"))
        })
        .await
        .map_err(|err| err.to_string())?
        .map_err(|err| format!("127.0.0.1:{port} does not answer: {err}"))?;
        if page.status != 200 || !page.body.contains("envdeck-test busybox") {
            return Err(format!("127.0.0.1:{port} answered {} {}", page.status, page.body));
        }
    }
    Ok((took, healthy.load(Ordering::Relaxed)))
}

/// A Stop (volumes kept, or wiped when `wipe`): its time.
async fn stop(e: Env, wipe: bool) -> Result<Duration, String> {
    let volumes = if wipe {
        RemoveVolumes::Confirmed {
            typed_name: e.env.to_string(),
        }
    } else {
        RemoveVolumes::Keep
    };
    let began = Instant::now();
    let report = tokio::time::timeout(OP_TIMEOUT, environment::stop(&e.root, e.env, volumes, |_| {}))
        .await
        .map_err(|_| format!("stop gave no answer within {OP_TIMEOUT:?}"))?
        .map_err(|err| format!("stop: {}", err.message))?;
    let expected = if wipe { 0 } else { e.shape.containers };
    if report.containers.len() != expected {
        return Err(format!(
            "stop removed {} containers, expected {expected}: {report:?}",
            report.containers.len()
        ));
    }
    if wipe && report.volumes.len() != e.shape.volumes {
        return Err(format!("the wipe removed the volumes {:?}", report.volumes));
    }
    Ok(began.elapsed())
}

/// Our stacks' objects of one kind (`ps -a`, `network ls`, `volume ls`) carrying EnvDeck's project
/// label, counted per stack, through the docker CLI.
fn labelled(kind: &[&str], envs: &[Env]) -> BTreeMap<String, usize> {
    let mut args = kind.to_vec();
    args.extend([
        "--filter",
        "label=dev.envdeck.project",
        "--format",
        "{{.Label \"dev.envdeck.project\"}}",
    ]);
    let (ok, out) = docker(&args);
    assert!(ok, "docker {args:?}: {out}");
    let mut counts = BTreeMap::new();
    for stack in out.lines().map(str::trim) {
        if envs.iter().any(|e| e.stack == stack) {
            *counts.entry(stack.to_string()).or_insert(0) += 1;
        }
    }
    counts
}

/// After every Stop: no container or network of ours; each environment's volumes exactly once (none
/// after the wipe).
fn assert_nothing_left(envs: &[Env], cycle: usize, wiped: bool) {
    let containers = labelled(&["ps", "-a"], envs);
    assert!(
        containers.is_empty(),
        "cycle {cycle}: containers left after stop: {containers:?}"
    );
    let networks = labelled(&["network", "ls"], envs);
    assert!(
        networks.is_empty(),
        "cycle {cycle}: networks left after stop: {networks:?}"
    );
    let volumes = labelled(&["volume", "ls"], envs);
    let expected: BTreeMap<String, usize> = envs
        .iter()
        .filter(|e| !wiped && e.shape.volumes > 0)
        .map(|e| (e.stack.clone(), e.shape.volumes))
        .collect();
    assert_eq!(
        volumes, expected,
        "cycle {cycle}: volumes per stack (kept by a stop, once each; none after the wipe)"
    );
}

/// Nearest-rank percentile.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}

/// The most the last window's median may exceed the first window's: 6 MiB, or a quarter of the first
/// window if the process is ever big enough for that to be more. Measured here: a window's median
/// moves by 0.1–0.3 MiB between the first and the last window (16 MiB process), in the short form and
/// in the full 10-minute run alike, with both cores loaded by other builds (load average 15). The
/// noise is glibc keeping freed memory in its per-thread arenas and the blocking pool's threads
/// (keychain calls) coming and going; load changes when that happens, not how much, and each window's
/// median over hundreds of samples evens out the phases of a cycle. 6 MiB is 20 times the noise. A leak
/// grows with every Start instead, so the run catches a leak above this bound divided by the Starts
/// between the windows (printed as "catches leaks above"): about 300 KiB per Start in the short form,
/// about 20 KiB in the full run. A leaked file descriptor or task is caught exactly, at any size.
fn rss_bound(first: u64) -> u64 {
    RSS_SLACK_BYTES.max((first as f64 * RSS_SLACK_SHARE) as u64)
}

fn soak_duration() -> Duration {
    let secs = match std::env::var("ENVDECK_SOAK_SECS") {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("ENVDECK_SOAK_SECS must be a number of seconds, not {v:?}")),
        Err(_) => DEFAULT_SECS,
    };
    Duration::from_secs(secs)
}

/// Figures after one cycle.
#[derive(Debug)]
struct Cycle {
    number: usize,
    starts: Vec<Duration>,
    stops: Vec<Duration>,
    healthy_events: usize,
    /// How long all 20 Starts took, then all 20 Stops.
    phases: (Duration, Duration),
    held: Held,
    ended: Duration,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_environments_of_five_projects_start_and_stop_in_a_loop_leaking_nothing() {
    let asked = soak_duration();
    let page = page_size();
    let soak = Soak::new();
    let envs = soak.envs.clone();
    assert_eq!(envs.len(), 20, "20 environments of 5 projects");
    let before = settled(page).await;
    let sampler = RssSampler::start(page);
    let began = Instant::now();
    let mut cycles: Vec<Cycle> = Vec::new();
    let mut first_secrets: BTreeMap<(String, String), String> = BTreeMap::new();

    while cycles.len() < MIN_CYCLES || began.elapsed() < asked {
        let number = cycles.len() + 1;
        sampler.cycle.store(number, Ordering::Relaxed);
        let phase_began = Instant::now();
        let started = all_ok("starts", number, phase(&envs, start).await);
        let starts_took = phase_began.elapsed();
        if number == 1 {
            for e in &envs {
                for name in &e.secrets {
                    let value = secrets::reveal(&e.project, e.env, name)
                        .await
                        .unwrap_or_else(|err| {
                            panic!("{} {name} after the first start: {}", e.stack, err.message)
                        })
                        .value;
                    first_secrets.insert((e.stack.clone(), name.clone()), value);
                }
            }
        }
        let phase_began = Instant::now();
        let stops = all_ok("stops", number, phase(&envs, |e| stop(e, false)).await);
        let stops_took = phase_began.elapsed();
        assert_nothing_left(&envs, number, false);
        let held = settled(page).await;
        cycles.push(Cycle {
            number,
            starts: started.iter().map(|(t, _)| *t).collect(),
            stops,
            healthy_events: started.iter().map(|(_, h)| h).sum(),
            phases: (starts_took, stops_took),
            held,
            ended: began.elapsed(),
        });
    }
    let loop_took = began.elapsed();
    sampler.cycle.store(usize::MAX, Ordering::Relaxed);

    // "Wipe data" on every environment: the volumes kept through the loop go too.
    all_ok("wipes", cycles.len() + 1, phase(&envs, |e| stop(e, true)).await);
    assert_nothing_left(&envs, cycles.len() + 1, true);
    let after = settled(page).await;
    let samples = sampler.finish();

    // The windows: a fifth of the cycles each (at least one); the first fifth is the warm-up.
    let n = cycles.len();
    let w = (n / 5).max(1);
    let window = |from: usize, to: usize| -> Vec<u64> {
        samples
            .iter()
            .filter(|(c, _)| (from..=to).contains(c))
            .map(|(_, r)| *r)
            .collect()
    };
    let (first_from, first_to) = (w + 1, 2 * w);
    let (last_from, last_to) = (n - w + 1, n);
    let (first, last) = (window(first_from, first_to), window(last_from, last_to));
    let (first_rss, last_rss) = (median(first.clone()), median(last.clone()));
    let bound = rss_bound(first_rss);
    let starts_between = (first_to + 1..=last_to).count() * envs.len();
    let warm = cycles[w - 1].held;

    let mut all_starts: Vec<Duration> = cycles.iter().flat_map(|c| c.starts.clone()).collect();
    all_starts.sort();
    let mut all_stops: Vec<Duration> = cycles.iter().flat_map(|c| c.stops.clone()).collect();
    all_stops.sort();
    let max_tasks = cycles.iter().map(|c| c.held.tasks).max().unwrap_or(0);
    let max_fds = cycles
        .iter()
        .skip(w)
        .map(|c| c.held.fds)
        .max()
        .unwrap_or(warm.fds);

    let mut table = String::new();
    table.push_str(&format!(
        "\nsoak: {n} cycles in {:.0} s (asked {} s; ENVDECK_SOAK_SECS), 20 environments of 5 projects, {CONCURRENCY} at a time\n\
         | cycle | ended | 20 starts | start p50 | start p95 | 20 stops | stop p50 | healthy events | fds | tasks | threads | RSS MiB |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n",
        loop_took.as_secs_f64(),
        asked.as_secs()
    ));
    for c in &cycles {
        let mut s = c.starts.clone();
        s.sort();
        let mut t = c.stops.clone();
        t.sort();
        table.push_str(&format!(
            "| {} | {:.0} s | {:.1} s | {:.2} s | {:.2} s | {:.1} s | {:.2} s | {} | {} | {} | {} | {:.1} |\n",
            c.number,
            c.ended.as_secs_f64(),
            c.phases.0.as_secs_f64(),
            percentile(&s, 50).as_secs_f64(),
            percentile(&s, 95).as_secs_f64(),
            c.phases.1.as_secs_f64(),
            percentile(&t, 50).as_secs_f64(),
            c.healthy_events,
            c.held.fds,
            c.held.tasks,
            c.held.threads,
            mib(c.held.rss)
        ));
    }
    table.push_str(&format!(
        "\n| figure | value |\n|---|---|\n\
         | cycles | {n} ({:.0} s) |\n\
         | starts / stops | {} / {} (+ {} wipes) |\n\
         | start p50 / p95 | {:.2} s / {:.2} s |\n\
         | stop p50 / p95 | {:.2} s / {:.2} s |\n\
         | fds: before / after warm-up / max after a later cycle / end | {} / {} / {} / {} (allowed: before or warm-up + {FD_SLACK}) |\n\
         | tokio alive tasks: before / max after a cycle / end | {} / {} / {} (allowed: 0) |\n\
         | threads: before / end | {} / {} |\n\
         | RSS: before / end | {:.1} / {:.1} MiB |\n\
         | RSS first window (cycles {first_from}-{first_to}, {} samples): median / max | {:.1} / {:.1} MiB |\n\
         | RSS last window (cycles {last_from}-{last_to}, {} samples): median / max | {:.1} / {:.1} MiB |\n\
         | RSS growth, last - first median | {:+.1} MiB (allowed: {:.1} MiB; catches leaks above {:.0} KiB per start over {} starts) |\n",
        loop_took.as_secs_f64(),
        all_starts.len(),
        all_stops.len(),
        envs.len(),
        percentile(&all_starts, 50).as_secs_f64(),
        percentile(&all_starts, 95).as_secs_f64(),
        percentile(&all_stops, 50).as_secs_f64(),
        percentile(&all_stops, 95).as_secs_f64(),
        before.fds,
        warm.fds,
        max_fds,
        after.fds,
        before.tasks,
        max_tasks,
        after.tasks,
        before.threads,
        after.threads,
        mib(before.rss),
        mib(after.rss),
        first.len(),
        mib(first_rss),
        mib(first.iter().copied().max().unwrap_or(0)),
        last.len(),
        mib(last_rss),
        mib(last.iter().copied().max().unwrap_or(0)),
        (mib(last_rss) - mib(first_rss)),
        mib(bound),
        (bound as f64 / 1024.0) / starts_between.max(1) as f64,
        starts_between
    ));
    let _ = std::io::stderr().write_all(table.as_bytes());

    // Every secret of every environment is the one the first Start generated: none regenerated.
    for e in &envs {
        for name in &e.secrets {
            let now = secrets::reveal(&e.project, e.env, name)
                .await
                .unwrap_or_else(|err| panic!("{} {name} at the end: {}", e.stack, err.message))
                .value;
            assert!(
                first_secrets.get(&(e.stack.clone(), name.clone())) == Some(&now),
                "{} {name} changed during the soak: a Start regenerated a stored secret",
                e.stack
            );
        }
    }
    // What is not ours came through untouched.
    for s in &soak.sentinels {
        assert_eq!(
            sentinel_state(&s.name),
            s.started_at,
            "the foreign container {} (compose's labels for our stack, not EnvDeck's) was stopped or restarted",
            s.name
        );
        assert!(
            docker(&["network", "inspect", &s.name]).0,
            "the foreign network {} survives",
            s.name
        );
        assert!(
            docker(&["volume", "inspect", &s.name]).0,
            "the foreign volume {} survives every stop and the wipe",
            s.name
        );
    }
    assert!(
        cycles.iter().all(|c| c.healthy_events > 0),
        "every cycle's Starts reported health changes: health gating ran"
    );
    assert!(
        max_fds <= warm.fds + FD_SLACK
            && after.fds <= warm.fds + FD_SLACK
            && after.fds <= before.fds + FD_SLACK,
        "file descriptors grew: {} before, {} after the warm-up, up to {max_fds} after a later cycle, {} at the end",
        before.fds,
        warm.fds,
        after.fds
    );
    assert!(
        max_tasks == 0 && after.tasks == 0,
        "tokio tasks outlived their Start or Stop: up to {max_tasks} alive after a cycle, {} at the end",
        after.tasks
    );
    assert!(
        last_rss <= first_rss + bound,
        "resident memory grew by {:.1} MiB from the first window to the last (allowed {:.1} MiB)",
        mib(last_rss.saturating_sub(first_rss)),
        mib(bound)
    );
}
