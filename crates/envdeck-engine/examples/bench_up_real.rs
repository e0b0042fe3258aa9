//! Benchmark (not a test): time from "start" to "every service ready" on a stack shaped like the seeds'
//! (a database probed every 10 s, an API every 30 s with a 40 s start period, a worker gated on the API,
//! a mail catcher), EnvDeck's `up` against Docker Compose v2's `up -d --wait`, side by side in one run.
//! Both read the same compose file. EnvDeck is ready when each Service's own healthcheck test passes
//! (run by EnvDeck while Docker still says "starting"); compose waits for Docker's own checks.
//!
//! Run: scripts/bench.sh up-real   (or, with an engine and the test images:
//!      cargo run --release -p envdeck-engine --example bench_up_real -- COMPOSE_V2_BINARY [ROUNDS])

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use envdeck_core::compose::{LoadOptions, Variables, load};
use envdeck_core::progress::{Health, Progress};
use envdeck_engine::{Engine, RemoveVolumes, StackId};

const COMPOSE_YAML: &str = r#"services:
  db:
    image: envdeck-test/postgres:15
    environment: {POSTGRES_USER: app, POSTGRES_PASSWORD: pw, POSTGRES_DB: appdb}
    volumes: ["data:/var/lib/postgresql/data"]
    healthcheck: {test: ["CMD-SHELL", "pg_isready -U app -d appdb"], interval: 10s, timeout: 5s, retries: 5}
  api:
    image: envdeck-test/python:3.11
    command: ["python3", "-m", "http.server", "8000"]
    depends_on: {db: {condition: service_healthy}}
    healthcheck:
      test: ["CMD", "python3", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/')"]
      interval: 30s
      timeout: 10s
      retries: 3
      start_period: 40s
  worker:
    image: envdeck-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
    depends_on: {api: {condition: service_healthy}}
  mailhog:
    image: envdeck-test/mailcatcher:1
    ports: ["127.0.0.1::8025"]
volumes:
  data: {}
"#;

fn sh(cmd: &Path, args: &[&str]) {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", cmd.display()));
    assert!(
        out.status.success(),
        "{} {args:?} failed: {}",
        cmd.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn compose_round(compose: &Path, file: &Path, project: &str) -> f64 {
    let file = file.to_string_lossy();
    let start = Instant::now();
    sh(compose, &["-p", project, "-f", &file, "up", "-d", "--wait"]);
    let took = start.elapsed().as_secs_f64();
    sh(compose, &["-p", project, "-f", &file, "down", "-v", "-t", "1"]);
    took
}

/// One EnvDeck round: up to ready, and when each Service was ready by its own test (Docker: "starting").
async fn envdeck_round(engine: &Engine, file: &Path, project: &str) -> (f64, Vec<(String, f64)>) {
    let options = LoadOptions {
        files: vec![file.to_path_buf()],
        project_dir: None,
        project_name: Some(project.into()),
        profiles: vec![],
    };
    let model = load(&options, &Variables::new()).expect("the benchmark's compose file loads");
    let stack = StackId::new(project, format!("bench-{project}"), "bench");
    let start = Instant::now();
    let checked: Arc<std::sync::Mutex<Vec<(String, f64)>>> = Arc::default();
    let record = checked.clone();
    let sink = Arc::new(move |p: Progress| {
        if let Progress::Health {
            service,
            health: Health::Checked,
            ..
        } = p
            && let Ok(mut v) = record.lock()
        {
            v.push((service, start.elapsed().as_secs_f64()));
        }
    });
    engine
        .up(&stack, &model, sink)
        .await
        .expect("EnvDeck's up succeeds");
    let took = start.elapsed().as_secs_f64();
    let wipe = RemoveVolumes::Confirmed {
        typed_name: "bench".into(),
    };
    engine
        .down(&stack, wipe, Arc::new(|_| {}))
        .await
        .expect("down succeeds");
    let checked = checked.lock().map(|v| v.clone()).unwrap_or_default();
    (took, checked)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let compose = PathBuf::from(
        args.next()
            .expect("the Docker Compose v2 binary (scripts/compose-v2.sh)"),
    );
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let engine = Engine::connect()
        .await
        .expect("a Docker engine (scripts/docker-engine.sh)");
    let dir = std::env::temp_dir().join(format!("envdeck-bench-real-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let file = dir.join("compose.yaml");
    std::fs::write(&file, COMPOSE_YAML).expect("the compose file is written");
    let (mut c_tot, mut e_tot) = (0.0, 0.0);
    for round in 0..rounds {
        let id = std::process::id();
        let ct = compose_round(&compose, &file, &format!("edrealc{round}{id}"));
        let (et, checked) = envdeck_round(&engine, &file, &format!("edreale{round}{id}")).await;
        let checked: Vec<String> = checked.iter().map(|(s, t)| format!("{s} {t:.2}s")).collect();
        println!(
            "round {round}: docker compose v2 {ct:.2}s | EnvDeck {et:.2}s (ready by its own test: {})",
            checked.join(", ")
        );
        c_tot += ct;
        e_tot += et;
    }
    let n = rounds as f64;
    println!(
        "mean up-to-ready, seed-shaped stack: docker compose v2 {:.2}s, EnvDeck {:.2}s, ratio EnvDeck/compose {:.2} (target: <= 0.25)",
        c_tot / n,
        e_tot / n,
        e_tot / c_tot
    );
    let _ = std::fs::remove_dir_all(&dir);
}
