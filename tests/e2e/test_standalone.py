"""The Standalone role: ``undercroft deploy -r roles/Standalone.yaml`` on one host gives an
all-in-one cloud whose nova-compute (nova's fake driver: this VM has no virtualization)
takes a server to ACTIVE on the ctlplane network.

Its own deployment ``ucsa`` (namespace, files under /var/tmp/undercroft-sa), from the
same templates and engine as the undercloud; only the role differs.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.e2e.conftest import (RELEASE, deployment_conf, run_openstack, run_undercroft,
                                wait_for, wipe)

pytestmark = pytest.mark.job("roles")

NAME = "ucsa"
ROOT = Path("/var/tmp/undercroft-sa")


def undercroft(*args: str) -> str:
    return run_undercroft(ROOT / "undercloud.conf", *args).stdout


def openstack(*args: str) -> str:
    return run_openstack(NAME, ROOT, *args)


def listed(*args: str) -> list[dict]:
    return json.loads(openstack(*args, "-f", "json"))


@pytest.fixture(scope="module")
def standalone(podman):
    wipe(podman, NAME, ROOT)
    ROOT.mkdir(parents=True)
    (ROOT / "undercloud.conf").write_text(deployment_conf(NAME, ROOT, hostname="standalone.localdomain"))
    out = undercroft("deploy", "-r", "roles/Standalone.yaml")
    print(out)
    yield out
    wipe(podman, NAME, ROOT)


def test_only_the_roles_services_are_deployed(standalone, podman):
    names = {c.name.removeprefix(f"{NAME}-") for c in podman.containers(NAME)}
    assert {"nova_compute", "nova_api", "neutron_api", "glance_api", "keystone"} <= names
    assert not [n for n in names if n.startswith(("ironic", "swift", "heat", "mistral", "zaqar"))]
    services = {s["Type"] for s in listed("service", "list")}
    assert services == {"identity", "image", "placement", "network", "compute"}


def test_nova_compute_runs_the_fake_driver_and_is_a_hypervisor(standalone):
    def up():
        return [s for s in listed("compute", "service", "list", "--service", "nova-compute")
                if s["State"] == "up"]
    computes = wait_for(up, timeout=120, interval=3)
    assert [s["Host"] for s in computes] == ["standalone.localdomain"], computes
    hypervisors = wait_for(lambda: listed("hypervisor", "list"), timeout=120, interval=5)
    assert [h["Hypervisor Type"] for h in hypervisors] == ["fake"], hypervisors


def test_a_server_reaches_active_on_the_ctlplane_network(standalone, tmp_path):
    image = tmp_path / "cirros-like.img"
    image.write_bytes(os.urandom(1024 * 1024))
    openstack("image", "create", "--file", str(image), "--disk-format", "raw",
              "--container-format", "bare", "sa-image")
    server = json.loads(openstack("server", "create", "--flavor", "m1.tiny", "--image", "sa-image",
                                  "--network", "ctlplane", "--wait", "sa-server", "-f", "json"))
    assert server["status"] == "ACTIVE", server
    assert server["OS-EXT-SRV-ATTR:host"] == "standalone.localdomain"
    ports = listed("port", "list", "--server", server["id"], "--long")
    assert len(ports) == 1 and ports[0]["Fixed IP Addresses"], ports
    port = json.loads(openstack("port", "show", ports[0]["ID"], "-f", "json"))
    # bound by the L2 agent's host: linuxbridge (Zed) or Open vSwitch (Epoxy)
    assert port["binding_vif_type"] == ("bridge" if RELEASE == "zed" else "ovs"), port
    openstack("server", "delete", "--wait", "sa-server")
    assert listed("server", "list") == []


def test_the_role_is_recorded_so_a_rerun_changes_nothing(standalone):
    # a plain install (no -r) renders the recorded Standalone role: nothing to do
    assert "Nothing to do" in undercroft("install")
