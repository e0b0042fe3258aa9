#!/usr/bin/env bash
#! The README's TEST command. From a clean clone on Debian/Ubuntu: installs what the tests need, starts a
#! real Docker engine and a real Secret Service, builds the test images and the app, and runs every tier:
#! lints, UI checks, Rust unit + integration tests (real dockerd, real gnome-keyring), the end-to-end
#! tests of the real app window (Xvfb + tauri-driver + WebKitWebDriver) and the Windows build's tests
#! under Wine. Any tier that cannot run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/envdeck/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
start=$(date +%s)
# Cargo keys our crates by their path inside the workspace, so a target dir shared by two clones would
# reuse test binaries that carry the other clone's paths (env!("CARGO_MANIFEST_DIR")): rebuild ours.
mkdir -p "$CARGO_TARGET_DIR"
if [ "$(cat "$CARGO_TARGET_DIR/envdeck-clone" 2>/dev/null)" != "$PWD" ]; then
  git ls-files -z -- '*.rs' | xargs -0 touch
  echo "$PWD" > "$CARGO_TARGET_DIR/envdeck-clone"
fi
step() { printf '\n\033[1m==> %s\033[0m  (%ss)\n' "$*" "$(( $(date +%s) - start ))"; }

# What must compile for the other desktop platforms (Windows, macOS).
CROSS_CRATES="-p envdeck-core -p envdeck-vault -p envdeck-engine -p envdeck-api -p envdeck-cli -p envdeck-app"

step "set-up: system packages, tauri-driver, npm packages"
bash scripts/setup.sh all

step "UI: build, type check, unit tests"
npm run --silent ui:build
npm run --silent ui:check
npm run --silent ui:test

step "Rust: format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
if cargo tree -p envdeck-core -e normal --prefix none | grep -E '^(tauri|bollard|keyring|tokio)[ -]'; then
  echo "envdeck-core must stay pure: it depends on the crates listed above (see ARCHITECTURE.md)" >&2
  exit 1
fi

step "Rust: the crates compile for Windows and macOS (cargo check; run there by .github/workflows/ci.yml)"
# macOS without the app: its Objective-C helpers need Apple's compiler (CI builds the app on macOS).
for target in x86_64-pc-windows-gnu aarch64-apple-darwin; do
  rustup target list --installed | grep -qx "$target" || rustup target add "$target"
  crates="$CROSS_CRATES"
  [ "$target" = aarch64-apple-darwin ] && crates="${CROSS_CRATES% -p envdeck-app}"
  cargo check --quiet --target "$target" $crates
done

step "Docker engine (Debian's dockerd, started if not running)"
bash scripts/docker-engine.sh

step "leftovers of interrupted test runs removed (only stacks the tests name edt-*)"
for kind in container network volume; do
  [ "$kind" = container ] && all=-a || all=
  # Volumes have a name and no ID field.
  [ "$kind" = volume ] && key='{{.Name}}' || key='{{.ID}}'
  ids=$(docker "$kind" ls $all --filter label=dev.envdeck.project \
          --format "$key {{.Label \"dev.envdeck.project\"}}" | awk '$2 ~ /^edt-/ {print $1}')
  [ -z "$ids" ] || { echo "removing $(echo "$ids" | wc -l) ${kind}(s)"; docker "$kind" rm -f $ids >/dev/null; }
done

step "Docker Compose v2 (the conformance suite's second opinion; fetched once, not installed)"
bash scripts/compose-v2.sh

step "test images (built locally, only when missing)"
bash scripts/test-images.sh

step "a remote engine for the remote-environment tests (a second dockerd behind a local sshd)"
bash scripts/remote-engine.sh

step "build the app and the CLI"
cargo build --workspace --bins --quiet
export ENVDECK_APP_BIN="$CARGO_TARGET_DIR/debug/envdeck-app"
export ENVDECK_CLI_BIN="$CARGO_TARGET_DIR/debug/envdeck"

step "Rust tests: unit, integration (real dockerd + gnome-keyring), end-to-end (real window under Xvfb)"
bash scripts/with-keychain.sh xvfb-run -a -s "-screen 0 1280x800x24" cargo test --workspace --no-fail-fast

step "Windows: the Windows build's tests and envdeck.exe under Wine (scripts/windows-tests.sh)"
bash scripts/windows-tests.sh

step "generated TypeScript bindings are committed"
git diff --exit-code --stat -- ui/src/lib/bindings || {
  echo "ui/src/lib/bindings changed when the tests regenerated them: commit the new bindings" >&2
  exit 1
}
git ls-files --others --exclude-standard -- ui/src/lib/bindings | { ! grep . ; } || {
  echo "new generated bindings are not committed (see above)" >&2
  exit 1
}

step "all green"
