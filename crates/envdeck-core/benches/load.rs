//! How long resolving a 50-service project with 3 overlays takes (target: under 20 ms). Prints the median
//! of many runs; a benchmark, not a timed test, so a slow CI machine does not fail the build.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use envdeck_core::compose::{Layer, LoadOptions, Variables, load};

const SERVICES: usize = 50;
const RUNS: usize = 51;

fn main() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("a temporary folder: {e}"));
    let mut base =
        String::from("x-common: &common\n  restart: unless-stopped\n  labels: {team: core}\nservices:\n");
    for i in 0..SERVICES {
        let dep = if i > 0 {
            format!(
                "    depends_on:\n      s{}:\n        condition: service_healthy\n",
                i - 1
            )
        } else {
            String::new()
        };
        let _ = write!(
            base,
            "  s{i}:\n    <<: *common\n    image: \"registry/s{i}:${{TAG:-latest}}\"\n    environment:\n      URL: postgresql://u:${{PW}}@db/s{i}\n      MODE: base\n    ports: [\"127.0.0.1:{}:80\"]\n    volumes: [\"./s{i}:/app\", \"data{i}:/data\"]\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 10s\n{dep}",
            10000 + i
        );
    }
    base.push_str("volumes:\n");
    for i in 0..SERVICES {
        let _ = writeln!(base, "  data{i}:");
    }
    let mut files = vec![dir.path().join("docker-compose.yml")];
    std::fs::write(&files[0], base).unwrap_or_else(|e| panic!("write: {e}"));
    for overlay in ["a", "b", "c"] {
        let mut text = String::from("services:\n");
        for i in (0..SERVICES).step_by(2) {
            let _ = write!(
                text,
                "  s{i}:\n    environment:\n      MODE: {overlay}\n    command: run --mode {overlay}\n"
            );
        }
        let path = dir.path().join(format!("docker-compose.{overlay}.yml"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write: {e}"));
        files.push(path);
    }
    let vars = Variables::new().with(Layer::new("bench", [("PW".to_string(), "secret".to_string())]));
    let options = LoadOptions {
        files,
        ..LoadOptions::default()
    };
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let model = load(&options, &vars).unwrap_or_else(|e| panic!("the bench project loads: {e}"));
            assert_eq!(model.services.len(), SERVICES);
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "load: {SERVICES} services, 1 base + 3 overlays: median {:.2} ms (min {:.2} ms, max {:.2} ms, {RUNS} runs; target < 20 ms)",
        times[RUNS / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[RUNS - 1].as_secs_f64() * 1e3
    );
}
