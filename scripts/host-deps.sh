#!/usr/bin/env bash
# Installs what Undercroft itself needs on a Debian 12 host and creates the venv.
# Host packages: podman + runc (crun fails on cgroups v1 hosts), debootstrap for the
# local base image, iproute2/iptables for namespace placement. Idempotent: re-running
# installs nothing new.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${UNDERCROFT_VENV:-$here/.venv}
pkgs=(podman runc conmon debootstrap iproute2 iptables fuse-overlayfs containernetworking-plugins python3-venv)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "host-deps: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    echo "host-deps: Debian packages present (${pkgs[*]})"
fi
# The test suite's multi-host lab runs a real sshd per simulated host (tests/e2e/
# test_multinode.py), started by the test inside its namespaces. Installed with a
# policy-rc.d that forbids starting services, so no sshd ever listens on the host itself.
if [ "${UNDERCROFT_TEST_DEPS:-}" = 1 ] && [ ! -x /usr/sbin/sshd ]; then
    echo "host-deps: installing openssh-server for the multi-host tests (not started)"
    export DEBIAN_FRONTEND=noninteractive
    policy=/usr/sbin/policy-rc.d
    had_policy=0; [ -e "$policy" ] && had_policy=1
    [ "$had_policy" = 1 ] || { printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; }
    apt-get install -y -q --no-install-recommends openssh-server || { apt-get update -q &&
        apt-get install -y -q --no-install-recommends openssh-server; }
    [ "$had_policy" = 1 ] || rm -f "$policy"
fi
py=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
    echo "host-deps: creating venv $venv"
    "$py" -m venv "$venv"
fi
stamp="$venv/.undercroft-deps"
want=$(sha256sum "$here/pyproject.toml" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "host-deps: installing Python dependencies into $venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q -e "$here[test]"
    echo "$want" > "$stamp"
else
    echo "host-deps: Python dependencies up to date in $venv"
fi
# The e2e install job's tempest run (tests/e2e/test_tempest.py): tempest and
# ironic-tempest-plugin, pinned, in a venv of their own (UNDERCROFT_TEMPEST_VENV,
# default .venv-tempest), never in the project's.
if [ "${UNDERCROFT_TEST_DEPS:-}" = 1 ]; then
    PYTHON="$py" bash "$here/scripts/tempest-venv.sh"
fi
