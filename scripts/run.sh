#!/usr/bin/env bash
#! The README's RUN command: installs what the build needs, builds the UI and the desktop app, opens it.
#!   scripts/run.sh [PROJECT]                      open the app on PROJECT (default: the built-in sample)
#!   scripts/run.sh --screenshot FILE [PROJECT]    headless: open it under Xvfb, save a screenshot, close it
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/envdeck/target}"

shot=""
if [ "${1:-}" = "--screenshot" ]; then shot="${2:?--screenshot needs a file name}"; shift 2; fi
if [ -n "${1:-}" ]; then project=$(cd "$here" && realpath "$1"); else project=$(realpath templates/sample); fi
[ -d "$project" ] || { echo "no such project folder: $project" >&2; exit 1; }

bash scripts/setup.sh build
npm run --silent ui:build
cargo build -p envdeck-app --quiet
app="$CARGO_TARGET_DIR/debug/envdeck-app"

if [ -n "$shot" ]; then
  bash scripts/setup.sh all >/dev/null
  shot=$(realpath -m "$shot")
  # Headless machines have no desktop keychain: give the app a throwaway one, as a desktop session would.
  bash scripts/with-keychain.sh xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    "$1" "$3" & pid=$!
    sleep "${ENVDECK_SCREENSHOT_DELAY:-6}"
    import -window root "$2"
    kill $pid; wait $pid 2>/dev/null || true' _ "$app" "$shot" "$project"
  echo "screenshot saved to $shot"
elif [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display here (DISPLAY and WAYLAND_DISPLAY are unset). Run EnvDeck on a desktop session, or use" >&2
  echo "  scripts/run.sh --screenshot envdeck.png   to open it under Xvfb and save a picture of the window." >&2
  exit 1
else
  exec "$app" "$project"
fi
