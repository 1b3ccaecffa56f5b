#!/usr/bin/env bash
# Installs what the simulated SSH fleet (tests/fleet/support/sshhosts.py) needs on a Debian host:
# sshd and ssh, sudo, ip (iproute2), unshare/nsenter (util-linux), and Debian's own python3,
# which the simulated hosts run, jemalloc (the library the hosts' LD_PRELOAD names), and
# htpasswd (apache2-utils: the bcrypt password file of the fleet's registry with authentication).
# Idempotent. Runs as root; no systemd needed.
#
# The fleet starts one sshd per network namespace itself: the package's own sshd on the
# machine is neither wanted nor started (a policy-rc.d refuses it during the install).
set -euo pipefail

PACKAGES=(openssh-server openssh-client sudo iproute2 util-linux python3 procps libjemalloc2 apache2-utils)

missing_packages() {
    local package
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q "install ok installed" || echo "$package"
    done
}

install_without_starting_services() {
    local policy=/usr/sbin/policy-rc.d created=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && created=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
    [ -z "$created" ] || rm -f "$policy"
}

if [ "$(id -u)" != 0 ]; then
    echo "install-ssh.sh: run as root" >&2
    exit 1
fi
mapfile -t wanted < <(missing_packages)
if [ "${#wanted[@]}" -gt 0 ]; then
    apt-get update -q
    install_without_starting_services "${wanted[@]}"
fi
for tool in sshd ssh ssh-keygen sudo ip unshare nsenter htpasswd; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "install-ssh.sh: $tool is still missing" >&2; exit 1; }
done
echo "install-ssh.sh: openssh $(ssh -V 2>&1), sudo, iproute2, util-linux and htpasswd are installed"
