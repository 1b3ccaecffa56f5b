#!/usr/bin/env bash
# Make sure a Docker registry (Debian's docker-registry, distribution 2.x)
# answers on 127.0.0.1:5000 over plain HTTP.
#
# Idempotent: installs the package when missing, starts the registry in the
# background when /v2/ does not answer, waits (bounded) until it does.
# Needs root; does not need systemd. Docker treats 127.0.0.0/8 as an insecure
# registry by default, so no daemon setting is needed to push/pull.
#
# Environment:
#   REGISTRY_ADDR            listen address     (default 127.0.0.1:5000)
#   REGISTRY_DATA            storage directory  (default /var/lib/docker-registry)
#   REGISTRY_LOG             log file           (default /var/log/ascend-doctor-registry.log)
#   REGISTRY_START_TIMEOUT   seconds to wait    (default 30)
#   APT_TIMEOUT              seconds for apt-get (default 600)
set -euo pipefail

ADDR=${REGISTRY_ADDR:-127.0.0.1:5000}
DATA=${REGISTRY_DATA:-/var/lib/docker-registry}
LOG=${REGISTRY_LOG:-/var/log/ascend-doctor-registry.log}
START_TIMEOUT=${REGISTRY_START_TIMEOUT:-30}
APT_TIMEOUT=${APT_TIMEOUT:-600}
CONF=/etc/docker/registry/ascend-doctor-e2e.yml
PIDFILE=/run/ascend-doctor-registry.pid

say() { printf 'start-registry: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"

answers() {
    curl -fsS --max-time 5 -o /dev/null "http://$ADDR/v2/" 2>/dev/null
}

if answers; then
    say "registry already answering on http://$ADDR/v2/"
    exit 0
fi

if ! command -v docker-registry >/dev/null 2>&1; then
    say "docker-registry not found; installing Debian docker-registry"
    export DEBIAN_FRONTEND=noninteractive
    policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
        # keep the package from starting its own instance on :5000
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        made_policy=1
    fi
    rc=0
    timeout "$APT_TIMEOUT" apt-get update -q || rc=$?
    if [ "$rc" = 0 ]; then
        timeout "$APT_TIMEOUT" apt-get install -y -q --no-install-recommends \
            docker-registry curl || rc=$?
    fi
    [ "$made_policy" = 1 ] && rm -f "$policy"
    [ "$rc" = 0 ] || die "apt-get failed (exit $rc)"
fi
command -v curl >/dev/null 2>&1 || die "curl is needed"

mkdir -p "$DATA" "$(dirname "$CONF")" "$(dirname "$LOG")"
cat >"$CONF" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $DATA
  delete:
    enabled: true
http:
  addr: $ADDR
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
EOF

pid=""
if [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    pid=$(cat "$PIDFILE")
    say "registry process $pid exists; waiting for it"
else
    say "starting docker-registry on $ADDR (data: $DATA, log: $LOG)"
    printf '\n=== docker-registry started by %s at %s ===\n' "$0" "$(date -Is)" >>"$LOG"
    setsid nohup docker-registry serve "$CONF" >>"$LOG" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PIDFILE"
fi

deadline=$((SECONDS + START_TIMEOUT))
until answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 20 "$LOG" >&2 || true
        die "docker-registry (pid $pid) exited; see $LOG"
    fi
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$LOG" >&2; die "no answer on http://$ADDR/v2/ within ${START_TIMEOUT}s"; }
    sleep 0.5
done
say "registry answering on http://$ADDR/v2/ (pid $pid)"
