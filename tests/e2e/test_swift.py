"""Swift answers python-openstackclient through keystone: catalog, containers, objects."""
from __future__ import annotations

import hashlib
import json

from tests.e2e.conftest import ROOT

CONTAINER = "e2e-swift"


def test_object_store_endpoints(deployed):
    endpoints = json.loads(deployed.openstack("endpoint", "list", "--service", "object-store",
                                              "-f", "json"))
    assert {e["Interface"] for e in endpoints} == {"public", "internal", "admin"}
    for e in endpoints:
        port = "13808" if e["Interface"] == "public" else "8080"  # TripleO's TLS port
        assert e["URL"].endswith(f":{port}/v1/AUTH_%(tenant_id)s"), e
        assert e["Service Name"] == "swift"
    users = {u["Name"] for u in json.loads(deployed.openstack("user", "list", "-f", "json"))}
    assert "swift" in users


def test_object_round_trip(deployed):
    deployed.openstack("container", "create", CONTAINER)
    names = {c["Name"] for c in json.loads(deployed.openstack("container", "list", "-f", "json"))}
    assert CONTAINER in names

    src = ROOT / "swift-object.bin"
    data = bytes(range(256)) * 8192 + b"undercroft"  # 2 MiB and a tail, not a round size
    src.write_bytes(data)
    deployed.openstack("object", "create", "--name", "blob", CONTAINER, str(src))
    objects = json.loads(deployed.openstack("object", "list", CONTAINER, "-f", "json"))
    assert [o["Name"] for o in objects] == ["blob"]
    shown = json.loads(deployed.openstack("object", "show", CONTAINER, "blob", "-f", "json"))
    assert int(shown["content-length"]) == len(data)

    out = ROOT / "swift-object.out"
    deployed.openstack("object", "save", "--file", str(out), CONTAINER, "blob")
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
