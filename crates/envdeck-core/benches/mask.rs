//! What masking costs on every log line: a typical 120-byte line and a 16 KiB line, with 5 and 20
//! secrets, each hidden with all its encoded forms in one pass, beside the old way (each plain value
//! searched in turn); and LineAssembler over 8 MiB of output in 16 KiB pieces. Prints medians; a
//! benchmark, not a timed test. Run: `cargo bench -p envdeck-core --bench mask`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use envdeck_core::secret::lines::MAX_LINE;
use envdeck_core::secret::{LineAssembler, Masker, SecretValue};

const RUNS: usize = 31;

/// Median time of `f` over RUNS runs of `reps` calls each, per call.
fn per_call(reps: u32, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let began = Instant::now();
            for _ in 0..reps {
                f();
            }
            began.elapsed() / reps
        })
        .collect();
    times.sort_unstable();
    times[RUNS / 2]
}

/// The old masker's search: each plain value in turn.
fn plain_search(values: &[String], text: &str) -> usize {
    let mut found = 0;
    for v in values {
        let mut from = 0;
        while let Some(i) = text[from..].find(v.as_str()) {
            found += 1;
            from += i + 1;
        }
    }
    found
}

fn secrets(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("Zq{i:02}-{}", "s3cR3t-v4luE_".repeat(1 + i % 4)))
        .collect()
}

fn main() {
    let line = "2024-05-01T12:00:00Z INFO  app::http: GET /api/orders?page=2 200 in 12ms user=41 \
                trace=8f14e45fceea167a5a36dedd4bea2543";
    let long: String = line.repeat(16 * 1024 / line.len());
    for n in [5, 20] {
        let values = secrets(n);
        let wrapped: Vec<SecretValue> = values.iter().cloned().map(SecretValue::new).collect();
        let built = Instant::now();
        let masker = Masker::new(&wrapped);
        let build = built.elapsed();
        for (what, text) in [("120-byte line", line), ("16 KiB line", long.as_str())] {
            let new = per_call(2000, || {
                black_box(masker.mask(black_box(text)));
            });
            let old = per_call(2000, || {
                black_box(plain_search(&values, black_box(text)));
            });
            println!(
                "{n:>2} secrets, {what:<13}: all forms {:>9.2?} per line ({:>7.0} MB/s); plain values only (old) {:>9.2?}",
                new,
                text.len() as f64 / new.as_secs_f64() / 1e6,
                old
            );
        }
        println!("{n:>2} secrets: building the masker {build:.2?} ({masker:?})");
        let mut stream = String::new();
        while stream.len() < 8 << 20 {
            stream.push_str(line);
            stream.push('\n');
        }
        let took = per_call(1, || {
            let mut lines = LineAssembler::new(masker.clone(), MAX_LINE);
            let mut count = 0;
            for piece in stream.as_bytes().chunks(16 * 1024) {
                count += lines.push(piece).len();
            }
            black_box(count);
        });
        println!(
            "{n:>2} secrets: LineAssembler over 8 MiB in 16 KiB pieces {took:.2?} ({:.0} MB/s)",
            stream.len() as f64 / took.as_secs_f64() / 1e6
        );
    }
}
