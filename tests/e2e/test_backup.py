"""backup -> destroy --purge-data (and the operator's home gone) -> restore gives back the
same users, images, nodes and objects, with the same passwords."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.e2e.conftest import NAME, ROOT

pytestmark = pytest.mark.job("update")


def test_backup_destroy_restore_round_trip(deployed, podman):
    conf = str(deployed.current_conf)
    blob = os.urandom(64 * 1024)
    src = ROOT / "backup-image.bin"
    src.write_bytes(blob)
    image = json.loads(deployed.openstack("image", "create", "--file", str(src),
                                          "--disk-format", "raw", "--container-format", "bare",
                                          "e2e-backup", "-f", "json"))
    deployed.openstack("user", "create", "--password", "kept-across-restore", "e2e-backup-user")
    node = json.loads(deployed.openstack("baremetal", "node", "create", "--driver",
                                         "fake-hardware", "--name", "e2e-backup-node", "-f", "json"))
    deployed.openstack("baremetal", "port", "create", "52:54:00:aa:bb:cc", "--node", node["uuid"])
    deployed.openstack("container", "create", "e2e-backup")
    obj = ROOT / "backup-object.txt"
    obj.write_text("an object that must survive\n")
    deployed.openstack("object", "create", "e2e-backup", str(obj), "--name", "kept.txt")
    passwords = deployed.passwords

    archive = ROOT / "undercloud-backup.tar.gz"
    deployed.undercroft("backup", "--config", conf, "--output", str(archive), "--data", "all")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

    # misuse first: over the live undercloud, and a copy cut short; neither changes anything
    before = deployed.container_ids(podman)
    live = deployed.undercroft("restore", "--config", conf, str(archive), check=False)
    assert live.returncode == 1 and f"undercloud '{NAME}' exists here" in live.stderr
    assert "everything created since then is lost" in live.stderr and "--force" in live.stderr
    cut = ROOT / "cut-backup.tar.gz"
    cut.write_bytes(archive.read_bytes()[:-8])  # the gzip trailer: CRC and length
    short = deployed.undercroft("restore", "--config", conf, str(cut), check=False)
    assert short.returncode == 1 and "cut short" in short.stderr
    assert "Traceback" not in live.stderr + short.stderr
    assert deployed.container_ids(podman) == before and deployed.passwords == passwords

    deployed.undercroft("destroy", "--config", conf, "--purge-data", "-y")
    assert deployed.container_ids(podman) == {}
    assert not Path("/run/netns", NAME).exists()
    assert not (ROOT / "data" / "mysql").exists() and not (ROOT / "state").exists()
    shutil.rmtree(ROOT / "home")  # a fresh host has no passwords file or CA either

    out = deployed.undercroft("restore", "--config", conf, str(archive)).stdout
    assert "files match the manifest" in out
    assert deployed.passwords == passwords
    users = {u["Name"] for u in json.loads(deployed.openstack("user", "list", "-f", "json"))}
    assert "e2e-backup-user" in users
    saved = ROOT / "backup-image.out"
    deployed.openstack("image", "save", "--file", str(saved), image["id"])
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(blob).digest()
    shown = json.loads(deployed.openstack("baremetal", "node", "show", node["uuid"], "-f", "json"))
    assert shown["name"] == "e2e-backup-node"
    ports = json.loads(deployed.openstack("baremetal", "port", "list", "--node", node["uuid"],
                                          "-f", "json"))
    assert [p["address"] for p in ports] == ["52:54:00:aa:bb:cc"]  # baremetal: lower-case keys
    got = ROOT / "backup-object.out"
    deployed.openstack("object", "save", "e2e-backup", "kept.txt", "--file", str(got))
    assert got.read_text() == obj.read_text()
    status = json.loads(deployed.undercroft("status", "--config", conf, "--json").stdout)
    assert all(s["healthy"] for s in status), [s for s in status if not s["healthy"]]
    deployed.openstack("baremetal", "node", "delete", node["uuid"])
