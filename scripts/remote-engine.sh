#!/usr/bin/env bash
#! A real remote Docker engine for the remote-environment tests: a second dockerd, reachable only through
#! a local sshd on 127.0.0.1:2223 as the user `envdeckremote` (not in the docker group: a lost DOCKER_HOST
#! fails instead of reaching this machine's engine). ssh's client finds its key and known host through
#! /etc/ssh/ssh_config.d/envdeckremote.conf, so `ssh envdeckremote@127.0.0.1 -p 2223` works flag-free,
#! as a developer's own ~/.ssh/config would. Idempotent; `stop` takes it all down. The test image
#! envdeck-test/busybox:1 is copied from this machine's engine.
#! The same dockerd listens on tcp://127.0.0.1:2376 with verified TLS (a CA of the rig's own; the client's
#! files in /tmp/envdeck-remote/tls/client, and in tls/other a CA and client it does not trust).
#!   URL the tests use: ssh://envdeckremote@127.0.0.1:2223   Its socket, for the docker CLI: unix:///tmp/envdeck-remote/docker.sock
set -euo pipefail

D=/tmp/envdeck-remote U=envdeckremote P=2223
say() { printf '\033[1m[remote-engine]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[remote-engine] %s\033[0m\n' "$*" >&2; exit 1; }
remote() { docker -H "unix://$D/docker.sock" "$@"; }

if [ "${1:-}" = stop ]; then
  for pid in "$D/sshd.pid" "$D/dockerd.pid"; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true; done
  rm -f "/etc/ssh/ssh_config.d/$U.conf"
  ip link del envdeckr0 2>/dev/null || true
  sleep 2; rm -rf "$D"; say "stopped"; exit 0
fi

[ "$(id -u)" = 0 ] || die "run as root: it adds a user and starts a daemon"
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || die "openssh-server is missing: run scripts/setup.sh test"

# The daemons started below must not inherit this lock (9>&-), or they would hold it for good.
exec 9>/tmp/envdeck-remote.lock
flock 9

