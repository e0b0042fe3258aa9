#!/usr/bin/env bash
#! Smoke-tests a .deb the way a user's fresh machine meets it: a clean Debian bookworm root (debootstrap
#! minbase, cached as a tarball), `apt-get install ./envdeck.deb` there so only the package's declared
#! dependencies come in, `ldd` on the installed binary, then the app launched from that root on an Xvfb
#! display, its window found by name and photographed with the environment list on screen.
#!   scripts/deb-smoke.sh PATH/TO/envdeck.deb SCREENSHOT.png
set -euo pipefail
cd "$(dirname "$0")/.."
deb="$(realpath "$1")"
shot="$(realpath -m "$2")"
cache="${ENVDECK_CACHE:-$HOME/.cache/envdeck}"
base="$cache/bookworm-minbase.tar"
say() { printf '\033[1m[deb-smoke]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[deb-smoke] %s\033[0m\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "a clean root needs root (debootstrap, chroot, mounts)"

root="$(mktemp -d /tmp/envdeck-deb-root.XXXXXX)"
mounts=()
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
bind() { mkdir -p "$root$1"; mount --bind "$1" "$root$1"; mounts+=("$root$1"); }

if [ ! -s "$base" ]; then
  mkdir -p "$cache"
  m="$(bash scripts/debian-mirror.sh)"
  say "a clean bookworm root (debootstrap minbase from $m, once; cached in $base)"
  debootstrap --variant=minbase bookworm "$root" "$m" >"$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; die "debootstrap failed"; }
  rm -f "$root.log"
  tar -C "$root" -cf "$base.part" . && mv "$base.part" "$base"
else
  tar -C "$root" -xf "$base"
fi

# The package sources this machine uses (the only ones reachable), nothing else of the host.
cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/"
cp /etc/apt/apt.conf.d/* "$root/etc/apt/apt.conf.d/" 2>/dev/null || true
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/envdeck.deb"
bind /proc; bind /sys; bind /dev; bind /dev/pts; bind /dev/shm; bind /tmp/.X11-unix

say "apt-get install ./envdeck.deb in the clean root (its declared dependencies only)"
chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/envdeck.deb' \
  >"$root/tmp/apt.log" 2>&1 || { tail -n 30 "$root/tmp/apt.log" >&2; die "the package does not install on a clean bookworm"; }
bin=/usr/bin/envdeck-app
[ -x "$root$bin" ] || die "the package did not install $bin"
if chroot "$root" ldd "$bin" | grep "not found"; then
  die "the installed binary needs libraries the package does not depend on (listed above)"
fi
say "ldd: every library of $bin is found in the clean root"

cp -r templates/sample "$root/opt/sample"
display=":$((90 + RANDOM % 100))"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; cleanup' EXIT
# Xvfb can be slow to start on a loaded machine (CI once launched the app before its socket was there).
for _ in $(seq 200); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X${display#:}" ] || die "Xvfb did not start on $display within 20 s"
# No session bus nor keychain in the clean root: the app must still open and say so in its doctor panel.
chroot "$root" env -i HOME=/root DISPLAY="$display" PATH=/usr/bin:/bin "$bin" /opt/sample >"$root/tmp/app.log" 2>&1 & app=$!
found=""
for _ in $(seq 60); do
  if ! kill -0 "$app" 2>/dev/null; then tail -n 30 "$root/tmp/app.log" >&2; die "the installed app exited at launch"; fi
  if DISPLAY="$display" xwininfo -root -tree 2>/dev/null | grep -q '"EnvDeck'; then found=1; break; fi
  sleep 0.5
done
[ -n "$found" ] || { tail -n 30 "$root/tmp/app.log" >&2; die "no EnvDeck window appeared within 30 s"; }
sleep 4 # the webview paints the environment list
mkdir -p "$(dirname "$shot")"
DISPLAY="$display" import -window root "$shot"
kill "$app" 2>/dev/null; wait "$app" 2>/dev/null || true
say "window \"EnvDeck\" seen; screenshot: $shot"
