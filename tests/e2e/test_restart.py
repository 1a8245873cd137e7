"""Reboot simulation: every container stopped and the namespace gone, then ``undercroft
start`` brings the undercloud back, healthy, with its data."""
from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import NAME, ROOT

pytestmark = pytest.mark.job("update")


def test_start_after_simulated_reboot_keeps_data(deployed, podman):
    src = ROOT / "restart-image.bin"
    data = b"survives a reboot\n" * 1000
    src.write_bytes(data)
    image = json.loads(deployed.openstack("image", "create", "--file", str(src),
                                          "--disk-format", "raw", "--container-format", "bare",
                                          "e2e-restart", "-f", "json"))
    before = {c: i for c, i in deployed.container_ids(podman).items()}

    out = deployed.undercroft("stop", "--config", str(deployed.current_conf)).stdout
    assert "Stopped" in out
    running = podman.call("ps", "--filter", f"label=undercroft.deployment={NAME}",
                          "--format", "{{.Names}}").stdout.split()
    assert running == []
    subprocess.run(["ip", "netns", "del", NAME], check=True)  # what a reboot does to it
    assert not Path("/run/netns", NAME).exists()

    out = deployed.undercroft("start", "--config", str(deployed.current_conf)).stdout
    assert "Step 1: load balancer and VIPs" in out and "Step 4: services" in out
    assert Path("/run/netns", NAME).exists()
    # Same containers (started, not recreated), one-shots not re-run, all healthy.
    assert deployed.container_ids(podman) == before
    status = json.loads(deployed.undercroft("status", "--config", str(deployed.current_conf),
                                            "--json").stdout)
    assert all(s["healthy"] for s in status), [s for s in status if not s["healthy"]]

    out_file = ROOT / "restart-image.out"
    deployed.openstack("image", "save", "--file", str(out_file), image["id"])
    assert hashlib.sha256(out_file.read_bytes()).digest() == hashlib.sha256(data).digest()
    # Converging afterwards finds nothing to do: start changed no input.
    assert "Nothing to do" in deployed.undercroft("install", "--config", str(deployed.current_conf)).stdout
