#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine.
#
# Idempotent: installs Debian's docker.io when no dockerd is on the machine,
# starts dockerd in the background when `docker info` does not answer, then
# waits (bounded) until it does. Needs root; does not need systemd.
#
# Environment:
#   DOCKERD_LOG             daemon log file      (default /var/log/ascend-doctor-dockerd.log)
#   DOCKERD_START_TIMEOUT   seconds to wait      (default 90)
#   APT_TIMEOUT             seconds for apt-get  (default 900)
set -euo pipefail

LOG=${DOCKERD_LOG:-/var/log/ascend-doctor-dockerd.log}
START_TIMEOUT=${DOCKERD_START_TIMEOUT:-90}
APT_TIMEOUT=${APT_TIMEOUT:-900}

say() { printf 'start-docker: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"

engine_answers() { timeout 15 docker info >/dev/null 2>&1; }

install_engine() {
    say "dockerd not found; installing Debian docker.io"
    export DEBIAN_FRONTEND=noninteractive
    # Keep the package's maintainer scripts from starting a daemon of their
    # own (no init system here); this script starts it below.
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        made_policy=1
    fi
    local rc=0
    timeout "$APT_TIMEOUT" apt-get update -q || rc=$?
    if [ "$rc" = 0 ]; then
        timeout "$APT_TIMEOUT" apt-get install -y -q --no-install-recommends \
            docker.io iptables ca-certificates || rc=$?
    fi
    [ "$made_policy" = 1 ] && rm -f "$policy"
    [ "$rc" = 0 ] || die "apt-get failed (exit $rc)"
    command -v dockerd >/dev/null || die "docker.io installed but dockerd is not on PATH"
}

if ! command -v dockerd >/dev/null 2>&1; then
    install_engine
fi
command -v docker >/dev/null 2>&1 || die "no docker client on PATH"

if engine_answers; then
    say "engine already answering ($(docker info --format '{{.ServerVersion}}' 2>/dev/null))"
    exit 0
fi

# A dockerd may be starting already (pid file with a live process): then only wait.
pid=""
if [ -s /var/run/docker.pid ]; then
    pid=$(cat /var/run/docker.pid)
    if ! kill -0 "$pid" 2>/dev/null; then
        say "removing stale /var/run/docker.pid ($pid)"
        rm -f /var/run/docker.pid
        pid=""
    fi
fi

if [ -z "$pid" ]; then
    # containerd is started by dockerd itself when it finds no running one.
    mkdir -p "$(dirname "$LOG")"
    say "starting dockerd (log: $LOG)"
    printf '\n=== dockerd started by %s at %s ===\n' "$0" "$(date -Is)" >>"$LOG"
    setsid nohup dockerd >>"$LOG" 2>&1 </dev/null &
    pid=$!
fi

deadline=$((SECONDS + START_TIMEOUT))
until engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 30 "$LOG" >&2 || true
        die "dockerd (pid $pid) exited; see $LOG"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        tail -n 30 "$LOG" >&2 || true
        die "dockerd did not answer within ${START_TIMEOUT}s; see $LOG"
    fi
    sleep 1
done
say "engine answering after $((SECONDS))s ($(docker info --format '{{.ServerVersion}}' 2>/dev/null), pid $pid)"
