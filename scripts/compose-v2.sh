#!/usr/bin/env bash
# Docker Compose v2 (2.26, the static binary Debian's next release packages), for the compose
# conformance suite's second opinion (crates/envdeck-core/tests/conformance.rs). It is fetched with
# apt from this machine's own Debian sources, next release, into a scratch folder: nothing is
# installed and the system's apt lists are not touched. Idempotent: a binary already there is kept.
set -euo pipefail

dest="${ENVDECK_COMPOSE_V2:-$HOME/.cache/envdeck/compose-v2/docker-compose}"
say() { printf '\033[1m[compose-v2]\033[0m %s\n' "$*"; }

if [ -x "$dest" ] && "$dest" version >/dev/null 2>&1; then
  say "$("$dest" version) at $dest"
  exit 0
fi

sources=/etc/apt/sources.list.d/debian.sources
if [ ! -f "$sources" ]; then
  echo "compose-v2: $sources is missing: this script reads the machine's Debian sources (deb822 form) to fetch the next release's docker-compose package" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial"
# The first stanza of the machine's sources, pointed at the next release.
awk 'BEGIN{RS=""} NR==1' "$sources" | sed -E 's/^Suites:.*/Suites: trixie/' > "$work/parts/next.sources"
apt_options=(
  -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
)
say "fetching docker-compose from the next Debian release's packages"
apt-get "${apt_options[@]}" update -qq
(cd "$work" && apt-get -qq "${apt_options[@]}" download docker-compose 2>&1 | grep -v unsandboxed || true)
deb=$(ls "$work"/docker-compose_2*.deb 2>/dev/null | head -1)
if [ -z "$deb" ]; then
  echo "compose-v2: no docker-compose 2.x package was downloaded" >&2
  exit 1
fi
dpkg -x "$deb" "$work/x"
mkdir -p "$(dirname "$dest")"
install -m 0755 "$work/x/usr/libexec/docker/cli-plugins/docker-compose" "$dest"
say "$("$dest" version) at $dest"
