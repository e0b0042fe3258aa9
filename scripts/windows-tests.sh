#!/usr/bin/env bash
#! The Windows tier of the TEST command: builds EnvDeck for x86_64-pc-windows-gnu (Debian's MinGW linker)
#! and runs under Wine 8, as Windows programs: the tests of envdeck-core, envdeck-vault (against Wine's
#! Credential Manager) and envdeck-engine's host processes (job objects, CTRL_BREAK), then envdeck.exe
#! end to end against this machine's real dockerd (crates/envdeck-cli/tests/windows_cli.rs). A failure
#! fails the suite; Wine and MinGW are installed by scripts/setup.sh, never skipped.
#! What Wine cannot show is listed in README.md, "What works where".
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/envdeck/target}"
export WINEPREFIX="${ENVDECK_WINEPREFIX:-$HOME/.cache/envdeck/wine}"
# Wine's own diagnostics (no display driver, no 32-bit Wine) would bury the tests' output.
export WINEDEBUG=-all
# Cargo runs each Windows test binary through Wine.
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# The TypeScript bindings the Linux tier checks are not the Windows build's to write.
export TS_RS_EXPORT_DIR="$scratch/bindings"
target=x86_64-pc-windows-gnu
say() { printf '\033[1m[windows]\033[0m %s\n' "$*" >&2; }

for tool in wine x86_64-w64-mingw32-gcc; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/setup.sh test" >&2; exit 1; }
done
rustup target list --installed | grep -qx "$target" || rustup target add "$target"

# A Wine prefix of our own (a Windows user profile: registry, Credential Manager, C:\).
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  say "creating the Wine prefix $WINEPREFIX"
  mkdir -p "$WINEPREFIX"
  wineboot --init >/dev/null 2>&1
  wineserver --wait
fi
# Rust's standard library needs ProcessPrng, which Wine 8.0 lacks (see the C file).
dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
if [ ! -f "$dll" ] || [ scripts/windows/bcryptprimitives.c -nt "$dll" ]; then
  say "building the ProcessPrng stand-in Wine 8.0 lacks"
  x86_64-w64-mingw32-gcc -shared -O2 -o "$dll" scripts/windows/bcryptprimitives.c -ladvapi32
fi

say "building the Windows tests and envdeck.exe"
cargo build --quiet --target "$target" -p envdeck-cli --bin envdeck
cargo test --quiet --no-run --target "$target" -p envdeck-core -p envdeck-vault \
  -p envdeck-engine --lib --test host_process_windows

say "running them under $(wine --version)"
status=0
cargo test --target "$target" --no-fail-fast -p envdeck-core -p envdeck-vault || status=1
cargo test --target "$target" --no-fail-fast -p envdeck-engine --lib --test host_process_windows || status=1
wineserver --wait || true

say "Wine's gap, without EnvDeck: CTRL_BREAK to a process group (scripts/windows/ctrl-break-repro)"
repro_log="$scratch/ctrl-break-repro.log"
tools="$CARGO_TARGET_DIR/windows-tools"
for tool in ctrl-break-repro pipe-relay; do
  cargo build --quiet --target "$target" --manifest-path "scripts/windows/$tool/Cargo.toml" --target-dir "$tools"
done
REPRO_LOG="Z:$repro_log" wine "$tools/$target/debug/ctrl-break-repro.exe" \
  </dev/null >/dev/null 2>&1 || true
sed 's/^/    /' "$repro_log" >&2 || echo "    (the reproduction wrote nothing)" >&2

say "envdeck.exe under Wine against this machine's dockerd"
ENVDECK_WINDOWS_CLI_BIN="$CARGO_TARGET_DIR/$target/debug/envdeck.exe" \
  ENVDECK_WINDOWS_PIPE_RELAY="$tools/$target/debug/pipe-relay.exe" \
  cargo test --no-fail-fast -p envdeck-cli --test windows_cli -- --ignored || status=1
exit "$status"
