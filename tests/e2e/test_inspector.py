"""ironic-inspector and its PXE filter working from inside a net=host-style container.

The filter (iptables driver) runs in the inspector container; its chain is read here
from the namespace itself, proving the rules cross the container boundary.
"""
from __future__ import annotations

import json
import subprocess
import time

from tests.e2e.conftest import NAME

CHAIN = "ironic-inspector"


def chain_rules() -> list[str]:
    proc = subprocess.run(["ip", "netns", "exec", NAME, "iptables", "-S", CHAIN],
                          capture_output=True, text=True)
    return proc.stdout.splitlines() if proc.returncode == 0 else []


def wait_rules(predicate, timeout=90):
    deadline = time.monotonic() + timeout
    rules = chain_rules()
    while not predicate(rules) and time.monotonic() < deadline:
        time.sleep(2)
        rules = chain_rules()
    return rules


def denied(rules, mac):
    """Walk the chain like the kernel: the first rule matching this MAC decides."""
    for rule in rules:
        if not rule.startswith("-A "):
            continue
        if "--mac-source" in rule:
            if mac.lower() in rule.lower():
                return not rule.endswith("-j ACCEPT")
            continue
        return not rule.endswith("-j ACCEPT")  # a catch-all rule
    return False


def test_introspection_rules_answer(deployed):
    json.loads(deployed.openstack("baremetal", "introspection", "rule", "list", "-f", "json"))


def test_pxe_filter_allows_only_nodes_under_introspection(deployed):
    macs = {"intro": "52:54:00:aa:00:01", "other": "52:54:00:aa:00:02"}
    nodes = {}
    for key, mac in macs.items():
        node = json.loads(deployed.openstack(
            "baremetal", "node", "create", "--driver", "fake-hardware", "--name", f"pxe-{key}",
            "--boot-interface", "fake", "--deploy-interface", "fake",
            "--inspect-interface", "inspector", "-f", "json"))
        deployed.openstack("baremetal", "port", "create", "--node", node["uuid"], mac)
        deployed.openstack("baremetal", "node", "manage", node["uuid"], "--wait", "120")
        nodes[key] = node["uuid"]

    # Enrolled but not being introspected: both MACs are kept off DHCP.
    rules = wait_rules(lambda r: r and all(denied(r, m) for m in macs.values()))
    assert rules, "the ironic-inspector chain never appeared in the namespace"
    assert all(denied(rules, m) for m in macs.values()), rules

    # Introspecting one node: its MAC is allowed, the other stays denied.
    deployed.openstack("baremetal", "introspection", "start", nodes["intro"])
    rules = wait_rules(lambda r: not denied(r, macs["intro"]) and denied(r, macs["other"]))
    assert not denied(rules, macs["intro"]), rules
    assert denied(rules, macs["other"]), rules
    assert any(r.endswith("-j ACCEPT") for r in rules), rules

    deployed.openstack("baremetal", "introspection", "abort", nodes["intro"])
    rules = wait_rules(lambda r: denied(r, macs["intro"]))
    assert denied(rules, macs["intro"]), rules
