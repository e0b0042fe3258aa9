#!/usr/bin/env bash
#! Builds the small local images the engine tests run (no image registry is reachable here), each only
#! when it is missing: docker keeps them between runs, so a warm machine spends well under a second here.
#!   envdeck-test/busybox:1    Debian's static busybox (sh, httpd, wget, nc)
#!   envdeck-test/postgres:15  a real PostgreSQL 15 with an official-image-like entrypoint
#!   envdeck-test/redis:7      a real Redis (same Debian rootfs, another command)
#!   envdeck-test/python:3.11  Debian's Python 3.11 + pip, installing offline from wheels of the sample's
#!                             backend/requirements.txt (fetched here with pip): stands in for python:3.11-slim
#!   envdeck-test/mailcatcher:1  test-images/mailcatcher: SMTP :1025 + MailHog's HTTP API :8025
#!   envdeck-test/pgadmin:1    test-images/pgadmin: a page on :80 listing servers.json, /misc/ping
#! Stand-ins are never tagged with the official names here: a test tags them for its own run only, when
#! the real image is absent (envdeck-tests' StandIns), so a user's own daemon never keeps a fake postgres.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\033[1m[test-images]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[test-images] %s\033[0m\n' "$*" >&2; exit 1; }
have() { docker image inspect "$1" >/dev/null 2>&1; }
# The source hash an image was built from (label dev.envdeck.source), empty when absent.
built_from() { docker image inspect -f '{{ index .Config.Labels "dev.envdeck.source" }}' "$1" 2>/dev/null || true; }
# The id of an image (empty when absent): part of a derived image's source hash, so a rebuilt base
# rebuilds what stands on it.
id_of() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
# Builds context $2 (FROM $3) into $1 unless it was built from exactly these files on this base.
build_dir() {
  local image="$1" dir="$2" base="$3" hash
  hash="$( (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; id_of "$base") | sha256sum | cut -c1-16)"
  [ "$(built_from "$image")" = "$hash" ] && return 0
  local start=$SECONDS
  # No RUN steps (COPY only): the build needs no network, not even Docker's default bridge.
  docker build -q --network none --label "dev.envdeck.source=$hash" -t "$image" "$dir" >/dev/null 2>"$WORK/build.log" \
    || { cat "$WORK/build.log" >&2; die "docker build of $image failed (log above)"; }
  say "built $image in $((SECONDS - start)) s"
}
# debootstrap bookworm minbase with extra packages into $1.
bootstrap() {
  local root="$1" include="$2" m
  m="$(bash ./debian-mirror.sh)" || die "cannot find a Debian mirror"
  say "debootstrap bookworm with $include (from $m)"
  if ! debootstrap --variant=minbase --include="$include" bookworm "$root" "$m" >"$WORK/debootstrap.log" 2>&1; then
    tail -n 30 "$WORK/debootstrap.log" >&2
    die "debootstrap failed (log above)"
  fi
  rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/* \
    "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale"
}

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
  root="$WORK/rootfs"
  bootstrap "$root" postgresql-15,redis-server
  # Debian's packaging made a cluster of its own; ours is made by the entrypoint, in PGDATA.
  rm -rf "$root/etc/postgresql/15/main" "$root/var/lib/postgresql/15"
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

# python:3.11-slim's stand-in, in two layers: Debian's Python (slow, built once), then the wheels of the
# sample backend's requirements (rebuilt whenever requirements.txt changes), so the sample's own Dockerfile
# (`pip install -r requirements.txt`) builds unchanged with no index to reach.
if ! have envdeck-test/python-base:bookworm; then
  start=$SECONDS
  root="$WORK/python-rootfs"
  bootstrap "$root" python3,python3-pip,python-is-python3
  # The official image's Python is not Debian-managed: pip installs system-wide there.
  rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'ENV LANG=C.UTF-8' \
    -c 'CMD ["python3"]' - envdeck-test/python-base:bookworm >/dev/null
  rm -rf "$root"
  say "built envdeck-test/python-base:bookworm in $((SECONDS - start)) s"
fi
requirements=../templates/sample/backend/requirements.txt
py="$WORK/python"
mkdir -p "$py/wheels"
cp "$requirements" "$py/requirements.txt"
cat >"$py/Dockerfile" <<'DOCKERFILE'
# envdeck-test/python:3.11: EnvDeck's test stand-in for python:3.11-slim (pip installs from /wheels only).
FROM envdeck-test/python-base:bookworm
LABEL dev.envdeck.stand-in="python:3.11-slim"
COPY wheels /wheels
ENV PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheels PIP_DISABLE_PIP_VERSION_CHECK=1
DOCKERFILE
# Only the requirements, the Dockerfile and the base decide whether the image is current: fetch wheels only then.
hash="$( (cat "$py/requirements.txt" "$py/Dockerfile"; id_of envdeck-test/python-base:bookworm) | sha256sum | cut -c1-16)"
if [ "$(built_from envdeck-test/python:3.11)" != "$hash" ]; then
  start=$SECONDS
  # Debian's interpreter is 3.11 too; --python-version keeps the wheels right on any host Python.
  pip=(python3 -m pip)
  [ -x /usr/bin/python3 ] && pip=(/usr/bin/python3 -m pip)
  "${pip[@]}" download --quiet --disable-pip-version-check --only-binary=:all: --python-version 3.11 \
    -d "$py/wheels" -r "$py/requirements.txt" || die "pip could not fetch the sample backend's wheels"
  docker build -q --network none --label "dev.envdeck.source=$hash" -t envdeck-test/python:3.11 "$py" \
    >/dev/null 2>"$WORK/build.log" || { cat "$WORK/build.log" >&2; die "docker build of envdeck-test/python:3.11 failed (log above)"; }
  say "built envdeck-test/python:3.11 ($(ls "$py/wheels" | wc -l) wheels) in $((SECONDS - start)) s"
fi
build_dir envdeck-test/mailcatcher:1 test-images/mailcatcher envdeck-test/python:3.11
build_dir envdeck-test/pgadmin:1 test-images/pgadmin envdeck-test/python:3.11

say "test images ready: $(docker images --format '{{.Repository}}:{{.Tag}}' 'envdeck-test/*' | tr '\n' ' ')"
