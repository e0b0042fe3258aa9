//! Benchmark (not a test) of the desktop app a user runs: the time from launch to the first painted
//! environment list, and the resident memory of the app with a 5-service environment running.
//! Targets: under 1.5 s to first paint, under 200 MB resident. Run it with `scripts/bench.sh app`.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use envdeck_tests::AppWindow;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects/bench-five")
}

/// One memory figure in KiB of a process: `field` of /proc/PID/`file`.
fn kib(pid: u32, file: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Resident memory: every page the process maps, shared libraries counted whole in each process.
fn rss_kib(pid: u32) -> u64 {
    kib(pid, "status", "VmRSS:")
}

/// Proportional resident memory: a page shared by n processes counts 1/n in each, so the sum over the
/// app's processes is what they hold together (GTK and WebKit libraries counted once).
fn pss_kib(pid: u32) -> u64 {
    kib(pid, "smaps_rollup", "Pss:")
}

/// A process and all its descendants (the app's WebKit web and network processes are its children).
fn tree(pid: u32) -> Vec<u32> {
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        for task in std::fs::read_dir(format!("/proc/{p}/task"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            out.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
        i += 1;
    }
    out
}

fn app_pid(binary: &str) -> u32 {
    let out = Command::new("pgrep")
        .args(["-n", "-f", binary])
        .output()
        .expect("pgrep runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("the app process is running")
}

fn cleanup() {
    envdeck_tests::remove_stack(&envdeck_tests::cli::stack_of(&fixture(), "local"));
}

#[tokio::main]
async fn main() {
    let binary = envdeck_tests::app_binary();
    let dir = fixture();
    cleanup();

    let launched = Instant::now();
    let app = AppWindow::launch_with(&[dir.to_str().expect("a UTF-8 fixture path")]).await;
    app.wait_for("#env-local", Duration::from_secs(30)).await;
    let to_paint = launched.elapsed();
    // The webview's own clock: from its navigation start to now, without process and WebDriver start-up.
    let in_page = app
        .client
        .execute("return performance.now()", vec![])
        .await
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN);

    app.click("#env-local").await;
    app.click("#start").await;
    let outcome = app
        .client
        .wait()
        .at_most(Duration::from_secs(180))
        .for_element(fantoccini::Locator::Css("#env-notice, #env-error"))
        .await
        .expect("Start ends with a notice or an error");
    let started = outcome.attr("id").await.ok().flatten().as_deref() == Some("env-notice");
    // Let the service cards and the event watch settle before reading memory.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let pid = app_pid(&binary.to_string_lossy());
    let own = rss_kib(pid);
    let processes = tree(pid);
    let total: u64 = processes.iter().copied().map(rss_kib).sum();
    let together: u64 = processes.iter().copied().map(pss_kib).sum();
    let each: Vec<String> = processes
        .iter()
        .map(|&p| {
            let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
            format!(
                "{} {:.0}/{:.0}",
                name.trim(),
                rss_kib(p) as f64 / 1024.0,
                pss_kib(p) as f64 / 1024.0
            )
        })
        .collect();

    // For attributing memory (docs/PERFORMANCE.md): each process's smaps at the moment of the figures,
    // and what the page holds, when ENVDECK_BENCH_SMAPS names a folder.
    if let Some(out) = std::env::var_os("ENVDECK_BENCH_SMAPS").map(PathBuf::from) {
        let _ = std::fs::create_dir_all(&out);
        for &p in &processes {
            let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
            let _ = std::fs::copy(
                format!("/proc/{p}/smaps"),
                out.join(format!("{}.smaps", name.trim())),
            );
        }
        let page = app
            .client
            .execute(
                "return { nodes: document.getElementsByTagName('*').length, \
                 polylines: document.getElementsByTagName('polyline').length, \
                 text: document.body.innerText.length, \
                 memory: typeof performance.memory }",
                vec![],
            )
            .await
            .map(|v| v.to_string())
            .unwrap_or_else(|e| e.to_string());
        println!("page: {page}");
    }

    app.click("#stop").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    app.close().await;
    cleanup();

    println!("app: {}", binary.display());
    println!(
        "launch to first painted environment list: {:.0} ms (includes tauri-driver and WebKitWebDriver \
         session set-up: an upper bound); in the webview since navigation start: {in_page:.0} ms; target < 1500 ms",
        to_paint.as_secs_f64() * 1000.0
    );
    println!(
        "resident memory with the 5-service environment {}: app process {:.0} MB; app + its {} WebKit \
         processes {:.0} MB summed (RSS, shared libraries counted in each), {:.0} MB held together (PSS); \
         target < 200 MB",
        if started { "running" } else { "FAILED TO START" },
        own as f64 / 1024.0,
        processes.len() - 1,
        total as f64 / 1024.0,
        together as f64 / 1024.0
    );
    println!("per process, RSS/PSS MB: {}", each.join(", "));
}
