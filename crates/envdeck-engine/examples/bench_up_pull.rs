//! Benchmark (not a test): a first Start, when one Service's image is not on this machine yet. EnvDeck
//! creates and starts the Services whose images are here while the missing one is pulled; Docker Compose
//! v2's `up -d --wait` pulls first, then creates. Side by side in one run: before each round the image is
//! removed, and both pull it from the same registry on 127.0.0.1 at the same speed
//! (`envdeck_tests::registry`: Docker's own pull code over HTTP).
//!
//! Run: scripts/bench.sh up-pull   (or, with an engine and the test images:
//!      cargo run --release -p envdeck-engine --example bench_up_pull -- COMPOSE_V2_BINARY [ROUNDS])

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use envdeck_core::compose::{LoadOptions, Variables, load};
use envdeck_core::plan::Step;
use envdeck_core::progress::{Health, Progress};
use envdeck_engine::{Engine, RemoveVolumes, StackId};
use envdeck_tests::registry::TestRegistry;

/// The layer to pull: 24 MiB at 8 MiB/s, about 3 s.
const LAYER: usize = 24 << 20;
const SPEED: usize = 8 << 20;

fn compose_yaml(pulled: &str) -> String {
    format!(
        r#"services:
  db:
    image: envdeck-test/postgres:15
    environment: {{POSTGRES_USER: app, POSTGRES_PASSWORD: pw, POSTGRES_DB: appdb}}
    healthcheck: {{test: ["CMD-SHELL", "pg_isready -U app -d appdb"], interval: 1s, timeout: 5s, retries: 30}}
  api:
    image: {pulled}
    depends_on: {{db: {{condition: service_healthy}}}}
    stop_grace_period: 1s
  mailhog:
    image: envdeck-test/mailcatcher:1
    ports: ["127.0.0.1::8025"]
"#
    )
}

fn run(cmd: &Path, args: &[&str]) {
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

/// The image goes, so the next round pulls it again (its layer too: no other image shares it).
fn forget(image: &str) {
    let _ = Command::new("docker").args(["rmi", "-f", image]).output();
}

fn compose_round(compose: &Path, file: &Path, project: &str) -> f64 {
    let file = file.to_string_lossy();
    let start = Instant::now();
    run(compose, &["-p", project, "-f", &file, "up", "-d", "--wait"]);
    let took = start.elapsed().as_secs_f64();
    run(compose, &["-p", project, "-f", &file, "down", "-v", "-t", "1"]);
    took
}

/// When things happened in one EnvDeck round, in seconds from the start.
#[derive(Default)]
struct Timeline {
    pull_started: f64,
    pull_ended: f64,
    db_ready: f64,
    mailhog_started: f64,
    api_started: f64,
}

async fn envdeck_round(engine: &Engine, file: &Path, project: &str, pulled: &str) -> (f64, Timeline) {
    let options = LoadOptions {
        files: vec![file.to_path_buf()],
        project_dir: None,
        project_name: Some(project.into()),
        profiles: vec![],
    };
    let model = load(&options, &Variables::new()).expect("the benchmark's compose file loads");
    let stack = StackId::new(project, format!("bench-{project}"), "bench");
    let start = Instant::now();
    let timeline: Arc<Mutex<Timeline>> = Arc::default();
    let (record, pulled) = (timeline.clone(), pulled.to_string());
    let sink = Arc::new(move |p: Progress| {
        let now = start.elapsed().as_secs_f64();
        let Ok(mut t) = record.lock() else { return };
        match p {
            Progress::StepStarted {
                step: Step::Image { image, .. },
            } if image == pulled => t.pull_started = now,
            Progress::StepFinished {
                step: Step::Image { image, .. },
                ..
            } if image == pulled => t.pull_ended = now,
            Progress::Health {
                service,
                health: Health::Checked | Health::Healthy,
                ..
            } if service == "db" && t.db_ready == 0.0 => t.db_ready = now,
            Progress::StepFinished {
                step: Step::Service { service },
                ..
            } => match service.as_str() {
                "mailhog" => t.mailhog_started = now,
                "api" => t.api_started = now,
                _ => {}
            },
            _ => {}
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
    let timeline = std::mem::take(&mut *timeline.lock().expect("the timeline"));
    (took, timeline)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let compose = PathBuf::from(
        args.next()
            .expect("the Docker Compose v2 binary (scripts/compose-v2.sh)"),
    );
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let engine = Engine::connect()
        .await
        .expect("a Docker engine (scripts/docker-engine.sh)");
    let registry = TestRegistry::start(LAYER, SPEED);
    let dir = std::env::temp_dir().join(format!("envdeck-bench-pull-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let file = dir.join("compose.yaml");
    std::fs::write(&file, compose_yaml(&registry.image)).expect("the compose file is written");
    println!(
        "the api's image: {} MiB from a registry on 127.0.0.1 at {} MiB/s; db (health every 1 s) and mailhog are here",
        registry.layer_size >> 20,
        SPEED >> 20
    );
    let (mut c_tot, mut e_tot) = (0.0, 0.0);
    for round in 0..rounds {
        let id = std::process::id();
        forget(&registry.image);
        let ct = compose_round(&compose, &file, &format!("edpullc{round}{id}"));
        forget(&registry.image);
        let (et, t) = envdeck_round(&engine, &file, &format!("edpulle{round}{id}"), &registry.image).await;
        println!(
            "round {round}: docker compose v2 {ct:.2}s | EnvDeck {et:.2}s (pull {:.2}s to {:.2}s; meanwhile mailhog \
             started at {:.2}s and db ready at {:.2}s; api started at {:.2}s)",
            t.pull_started, t.pull_ended, t.mailhog_started, t.db_ready, t.api_started
        );
        c_tot += ct;
        e_tot += et;
    }
    forget(&registry.image);
    let n = rounds as f64;
    println!(
        "mean first Start with one image to pull: docker compose v2 {:.2}s, EnvDeck {:.2}s, ratio EnvDeck/compose {:.2}",
        c_tot / n,
        e_tot / n,
        e_tot / c_tot
    );
    let _ = std::fs::remove_dir_all(&dir);
}
