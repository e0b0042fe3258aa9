#!/usr/bin/env bash
#! Makes sure a Docker engine answers, starting Debian's dockerd when none does: the engine tests need a
#! real daemon and CI machines start with only the client. Fails loudly (with the daemon's log) otherwise.
set -euo pipefail

LOG="${DOCKERD_LOG:-/tmp/envdeck-dockerd.log}"
say() { printf '\033[1m[docker-engine]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[docker-engine] %s\033[0m\n' "$*" >&2; exit 1; }

ready() { docker info >/dev/null 2>&1; }

# The engine answers, yet its default bridge may be gone: another dockerd on this machine deleted it (a second
# daemon started with --bridge=none, or one restarting with a stale network store). Every `docker run` then
# fails with "could not find bridge docker0". Put the bridge back as the engine describes it.
mend_bridge() {
  local name gateway subnet
  read -r name gateway subnet < <(docker network inspect bridge --format \
    '{{index .Options "com.docker.network.bridge.name"}} {{range .IPAM.Config}}{{.Gateway}} {{.Subnet}}{{end}}' 2>/dev/null) || return 0
  [ -n "$name" ] && [ -n "$gateway" ] && [ -n "$subnet" ] || return 0
  [ -e "/sys/class/net/$name" ] && return 0
  say "the engine's bridge $name is missing (another dockerd deleted it): putting it back as $gateway/${subnet#*/}"
  [ "$(id -u)" = 0 ] && SUDO="" || SUDO="sudo"
  $SUDO ip link add "$name" type bridge
  $SUDO ip addr add "$gateway/${subnet#*/}" dev "$name"
  $SUDO ip link set "$name" up
}

ready && { mend_bridge; say "Docker engine already answers"; exit 0; }

command -v docker >/dev/null 2>&1 || die "the docker client is missing: run scripts/setup.sh test (installs docker.io)"
command -v dockerd >/dev/null 2>&1 || die "dockerd is missing: run scripts/setup.sh test (installs docker.io)"

# Several engineers or CI jobs may call this at once: one starts the daemon, the others wait for it.
exec 9>/tmp/envdeck-dockerd.lock
flock 9
if ! ready && ! pgrep -x dockerd >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] && SUDO="" || SUDO="sudo"
  say "starting dockerd (log: $LOG)"
  # setsid: the daemon outlives this script and the shell that ran it.
  $SUDO setsid dockerd >"$LOG" 2>&1 < /dev/null &
fi

for _ in $(seq 60); do
  ready && { say "Docker engine is up: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"; exit 0; }
  sleep 1
done

printf '\033[31m[docker-engine] dockerd did not answer within 60 s. Last lines of %s:\033[0m\n' "$LOG" >&2
tail -n 40 "$LOG" >&2 2>/dev/null || echo "(no log at $LOG)" >&2
die "no Docker engine: see the log above"
