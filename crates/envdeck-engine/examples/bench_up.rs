//! Benchmark (not a test): time from "start" to "every service healthy" for the same 4-service stack,
//! EnvDeck's `up` against `docker-compose up -d` plus waiting for health, and EnvDeck's overhead above
//! the stack's own critical path (as Docker's timestamps measure it). Prints ratios from one run.
//!
//! Run: scripts/docker-engine.sh && scripts/test-images.sh &&
//!      cargo run --release -p envdeck-engine --example bench_up [-- ROUNDS]

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use envdeck_core::compose::{
    ComposeDuration, ComposeModel, Condition, Dependency, Healthcheck, Mount, MountType, Service, Volume,
};
use envdeck_engine::{Engine, RemoveVolumes};

const COMPOSE_YAML: &str = r#"version: "3.8"
services:
  db:
    image: envdeck-test/postgres:15
    environment: {POSTGRES_USER: app, POSTGRES_PASSWORD: pw, POSTGRES_DB: appdb}
    volumes: ["data:/var/lib/postgresql/data"]
    healthcheck: {test: ["CMD-SHELL", "pg_isready -U app -d appdb"], interval: 1s, timeout: 2s, retries: 30}
  client:
    image: envdeck-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
    depends_on: {db: {condition: service_healthy}}
  web1: &web
    image: envdeck-test/busybox:1
    command: ["httpd", "-f", "-p", "80", "-h", "/www"]
    stop_grace_period: 1s
    healthcheck: {test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"], interval: 1s, timeout: 2s, retries: 5}
  web2: *web
volumes:
  data: {}
"#;

fn d(s: f64) -> Option<ComposeDuration> {
    Some(ComposeDuration(Duration::from_secs_f64(s)))
}

fn health(test: &[&str], retries: u64) -> Option<Healthcheck> {
    Some(Healthcheck {
        test: test.iter().map(|s| s.to_string()).collect(),
        interval: d(1.0),
        timeout: d(2.0),
        retries: Some(retries),
        ..Healthcheck::default()
    })
}

/// The same stack as COMPOSE_YAML, as the loader would resolve it.
fn model(project: &str) -> ComposeModel {
    let strings = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let env = [
        ("POSTGRES_USER", "app"),
        ("POSTGRES_PASSWORD", "pw"),
        ("POSTGRES_DB", "appdb"),
    ];
    let db = Service {
        image: Some("envdeck-test/postgres:15".into()),
        environment: env
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect(),
        volumes: vec![Mount {
            kind: MountType::Volume,
            source: Some("data".into()),
            target: "/var/lib/postgresql/data".into(),
            read_only: false,
            bind: None,
        }],
        healthcheck: health(&["CMD-SHELL", "pg_isready -U app -d appdb"], 30),
        ..Service::default()
    };
    let client = Service {
        image: Some("envdeck-test/busybox:1".into()),
        command: strings(&["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]),
        depends_on: BTreeMap::from([(
            "db".to_string(),
            Dependency {
                condition: Condition::ServiceHealthy,
                restart: false,
                required: true,
            },
        )]),
        ..Service::default()
    };
    let web = Service {
        image: Some("envdeck-test/busybox:1".into()),
        command: strings(&["httpd", "-f", "-p", "80", "-h", "/www"]),
        stop_grace_period: d(1.0),
        healthcheck: health(&["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"], 5),
        ..Service::default()
    };
    ComposeModel {
        name: project.to_string(),
        services: BTreeMap::from([
            ("db".into(), db),
            ("client".into(), client),
            ("web1".into(), web.clone()),
            ("web2".into(), web),
        ]),
        networks: BTreeMap::new(),
        volumes: BTreeMap::from([(
            "data".to_string(),
            Volume {
                name: format!("{project}_data"),
                ..Volume::default()
            },
        )]),
        warnings: vec![],
    }
}

fn sh(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} runs: {e}"));
    if !out.status.success() {
        panic!("{cmd} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Seconds since the epoch of an RFC 3339 timestamp as Docker prints it (UTC, nanoseconds).
fn epoch(ts: &str) -> f64 {
    let (date, time) = ts.split_once('T').unwrap_or((ts, "00:00:00Z"));
    let mut ymd = date.split('-').map(|p| p.parse::<i64>().unwrap_or(0));
    let (y, m, dd) = (
        ymd.next().unwrap_or(1970),
        ymd.next().unwrap_or(1),
        ymd.next().unwrap_or(1),
    );
    // Days from the civil date (H. Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + dd - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let time = time.trim_end_matches('Z');
    let mut hms = time.split(':');
    let h: f64 = hms.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let mi: f64 = hms.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let s: f64 = hms.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    days as f64 * 86_400.0 + h * 3600.0 + mi * 60.0 + s
}

/// (started, ready) of a container from Docker's own records: ready is the end of its first passing
/// healthcheck, or its start when it has none.
fn started_ready(container: &str) -> (f64, f64) {
    let started = epoch(sh("docker", &["inspect", "-f", "{{.State.StartedAt}}", container]).trim());
    let log = sh(
        "docker",
        &[
            "inspect",
            "-f",
            "{{if .State.Health}}{{range .State.Health.Log}}{{.ExitCode}} {{.End.UTC.Format \"2006-01-02T15:04:05.999999999Z\"}}\n{{end}}{{end}}",
            container,
        ],
    );
    let ready = log
        .lines()
        .filter_map(|l| l.split_once(' '))
        .find(|(code, _)| *code == "0")
        .map(|(_, end)| epoch(end.trim()))
        .unwrap_or(started);
    (started, ready)
}

/// The stack's critical path: db's own start-to-healthy, then the client; the webs run beside it.
fn critical_path(project: &str, sep: &str) -> f64 {
    let own = |s: &str| {
        let (a, b) = started_ready(&format!("{project}{sep}{s}{sep}1"));
        b - a
    };
    let chain = own("db") + own("client");
    chain.max(own("web1")).max(own("web2"))
}

fn all_healthy(project: &str) -> bool {
    let out = sh(
        "docker",
        &[
            "ps",
            "--filter",
            &format!("label=com.docker.compose.project={project}"),
            "--format",
            "{{.Status}}",
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    lines.len() == 4 && lines.iter().filter(|l| l.contains("(healthy)")).count() == 3
}

fn compose_round(dir: &std::path::Path, project: &str) -> (f64, f64) {
    let file = dir.join("docker-compose.yml");
    let file = file.to_string_lossy();
    let start = Instant::now();
    sh("docker-compose", &["-p", project, "-f", &file, "up", "-d"]);
    // The harness polls here (50 ms) because docker-compose 1.29 has no `--wait`.
    while !all_healthy(project) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let total = start.elapsed().as_secs_f64();
    let critical = critical_path(project, "_");
    sh(
        "docker-compose",
        &["-p", project, "-f", &file, "down", "-v", "-t", "1"],
    );
    (total, critical)
}

/// One EnvDeck round: (up to healthy, critical path, Docker's work on the chain db → client: the set-up
/// before db's start call (network, volume, container create) plus the container-start calls (runc,
/// network namespace)). That is work any client waits for; what remains above the critical path is
/// EnvDeck's own (events, scheduling).
async fn envdeck_round(engine: &Engine, project: &str) -> (f64, f64, f64) {
    use envdeck_core::plan::Step;
    use envdeck_core::progress::Progress;
    let model = model(project);
    let stack = envdeck_engine::StackId::new(project, format!("bench-{project}"), "bench");
    let start = Instant::now();
    let verbose = std::env::var_os("BENCH_STEPS").is_some();
    let starts: Arc<std::sync::Mutex<BTreeMap<String, (f64, f64)>>> = Arc::default();
    let record = starts.clone();
    let sink = Arc::new(move |p: Progress| {
        let now = start.elapsed().as_secs_f64();
        if verbose {
            println!("  {now:>6.3}s {p:?}");
        }
        let mut starts = record.lock().expect("the timings lock");
        match p {
            Progress::StepStarted {
                step: Step::Service { service },
            } => {
                starts.insert(service, (now, now));
            }
            Progress::StepFinished {
                step: Step::Service { service },
                ..
            } => {
                if let Some(span) = starts.get_mut(&service) {
                    span.1 = now;
                }
            }
            _ => {}
        }
    });
    engine
        .up(&stack, &model, sink)
        .await
        .expect("EnvDeck's up succeeds");
    let total = start.elapsed().as_secs_f64();
    let critical = critical_path(project, "-");
    let docker_starts: f64 = {
        let starts = starts.lock().expect("the timings lock");
        ["db", "client"]
            .iter()
            .filter_map(|s| starts.get(*s))
            .map(|(a, b)| b - a)
            .sum::<f64>()
            + starts.get("db").map_or(0.0, |(a, _)| *a)
    };
    let wipe = RemoveVolumes::Confirmed {
        typed_name: "bench".into(),
    };
    engine
        .down(&stack, wipe, Arc::new(|_| {}))
        .await
        .expect("down succeeds");
    (total, critical, docker_starts)
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let engine = Engine::connect()
        .await
        .expect("a Docker engine (scripts/docker-engine.sh)");
    let dir = std::env::temp_dir().join(format!("envdeck-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    std::fs::write(dir.join("docker-compose.yml"), COMPOSE_YAML).expect("the compose file is written");
    let (mut c_tot, mut e_tot, mut e_over, mut c_over, mut e_own, mut e_crit) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for round in 0..rounds {
        let (ct, cc) = compose_round(&dir, &format!("edbenchc{round}{}", std::process::id()));
        let (et, ec, es) = envdeck_round(&engine, &format!("edbenche{round}{}", std::process::id())).await;
        println!(
            "round {round}: docker-compose {ct:.2}s (critical path {cc:.2}s) | EnvDeck {et:.2}s (critical path {ec:.2}s, Docker's create/start work on it {es:.2}s)"
        );
        c_tot += ct;
        e_tot += et;
        c_over += ct - cc;
        e_over += et - ec;
        e_own += et - ec - es;
        e_crit += ec;
    }
    let n = rounds as f64;
    println!(
        "mean up-to-healthy: docker-compose {:.2}s, EnvDeck {:.2}s, ratio EnvDeck/compose {:.2}",
        c_tot / n,
        e_tot / n,
        e_tot / c_tot
    );
    println!(
        "mean overhead above the critical path: docker-compose {:.2}s, EnvDeck {:.2}s",
        c_over / n,
        e_over / n
    );
    println!(
        "EnvDeck's overhead: {:.2}s = {:.0}% of the critical path; without Docker's own work on the chain \
         (network and container create, container starts: any client waits for it): {:.2}s = {:.0}% (target: within 10%)",
        e_over / n,
        100.0 * e_over / e_crit,
        e_own / n,
        100.0 * e_own / e_crit
    );
    let _ = std::fs::remove_dir_all(&dir);
}
