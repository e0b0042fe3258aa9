//! Test images standing in for official ones, under the official names, for one test run only.
//!
//! No image registry is reachable where the tests run, so scripts/test-images.sh builds stand-ins
//! (`envdeck-test/*`). A test that runs a project as it is written (the built-in sample names
//! `postgres:16-alpine`, `mailhog/mailhog`, `python:3.11-slim` in its Dockerfile) tags them with those
//! names while it runs and removes the tags afterwards, so no daemon is left believing a stand-in is
//! PostgreSQL 16. A real image already present is used as it is and never touched.
//!
//! The names and ports involved are machine-wide, so such tests also hold [`exclusive`] while they run.

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

/// Official names tagged onto stand-ins by this guard; the tags go when it is dropped.
#[derive(Debug)]
pub struct StandIns {
    tagged: Vec<(String, String)>,
}

/// `(id, stand-in label)` of an image, or `None` when the engine does not have it.
fn inspect(image: &str) -> Option<(String, String)> {
    // JSON: `index` on an image without labels (a `docker import`) is a template error.
    let out = Command::new("docker")
        .args([
            "image",
            "inspect",
            "--format",
            "{{json .Id}} {{json .Config.Labels}}",
            image,
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let (id, labels) = text.trim().split_once(' ')?;
    let id: String = serde_json::from_str(id).ok()?;
    let labels: serde_json::Value = serde_json::from_str(labels).unwrap_or_default();
    let label = labels["dev.envdeck.stand-in"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    Some((id, label))
}

impl StandIns {
    /// For each `(stand-in, official)` pair: tags the stand-in as `official` unless a real image of
    /// that name is present. A tag left by an earlier, interrupted run (same id as the stand-in, or a
    /// stand-in label) counts as ours. Panics when a stand-in is missing: scripts/test-images.sh builds them.
    pub fn tag(pairs: &[(&str, &str)]) -> StandIns {
        let mut guard = StandIns { tagged: Vec::new() };
        for &(stand_in, official) in pairs {
            let (stand_in_id, _) = inspect(stand_in).unwrap_or_else(|| {
                panic!("the test image {stand_in} is missing: run scripts/test-images.sh")
            });
            let real =
                matches!(inspect(official), Some((id, label)) if id != stand_in_id && label.is_empty());
            if real {
                eprintln!("using the real {official} already on this engine (not the stand-in {stand_in})");
                continue;
            }
            let out = Command::new("docker")
                .args(["tag", stand_in, official])
                .output()
                .unwrap_or_else(|e| panic!("docker runs: {e}"));
            assert!(
                out.status.success(),
                "docker tag {stand_in} {official}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            guard.tagged.push((stand_in.to_string(), official.to_string()));
        }
        guard
    }
}

impl Drop for StandIns {
    fn drop(&mut self) {
        for (stand_in, official) in &self.tagged {
            // Only a tag still pointing at the stand-in goes; `rmi` of one of an image's several tags
            // removes that tag alone, the stand-in keeps its own.
            if inspect(official).map(|(id, _)| id) == inspect(stand_in).map(|(id, _)| id) {
                let _ = Command::new("docker").args(["rmi", official]).output();
            }
        }
    }
}

/// Holds a machine-wide lock named by a loopback port until dropped, waiting up to `timeout` for it.
///
/// For tests that need fixed host ports or official image names, which a second run (another clone, a
/// colleague's suite) would fight over. A listening socket is the lock: the OS releases it when the
/// process ends, however it ends, so a killed run never leaves a stale lock behind. Lock ports (and the
/// fixtures' fixed ports) sit below Linux's ephemeral range (32768-60999): there, any outgoing
/// connection or a free_port() of another test could be holding the number by chance.
pub fn exclusive(port: u16, timeout: Duration) -> TcpListener {
    assert!(
        port < 32768,
        "lock port {port} is in the ephemeral range: pick one below 32768"
    );
    let deadline = Instant::now() + timeout;
    loop {
        match TcpListener::bind(("127.0.0.1", port)) {
            Ok(listener) => return listener,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!(
                "another run held the lock 127.0.0.1:{port} for {timeout:?} (or something else listens there): {e}"
            ),
        }
    }
}
