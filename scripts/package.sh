#!/usr/bin/env bash
#! Builds the Linux installers (.deb and .rpm) with `tauri build`, then smoke-tests the .deb the way a
#! user meets it: install it with dpkg (dependencies from apt), check the installed binary finds every
#! library, launch it under Xvfb and save a screenshot of its window. Prints the package sizes.
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

echo "== smoke test: install $(basename "$deb")"
dpkg-deb --info "$deb" | sed -n '/Package:/,/Description:/p'
apt-get install -y -qq "$deb" >/dev/null
bin=/usr/bin/envdeck-app
[ -x "$bin" ] || { echo "the package did not install $bin" >&2; exit 1; }
if ldd "$bin" | grep -q "not found"; then
  echo "the installed binary misses libraries the package does not depend on:" >&2
  ldd "$bin" | grep "not found" >&2
  exit 1
fi
echo "ldd: every library of $bin is found"

mkdir -p target/package
shot="$PWD/target/package/installed-app.png"
# Opened on the sample project, so the picture shows an environment list, as a user's first screen does.
bash scripts/with-keychain.sh xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  "$1" "$3" & pid=$!
  sleep 6
  kill -0 $pid || { echo "the installed app exited at launch" >&2; exit 1; }
  import -window root "$2"
  kill $pid; wait $pid 2>/dev/null || true' _ "$bin" "$shot" "$PWD/templates/sample"
echo "screenshot of the installed app: $shot"
