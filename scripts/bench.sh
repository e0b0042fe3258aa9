#!/usr/bin/env bash
#! The benchmarks (not timed tests): each prints its own figures, measured side by side in one run.
#!   scripts/bench.sh          all of them
#!   scripts/bench.sh load     loading a 50-service, 3-overlay project (target: < 20 ms)
#!   scripts/bench.sh up       EnvDeck `up` vs docker-compose `up -d` + health, and overhead above the critical path
#!   scripts/bench.sh up-real  the same on a seed-shaped stack (health every 10 s / 30 s): EnvDeck vs Docker Compose v2 (target: <= 0.25)
#!   scripts/bench.sh up-pull  a first Start with one image to pull: EnvDeck starts the rest meanwhile, vs Docker Compose v2
#!   scripts/bench.sh app      the desktop app (release build): launch to first paint, memory with 5 services up
#!   scripts/bench.sh watch    `envdeck watch`: a saved file to the same bytes in the container, median and worst of 50
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
if [ "$which" = all ] || [ "$which" = up-real ]; then
  echo "== up to ready on a seed-shaped stack (real dockerd; Docker Compose v2 --wait for comparison)"
  bash scripts/setup.sh all >/dev/null
  bash scripts/docker-engine.sh
  bash scripts/test-images.sh
  bash scripts/compose-v2.sh >/dev/null
  cargo run -q --release -p envdeck-engine --example bench_up_real -- \
    "${ENVDECK_COMPOSE_V2:-$HOME/.cache/envdeck/compose-v2/docker-compose}" "${ROUNDS:-2}"
fi
if [ "$which" = all ] || [ "$which" = up-pull ]; then
  echo "== first Start with one image to pull (real dockerd, a registry on 127.0.0.1; Docker Compose v2 --wait for comparison)"
  bash scripts/setup.sh all >/dev/null
  bash scripts/docker-engine.sh
  bash scripts/test-images.sh
  bash scripts/compose-v2.sh >/dev/null
  cargo run -q --release -p envdeck-engine --example bench_up_pull -- \
    "${ENVDECK_COMPOSE_V2:-$HOME/.cache/envdeck/compose-v2/docker-compose}" "${ROUNDS:-3}"
fi
if [ "$which" = all ] || [ "$which" = app ]; then
  echo "== desktop app (release build, under Xvfb, real keychain and engine)"
  bash scripts/setup.sh all >/dev/null
  bash scripts/docker-engine.sh
  bash scripts/test-images.sh
  npm run --silent ui:build >/dev/null
  cargo build -q --release -p envdeck-app -p envdeck-cli
  # The bench names its stack through the CLI (envdeck_tests::cli), as the end-to-end tests do.
  ENVDECK_APP_BIN="$CARGO_TARGET_DIR/release/envdeck-app" ENVDECK_CLI_BIN="$CARGO_TARGET_DIR/release/envdeck" \
    bash scripts/with-keychain.sh \
    xvfb-run -a -s "-screen 0 1280x800x24" cargo bench -q -p envdeck-tests --bench app
fi
if [ "$which" = all ] || [ "$which" = watch ]; then
  echo "== envdeck watch (release build, real engine and keychain)"
  bash scripts/docker-engine.sh
  bash scripts/test-images.sh
  cargo build -q --release -p envdeck-cli
  ENVDECK_CLI_BIN="$CARGO_TARGET_DIR/release/envdeck" bash scripts/with-keychain.sh \
    cargo bench -q -p envdeck-tests --bench watch
fi