# Every step checks first: a second run (or a run after `stop`) does only what is missing.
mkdir -p "$D/home/.ssh" "$D/data" "$D/x" /run/sshd
getent group "$U" >/dev/null || groupadd "$U"
id "$U" >/dev/null 2>&1 || useradd -M -d "$D/home" -s /bin/sh -g "$U" "$U"
usermod -p '*' "$U"   # no password, yet not locked: sshd refuses locked accounts
[ -f "$D/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$D/id_ed25519"
[ -f "$D/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$D/host_key"
cp "$D/id_ed25519.pub" "$D/home/.ssh/authorized_keys"
chown -R "$U:$U" "$D/home"; chmod 700 "$D/home/.ssh"

# Its own bridge: with `--bridge=none` a dockerd deletes any `docker0` it finds, which is this machine's
# engine's (every container of the main engine then fails to start).
B=envdeckr0
if ! ip link show "$B" >/dev/null 2>&1; then
  ip link add "$B" type bridge
  ip addr add 10.213.0.1/24 dev "$B"
  ip link set "$B" up
fi
# TLS for tcp://127.0.0.1:2376, as `dockerd --tlsverify` is set up on a server: the server's certificate
# names 127.0.0.1 only (so `localhost` is a name it does not hold), the client's is signed by the same CA.
T="$D/tls"
sign() { # NAME CA_DIR EXTENSIONS SUBJECT: a P-256 key (PKCS#8) and a certificate the CA signs
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$4" \
    -keyout "$1-key.pem" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$2/ca.pem" -CAkey "$2/ca-key.pem" -CAcreateserial -days 3650 \
    -extfile <(printf '%s\n' "$3") -out "$1.pem" 2>/dev/null
}
new_ca() { # DIR NAME
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=$2" \
    -keyout "$1/ca-key.pem" -out "$1/ca.pem" 2>/dev/null
}
if [ ! -f "$T/other/key.pem" ]; then
  rm -rf "$T"; mkdir -p "$T/client"
  new_ca "$T" "envdeck rig CA"
  sign "$T/server" "$T" "subjectAltName=IP:127.0.0.1" 127.0.0.1
  sign "$T/client/cert" "$T" "extendedKeyUsage=clientAuth" envdeck-client
  mv "$T/client/cert-key.pem" "$T/client/key.pem"; cp "$T/ca.pem" "$T/client/ca.pem"
  new_ca "$T/other" "a CA the rig does not know"
  sign "$T/other/cert" "$T/other" "extendedKeyUsage=clientAuth" stranger
  mv "$T/other/cert-key.pem" "$T/other/key.pem"
  rm -f "$T"/*.csr "$T"/*/*.csr
fi
tls_answers() {
  docker --tlsverify --tlscacert "$T/client/ca.pem" --tlscert "$T/client/cert.pem" --tlskey "$T/client/key.pem" \
    -H tcp://127.0.0.1:2376 info >/dev/null 2>&1
}
# A rig started before it listened on TCP is started again.
if remote info >/dev/null 2>&1 && ! tls_answers && [ -f "$D/dockerd.pid" ]; then
  say "restarting the second dockerd to listen on tcp://127.0.0.1:2376"
  pid=$(cat "$D/dockerd.pid"); kill "$pid" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
fi

had_docker0=$(test -e /sys/class/net/docker0 && echo yes || true)
if ! remote info >/dev/null 2>&1; then
  say "starting the second dockerd (log: $D/dockerd.log)"
  # A dockerd that finds the network store of its last run "clears the stale bridge network" and, even
  # with --bridge set, deletes `docker0` (this machine's engine's) on the way. Each start begins without one.
  rm -rf "$D/data/network"
  (setsid dockerd --data-root "$D/data" --exec-root "$D/x" --pidfile "$D/dockerd.pid" -H "unix://$D/docker.sock" \
    -H tcp://127.0.0.1:2376 --tlsverify --tlscacert "$T/ca.pem" --tlscert "$T/server.pem" --tlskey "$T/server-key.pem" \
    --group "$U" --bridge="$B" --iptables=false --ip-masq=false --containerd-namespace "$U" \
    --containerd-plugins-namespace "$U-plugins" --default-address-pool base=10.214.0.0/16,size=24 \
    </dev/null >"$D/dockerd.log" 2>&1 9>&- &)
fi
printf '%s\n' "Port $P" "ListenAddress 127.0.0.1" "HostKey $D/host_key" "PidFile $D/sshd.pid" \
  "AuthorizedKeysFile $D/home/.ssh/authorized_keys" "PasswordAuthentication no" "UsePAM no" \
  "KbdInteractiveAuthentication no" "AllowUsers $U" "SetEnv DOCKER_HOST=unix://$D/docker.sock" >"$D/sshd_config"
if ! { [ -f "$D/sshd.pid" ] && kill -0 "$(cat "$D/sshd.pid")" 2>/dev/null; }; then
  /usr/sbin/sshd -f "$D/sshd_config" -E "$D/sshd.log" 9>&-
fi
echo "[127.0.0.1]:$P $(cut -d' ' -f1,2 "$D/host_key.pub")" >"$D/known_hosts"
mkdir -p /etc/ssh/ssh_config.d
# Its host key is known to every user of this port (so a wrong user is refused at login, not at the host
# key); the key pair only to the remote user.
printf '%s\n' "Match host 127.0.0.1 exec \"test %p = $P\"" "  UserKnownHostsFile $D/known_hosts" "  BatchMode yes" \
  "Match host 127.0.0.1 user $U exec \"test %p = $P\"" "  IdentityFile $D/id_ed25519" "  IdentitiesOnly yes" \
  >"/etc/ssh/ssh_config.d/$U.conf"

for _ in $(seq 60); do remote info >/dev/null 2>&1 && break; sleep 1; done
remote info >/dev/null 2>&1 || { tail -n 30 "$D/dockerd.log" >&2; die "the second dockerd did not answer within 60 s"; }
tls_answers || { tail -n 30 "$D/dockerd.log" >&2; die "the second dockerd does not answer over TLS on tcp://127.0.0.1:2376"; }
[ -z "$had_docker0" ] || [ -e /sys/class/net/docker0 ] \
  || die "starting the second dockerd deleted this machine's docker0 (see $D/dockerd.log): run scripts/docker-engine.sh to mend it"
remote image inspect envdeck-test/busybox:1 >/dev/null 2>&1 || docker save envdeck-test/busybox:1 | remote load >/dev/null
ssh -p "$P" "$U@127.0.0.1" docker version --format '{{.Server.Version}}' >/dev/null 2>&1 \
  || { tail -n 20 "$D/sshd.log" >&2; die "the remote engine does not answer over ssh"; }
say "the remote engine answers over ssh://$U@127.0.0.1:$P and tcp://127.0.0.1:2376 (TLS)"
