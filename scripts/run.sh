#!/usr/bin/env bash
#! The README's RUN command: installs what the build needs, builds the UI and the desktop app, opens it.
#!   scripts/run.sh                      open the app (on this machine's display)
#!   scripts/run.sh --screenshot FILE    headless: open it under Xvfb, save a screenshot, close it
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/envdeck/target}"

shot=""
if [ "${1:-}" = "--screenshot" ]; then shot="${2:?--screenshot needs a file name}"; fi

bash scripts/setup.sh build
npm run --silent ui:build
cargo build -p envdeck-app --quiet
app="$CARGO_TARGET_DIR/debug/envdeck-app"

if [ -n "$shot" ]; then
  bash scripts/setup.sh all >/dev/null
  shot=$(realpath -m "$shot")
  # Headless machines have no desktop keychain: give the app a throwaway one, as a desktop session would.
  bash scripts/with-keychain.sh xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    "$1" & pid=$!
    sleep "${ENVDECK_SCREENSHOT_DELAY:-6}"
    import -window root "$2"
    kill $pid; wait $pid 2>/dev/null || true' _ "$app" "$shot"
  echo "screenshot saved to $shot"
elif [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display here (DISPLAY and WAYLAND_DISPLAY are unset). Run EnvDeck on a desktop session, or use" >&2
  echo "  scripts/run.sh --screenshot envdeck.png   to open it under Xvfb and save a picture of the window." >&2
  exit 1
else
  exec "$app"
fi
