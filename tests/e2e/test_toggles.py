"""undercloud.conf's enable_* toggles: disabling a service removes its containers and
its keystone endpoints, and nothing else changes (runs last: it shrinks the deployment)."""
from __future__ import annotations

import json

from tests.e2e.conftest import NAME


def test_disabling_inspector_removes_only_its_containers_and_endpoints(deployed, podman):
    before = deployed.container_ids(podman)
    deployed.converge(deployed.extra + "\nenable_ironic_inspector = false")
    after = deployed.container_ids(podman)

    assert set(before) - set(after) == {f"{NAME}-{n}" for n in (
        "ironic_inspector_db_create", "ironic_inspector_db_sync", "ironic_inspector",
        "ironic_inspector_dnsmasq")}
    assert not set(after) - set(before)
    # Only the registration one-shot re-ran (to prune the catalog) and haproxy dropped the
    # inspector's listener; the other services are untouched.
    assert {n for n in after if after[n] != before[n]} == {f"{NAME}-keystone_register",
                                                           f"{NAME}-haproxy"}

    endpoints = json.loads(deployed.openstack("endpoint", "list", "-f", "json"))
    assert "baremetal-introspection" not in {e["Service Type"] for e in endpoints}
    assert "baremetal" in {e["Service Type"] for e in endpoints}
    users = {u["Name"] for u in json.loads(deployed.openstack("user", "list", "-f", "json"))}
    assert "ironic-inspector" not in users and "ironic" in users
