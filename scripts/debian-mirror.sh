#!/usr/bin/env bash
#! Prints the Debian mirror apt already uses: the only package source this machine (and CI) can reach,
#! for debootstrap (scripts/test-images.sh, scripts/deb-smoke.sh).
set -euo pipefail
m=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  m="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
fi
if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
  m="$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)"
fi
[ -n "$m" ] || { echo "cannot find a Debian mirror in /etc/apt/sources.list(.d)" >&2; exit 1; }
echo "$m"
