#!/usr/bin/env bash
#! Builds the Linux installers (.deb and .rpm) with `tauri build`, then smoke-tests the .deb the way a
#! user meets it (scripts/deb-smoke.sh): installed with apt into a clean bookworm root, every library of
#! the installed binary found, launched under Xvfb, its window seen and photographed. Prints the sizes.
#!   scripts/package.sh            build and smoke-test
#!   scripts/package.sh --build    build only
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/envdeck/target}"

bash scripts/setup.sh all
# AppImage needs tools downloaded at build time; it is built by the release workflow, not here.
npx tauri build --ci --bundles deb,rpm
bundle="$CARGO_TARGET_DIR/release/bundle"
deb=$(ls -t "$bundle"/deb/*.deb | head -1)
rpm=$(ls -t "$bundle"/rpm/*.rpm | head -1)
for f in "$deb" "$rpm"; do
  printf '%-70s %s\n' "$(basename "$f")" "$(du -h "$f" | cut -f1) ($(stat -c %s "$f") bytes; target: under 20 MB)"
done
[ "${1:-}" = --build ] && exit 0

echo "== smoke test: $(basename "$deb") in a clean bookworm root"
dpkg-deb --info "$deb" | sed -n '/Package:/,/Description:/p'
bash scripts/deb-smoke.sh "$deb" target/package/installed-app.png
