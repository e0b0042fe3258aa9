#!/usr/bin/env bash
#! The benchmarks (not timed tests): each prints its own figures, measured side by side in one run.
#!   scripts/bench.sh          all of them
#!   scripts/bench.sh load     loading a 50-service, 3-overlay project (target: < 20 ms)
#!   scripts/bench.sh up       EnvDeck `up` vs docker-compose `up -d` + health, and overhead above the critical path
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/envdeck/target}"
which="${1:-all}"

if [ "$which" = all ] || [ "$which" = load ]; then
  echo "== compose loading (envdeck-core)"
  cargo bench -q -p envdeck-core --bench load
fi
if [ "$which" = all ] || [ "$which" = up ]; then
  echo "== up to healthy (real dockerd; docker-compose from Debian for comparison)"
  bash scripts/setup.sh all >/dev/null
  bash scripts/docker-engine.sh
  bash scripts/test-images.sh
  cargo run -q --release -p envdeck-engine --example bench_up -- "${ROUNDS:-3}"
fi
