#!/usr/bin/env bash
#! Installs everything EnvDeck's build, run and tests need on Debian/Ubuntu. Idempotent: each step
#! checks first and only installs what is missing. Other systems get a clear list of what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

# What the app build needs (Tauri 2 on Linux), what the tests need (a real engine, a real Secret
# Service, a real window driven over WebDriver) and what builds the test images (debootstrap, busybox,
# python3-pip to fetch the wheels of the sample backend for its stand-in python image; the MinGW compiler
# whose resource compiler the Windows compile check of the app needs).
APT_BUILD=(build-essential pkg-config file libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev libdbus-1-dev)
# The fault tests (tests/tests/faults_*.rs, exposure.rs) use iproute2 (network namespaces, veth pairs),
# util-linux (nsenter) and mount (read-only bind mounts, a small tmpfs). The remote-engine tests reach a
# second dockerd through a local sshd (scripts/remote-engine.sh): openssh's server and client. The
# Windows tier (scripts/windows-tests.sh) links with MinGW and runs the Windows build under Wine 8.
APT_TEST=(docker.io docker-compose gnome-keyring dbus-x11 keyutils xvfb xauth webkit2gtk-driver
  debootstrap busybox-static python3-pip imagemagick x11-utils gcc-mingw-w64-x86-64 iproute2 procps lsof rpm util-linux mount
  openssh-server openssh-client wine wine64)

want="${1:-all}"   # build | test | all
pkgs=("${APT_BUILD[@]}")
[ "$want" = build ] || pkgs+=("${APT_TEST[@]}")

missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    die "this is not a Debian/Ubuntu system; install the equivalents of: ${missing[*]} (see README, 'Other systems')"
  fi
  [ "$(id -u)" = 0 ] && SUDO="" || SUDO="sudo"
  say "installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null 2>&1 || die "cargo is missing: install Rust with rustup (https://rustup.rs), then rerun"
command -v npm >/dev/null 2>&1 || die "npm is missing: install Node.js 20 or newer, then rerun"

if [ "$want" != build ] && ! command -v tauri-driver >/dev/null 2>&1; then
  say "installing tauri-driver (WebDriver bridge for the end-to-end tests)"
  cargo install tauri-driver --version '^2' --locked --quiet
fi

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || [ ui/package.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
fi
