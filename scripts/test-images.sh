#!/usr/bin/env bash
#! Builds the small local images the engine tests run (no image registry is reachable here), each only
#! when it is missing: docker keeps them between runs, so a warm machine spends well under a second here.
#!   envdeck-test/busybox:1    Debian's static busybox (sh, httpd, wget, nc)
#!   envdeck-test/postgres:15  a real PostgreSQL 15 with an official-image-like entrypoint
#!   envdeck-test/redis:7      a real Redis (same Debian rootfs, another command)
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\033[1m[test-images]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[test-images] %s\033[0m\n' "$*" >&2; exit 1; }
have() { docker image inspect "$1" >/dev/null 2>&1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers: run scripts/docker-engine.sh first"
[ "$(id -u)" = 0 ] || die "debootstrap needs root: run as root (CI does)"

# Parallel callers (CI jobs, engineers) would otherwise build the same image twice.
exec 9>/tmp/envdeck-test-images.lock
flock 9

WORK="$(mktemp -d /tmp/envdeck-test-images.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

if ! have envdeck-test/busybox:1; then
  start=$SECONDS
  bb=""
  # The installed busybox-static (setup.sh installs it) is exactly the file the package ships.
  if dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
    bb="$(dpkg -L busybox-static | grep -m1 'bin/busybox$')"
  else
    (cd "$WORK" && apt-get download busybox-static >/dev/null) || die "cannot download busybox-static (apt-get update?)"
    dpkg -x "$WORK"/busybox-static_*.deb "$WORK/x"
    bb="$WORK/x/bin/busybox"
  fi
  r="$WORK/busybox"
  mkdir -p "$r/bin" "$r/tmp" "$r/etc" "$r/www"
  cp "$bb" "$r/bin/busybox"
  for a in $("$r/bin/busybox" --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
  echo 'root:x:0:' >"$r/etc/group"
  echo 'envdeck-test busybox' >"$r/www/index.html"
  tar -C "$r" -c . | docker import -c 'CMD ["sh"]' -c 'ENV PATH=/bin' - envdeck-test/busybox:1 >/dev/null
  say "built envdeck-test/busybox:1 in $((SECONDS - start)) s"
fi

if ! have envdeck-test/postgres:15 || ! have envdeck-test/redis:7; then
  start=$SECONDS
  # The mirror apt already uses: the only package source this machine (and CI) can reach.
  mirror=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
  fi
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror="$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)"
  fi
  [ -n "$mirror" ] || die "cannot find a Debian mirror in /etc/apt/sources.list(.d)"
  root="$WORK/rootfs"
  say "debootstrap bookworm with postgresql-15 and redis-server (from $mirror)"
  if ! debootstrap --variant=minbase --include=postgresql-15,redis-server bookworm "$root" "$mirror" \
      >"$WORK/debootstrap.log" 2>&1; then
    tail -n 30 "$WORK/debootstrap.log" >&2
    die "debootstrap failed (log above)"
  fi
  # Debian's packaging made a cluster of its own; ours is made by the entrypoint, in PGDATA.
  rm -rf "$root/etc/postgresql/15/main" "$root/var/lib/postgresql/15" \
    "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/* \
    "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale"
  install -m 0755 test-images/postgres-entrypoint.sh "$root/usr/local/bin/docker-entrypoint.sh"
  tar -C "$root" -c . >"$WORK/rootfs.tar"
  pgpath='PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  have envdeck-test/postgres:15 || docker import \
    -c "ENV $pgpath" -c 'ENV PGDATA=/var/lib/postgresql/data' \
    -c 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' -c 'CMD ["postgres"]' \
    -c 'EXPOSE 5432' \
    "$WORK/rootfs.tar" envdeck-test/postgres:15 >/dev/null
  have envdeck-test/redis:7 || docker import \
    -c 'CMD ["redis-server", "--protected-mode", "no", "--bind", "0.0.0.0", "--save", ""]' \
    -c 'EXPOSE 6379' "$WORK/rootfs.tar" envdeck-test/redis:7 >/dev/null
  say "built envdeck-test/postgres:15 and envdeck-test/redis:7 in $((SECONDS - start)) s"
fi

say "test images ready: $(docker images --format '{{.Repository}}:{{.Tag}}' 'envdeck-test/*' | tr '\n' ' ')"
