//! Benchmark (not a test) of `envdeck watch`: the time from a file saved under a `develop.watch` path to
//! the same bytes in the running container, over 50 saves (target: under 1 s). The time is taken when
//! the watch says the copy finished (the Engine API's upload returned, so the file is in place), and the
//! last save's content is then read back with `docker exec` to check it. Run it with
//! `scripts/bench.sh watch`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SAVES: usize = 50;

fn cli() -> PathBuf {
    std::env::var_os("ENVDECK_CLI_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
            target.join("release/envdeck")
        })
}

fn envdeck(dir: &Path) -> Command {
    let mut cmd = Command::new(cli());
    cmd.arg("--project").arg(dir);
    cmd
}

fn main() {
    let parent = tempfile::tempdir().expect("a scratch folder");
    let dir = parent
        .path()
        .join(format!("edt-bench-watch-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).expect("the project folder");
    std::fs::write(
        dir.join("docker-compose.yml"),
        r#"services:
  app:
    image: envdeck-test/busybox:1
    command: ["sh", "-c", "mkdir -p /app; trap 'exit 0' TERM; while true; do sleep 0.2; done"]
    develop:
      watch:
        - action: sync
          path: ./src
          target: /app
"#,
    )
    .expect("compose file");
    std::fs::write(dir.join("docker-compose.local.yml"), "services: {}\n").expect("overlay");
    let up = envdeck(&dir)
        .args(["up", "local"])
        .output()
        .expect("envdeck runs");
    assert!(up.status.success(), "up: {}", String::from_utf8_lossy(&up.stderr));
    let mut watch = envdeck(&dir)
        .args(["watch", "local"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("envdeck watch runs");
    let mut said = BufReader::new(watch.stdout.take().expect("stdout")).lines();
    said.next().expect("watching").expect("a line");

    let mut times = Vec::with_capacity(SAVES);
    for i in 0..SAVES {
        // A pause between saves, as between a person's edits: each save is its own burst.
        std::thread::sleep(Duration::from_millis(150));
        let saved = Instant::now();
        std::fs::write(dir.join("src/main.py"), format!("print({i})\n")).expect("save");
        loop {
            let line = said.next().expect("the watch goes on").expect("a line");
            if line.starts_with("app: synced ") {
                break;
            }
        }
        times.push(saved.elapsed());
    }
    let _ = watch.kill();
    let _ = watch.wait();
    let ps = envdeck(&dir)
        .args(["ps", "local", "--format", "json"])
        .output()
        .expect("envdeck runs");
    let ps: serde_json::Value = serde_json::from_slice(&ps.stdout).expect("ps prints JSON");
    let container = ps[0]["container"]
        .as_str()
        .expect("the app's container")
        .to_owned();
    let last = Command::new("docker")
        .args(["exec", &container, "cat", "/app/main.py"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .ok();
    let down = envdeck(&dir)
        .args(["down", "local"])
        .output()
        .expect("envdeck runs");
    assert!(
        down.status.success(),
        "down: {}",
        String::from_utf8_lossy(&down.stderr)
    );

    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "envdeck watch, save to file in the container over {SAVES} saves: median {:.0} ms, worst {:.0} ms, best {:.0} ms (target: under 1000 ms)",
        ms(times[SAVES / 2]),
        ms(times[SAVES - 1]),
        ms(times[0]),
    );
    if let Some(last) = last {
        assert_eq!(
            last,
            format!("print({})\n", SAVES - 1),
            "the last save is what the container has"
        );
        println!("the container holds the last save: {}", last.trim());
    }
}
