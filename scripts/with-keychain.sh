#!/usr/bin/env bash
#! Runs a command inside its own D-Bus session with a fresh, unlocked GNOME Keyring (the Secret
#! Service keyring-rs talks to on Linux), so keychain tests hit a real keychain on headless machines.
#!   scripts/with-keychain.sh cargo test -p envdeck-vault
#! The keyring lives in a temporary XDG_DATA_HOME that is deleted afterwards: nothing touches the
#! user's own keychain. Fails loudly when gnome-keyring or dbus is missing: keychain tests must run.
set -euo pipefail

die() { printf '\033[31m[with-keychain] %s\033[0m\n' "$*" >&2; exit 1; }

[ $# -gt 0 ] || die "usage: $0 COMMAND [ARGS...]"
command -v dbus-run-session >/dev/null 2>&1 || die "dbus-run-session not found: install dbus (Debian: apt-get install dbus-x11)"
command -v gnome-keyring-daemon >/dev/null 2>&1 || die "gnome-keyring-daemon not found: install gnome-keyring (Debian: apt-get install gnome-keyring)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/envdeck-keychain.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data"
mkdir -m 700 "$tmp/run"

command -v dbus-send >/dev/null 2>&1 || die "dbus-send not found: install dbus (Debian: apt-get install dbus-bin)"

# Inside the session: run the daemon in the foreground (so this script owns it and stops it), with a
# known password on stdin that creates and unlocks the login keyring; wait until the Secret Service
# name is on the bus; then run the command and hand back its exit status.
inner='
set -u
printf %s "$ENVDECK_KEYRING_PASSWORD" | gnome-keyring-daemon --foreground --unlock --components=secrets \
  >"$ENVDECK_KEYRING_LOG" 2>&1 &
daemon=$!
unset ENVDECK_KEYRING_PASSWORD
ready=no
for _ in $(seq 100); do
  if dbus-send --session --dest=org.freedesktop.DBus --print-reply / org.freedesktop.DBus.NameHasOwner \
       string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then ready=yes; break; fi
  kill -0 "$daemon" 2>/dev/null || break
  sleep 0.1
done
if [ "$ready" != yes ]; then
  echo "[with-keychain] gnome-keyring-daemon did not provide the Secret Service; its output:" >&2
  cat "$ENVDECK_KEYRING_LOG" >&2
  kill "$daemon" 2>/dev/null
  exit 70
fi
"$@"
rc=$?
kill "$daemon" 2>/dev/null
wait "$daemon" 2>/dev/null
exit $rc
'
# The password only protects a throwaway keyring; it travels in the environment, not in argv.
# dbus-daemon's "Failed to set fd limit" warning (unprivileged containers) is noise: filtered out.
XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run" ENVDECK_KEYRING_PASSWORD=envdeck-test \
  ENVDECK_KEYRING_LOG="$tmp/gnome-keyring.log" \
  dbus-run-session -- sh -c "$inner" with-keychain "$@" \
  2> >(grep -v --line-buffered 'Failed to set fd limit' >&2)
