#!/bin/sh
# Entrypoint of envdeck-test/postgres:15: behaves like the official image's for the variables EnvDeck's
# stacks use (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA), so tests exercise real compose files.
set -eu

PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA

if [ "$#" -eq 0 ] || [ "$1" = postgres ] || [ "${1#-}" != "$1" ]; then
  [ "$#" -gt 0 ] && [ "$1" = postgres ] && shift
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"

  # Only an empty data directory is initialised: an existing volume keeps its data and its password.
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    user="${POSTGRES_USER:-postgres}"
    db="${POSTGRES_DB:-$user}"
    pass="${POSTGRES_PASSWORD:-}"
    if [ -z "$pass" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
      echo "error: POSTGRES_PASSWORD is empty (set it, or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
      exit 1
    fi
    pwfile="$(mktemp)"
    printf '%s\n' "${pass:-unused}" >"$pwfile"
    chown postgres "$pwfile"
    runuser -u postgres -- initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 --no-sync >/dev/null
    rm -f "$pwfile"
    method="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    printf 'host all all all %s\n' "$method" >>"$PGDATA/pg_hba.conf"
    if [ "$db" != postgres ]; then
      # Single-user mode: no server, no socket, so nothing can connect before the database exists.
      echo "CREATE DATABASE \"$db\";" | runuser -u postgres -- postgres --single -c fsync=off -D "$PGDATA" postgres >/dev/null
    fi
    echo "envdeck-test/postgres: initialised $PGDATA (user $user, database $db)"
  fi
  exec runuser -u postgres -- postgres -D "$PGDATA" -c listen_addresses='*' "$@"
fi

exec "$@"
