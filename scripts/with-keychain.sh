#!/usr/bin/env bash
#! Runs a command inside its own D-Bus session with a fresh, unlocked GNOME Keyring (the Secret
#! Service keyring-rs talks to on Linux), so keychain tests hit a real keychain on headless machines.
#!   scripts/with-keychain.sh cargo test -p envdeck-vault
#! The keyring lives in a temporary XDG_DATA_HOME that is deleted afterwards: nothing touches the
#! user's own keychain. Fails loudly when gnome-keyring or dbus is missing: keychain tests must run.
#! D-Bus starts the daemon, as on a desktop, and starts it again (unlocked, standing in for the person
#! who would type the password) if it ends mid-run: gnome-keyring 42 aborts now and then when a client
#! goes away in the middle of a call, and one such crash must not turn every later keychain test red.
#! Each start is logged; a run that needed more than one says so at the end, with the daemon's output.
set -euo pipefail

die() { printf '\033[31m[with-keychain] %s\033[0m\n' "$*" >&2; exit 1; }

[ $# -gt 0 ] || die "usage: $0 COMMAND [ARGS...]"
command -v dbus-run-session >/dev/null 2>&1 || die "dbus-run-session not found: install dbus (Debian: apt-get install dbus-x11)"
command -v gnome-keyring-daemon >/dev/null 2>&1 || die "gnome-keyring-daemon not found: install gnome-keyring (Debian: apt-get install gnome-keyring)"
command -v dbus-send >/dev/null 2>&1 || die "dbus-send not found: install dbus (Debian: apt-get install dbus-bin)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/envdeck-keychain.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data/dbus-1/services"
mkdir -m 700 "$tmp/run"
log="$tmp/gnome-keyring.log"

# The session bus looks for services in $XDG_DATA_HOME/dbus-1/services before the system's folders, so
# this file, not gnome-keyring's own (which starts a locked daemon), answers for the Secret Service.
# The password only protects this throwaway keyring; the test processes never see it.
cat >"$tmp/keyring-daemon.sh" <<EOF
#!/bin/sh
echo "[with-keychain] gnome-keyring-daemon started by D-Bus at \$(date +%T) (pid \$\$)" >>"$log"
printf %s envdeck-test | exec gnome-keyring-daemon --foreground --unlock --components=secrets >>"$log" 2>&1
EOF
printf '%s\n' "[D-BUS Service]" "Name=org.freedesktop.secrets" "Exec=/bin/sh $tmp/keyring-daemon.sh" \
  >"$tmp/data/dbus-1/services/org.freedesktop.secrets.service"

# Inside the session: have D-Bus start the daemon, wait until the Secret Service name is on the bus,
# run the command, stop the daemon, and hand back the command's exit status.
inner='
set -u
bus() { dbus-send --session --dest=org.freedesktop.DBus --print-reply / "$@" 2>/dev/null; }
bus org.freedesktop.DBus.StartServiceByName string:org.freedesktop.secrets uint32:0 >/dev/null
ready=no
for _ in $(seq 100); do
  if bus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q "boolean true"; then
    ready=yes; break
  fi
  sleep 0.1
done
if [ "$ready" != yes ]; then
  echo "[with-keychain] gnome-keyring-daemon did not provide the Secret Service; its output:" >&2
  cat "$ENVDECK_KEYRING_LOG" >&2
  exit 70
fi
"$@"
rc=$?
pid=$(bus org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk "/uint32/ {print \$2}")
[ -z "$pid" ] || kill "$pid" 2>/dev/null
starts=$(grep -c "started by D-Bus" "$ENVDECK_KEYRING_LOG")
if [ "$starts" -gt 1 ]; then
  echo "[with-keychain] gnome-keyring-daemon was started $starts times (keychain_restart.rs ends it twice on purpose; more is a crash); its output:" >&2
  cat "$ENVDECK_KEYRING_LOG" >&2
fi
exit $rc
'
# dbus-daemon's "Failed to set fd limit" warning (unprivileged containers) is noise: filtered out.
XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run" ENVDECK_KEYRING_LOG="$log" \
  dbus-run-session -- sh -c "$inner" with-keychain "$@" \
  2> >(grep -v --line-buffered 'Failed to set fd limit' >&2)
