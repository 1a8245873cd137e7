"""Neutron's agents on the ctlplane: the L2 agent plugs the DHCP port into the ctlplane
(Zed: linuxbridge, into br-ctlplane; Epoxy: Open vSwitch, into br-int, whose provider
bridge is joined to br-ctlplane), and the DHCP agent's dnsmasq serves ctlplane-subnet from
a qdhcp namespace."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import NAME, RELEASE, wait_for
from undercroft.runtime.hostprep import dhcp_namespaces
from undercroft.runtime.podman import Podman

HOST = "undercloud.localdomain"
PROBE_NS = f"{NAME}-dhcp-probe"
DHCP_CLIENT = Path(__file__).with_name("dhcp_client.py")  # one DHCPDISCOVER, offers as JSON
OVS = RELEASE != "zed"  # neutron 26 (Epoxy) has no linuxbridge agent
L2_AGENT = ("Open vSwitch agent", "neutron-openvswitch-agent", "ovs") if OVS else \
    ("Linux bridge agent", "neutron-linuxbridge-agent", "bridge")  # type, binary, vif_type


def ip(*args: str) -> str:
    return subprocess.run(["ip", *args], check=True, capture_output=True, text=True).stdout


def agents(deployed) -> list[dict]:
    return json.loads(deployed.openstack("network", "agent", "list", "-f", "json"))


def dhcp_port(deployed) -> dict:
    def active():
        ports = json.loads(deployed.openstack("port", "list", "--network", "ctlplane",
                                              "--device-owner", "network:dhcp", "-f", "json"))
        return ports if ports and all(p["Status"] == "ACTIVE" for p in ports) else None
    ports = wait_for(active)
    assert ports and len(ports) == 1, ports
    return json.loads(deployed.openstack("port", "show", ports[0]["ID"], "-f", "json"))


def test_l2_and_dhcp_agents_are_alive(deployed):
    def alive():
        found = {a["Agent Type"]: a for a in agents(deployed) if a["Host"] == HOST}
        wanted = [found.get(L2_AGENT[0]), found.get("DHCP agent")]
        return wanted if all(a and a["Alive"] and a["State"] for a in wanted) else None
    l2, dhcp = wait_for(alive) or (None, None)
    assert l2 and dhcp, agents(deployed)
    assert l2["Binary"] == L2_AGENT[1]
    assert dhcp["Binary"] == "neutron-dhcp-agent"


def test_baremetal_agent_reports_a_node_with_a_port(deployed):
    node = json.loads(deployed.openstack("baremetal", "node", "create", "--driver",
                                         "fake-hardware", "--name", "e2e-neutron-agent",
                                         "-f", "json"))
    try:
        deployed.openstack("baremetal", "port", "create", "--node", node["uuid"],
                           "--physical-network", "ctlplane", "52:54:00:bb:00:01")

        def reported():
            return [a for a in agents(deployed) if a["Agent Type"] == "Baremetal Node"
                    and a["Host"] == node["uuid"] and a["Alive"]]
        # ironic-neutron-agent reports nodes with ports every report_interval (30 s)
        assert wait_for(reported, timeout=150), agents(deployed)
    finally:
        deployed.openstack("baremetal", "node", "delete", node["uuid"])


def test_dhcp_port_is_bound_by_the_l2_agent_and_active(deployed):
    port = dhcp_port(deployed)
    subnet = json.loads(deployed.openstack("subnet", "show", "ctlplane-subnet", "-f", "json"))
    assert subnet["enable_dhcp"] is True
    assert [f["subnet_id"] for f in port["fixed_ips"]] == [subnet["id"]]
    assert port["binding_host_id"] == HOST
    assert port["binding_vif_type"] == L2_AGENT[2]
    assert port["status"] == "ACTIVE"


def test_dnsmasq_listens_in_a_qdhcp_namespace_plugged_into_the_ctlplane(deployed):
    port = dhcp_port(deployed)
    netns = f"qdhcp-{port['network_id']}"
    assert netns in dhcp_namespaces(NAME)
    # the namespace end carries the port's address; the tap end sits on br-ctlplane (Zed)
    # or on Open vSwitch's br-int (Epoxy)
    assert port["fixed_ips"][0]["ip_address"] in ip("-n", netns, "-o", "addr", "show")
    tap = f"tap{port['id'][:11]}"
    if OVS:
        ports = Podman().call("exec", f"{NAME}-openvswitch_vswitchd", "ovs-vsctl",
                                     "--db=unix:/run/openvswitch/db.sock", "list-ports",
                                     "br-int").stdout.split()
        assert tap in ports, ports
    else:
        assert tap in ip("-n", NAME, "-o", "link", "show", "master", "br-ctlplane")

    def listening():
        out = subprocess.run(["ip", "netns", "exec", netns, "ss", "-H", "-l", "-n", "-u", "-p"],
                             capture_output=True, text=True).stdout
        return [ln for ln in out.splitlines() if ":67 " in ln and '"dnsmasq"' in ln]
    assert wait_for(listening, timeout=60), "no dnsmasq on udp/67 in " + netns


def test_dnsmasq_offers_a_port_its_address(deployed):
    """A client on br-ctlplane with a neutron port's MAC is offered that port's address
    by the DHCP port (ironic-inspector's dnsmasq may answer too, from its own range)."""
    server = dhcp_port(deployed)["fixed_ips"][0]["ip_address"]
    mac = "fa:16:3e:e2:e0:01"
    port = json.loads(deployed.openstack("port", "create", "--network", "ctlplane",
                                         "--mac-address", mac, "e2e-dhcp-probe", "-f", "json"))
    address = port["fixed_ips"][0]["ip_address"]
    inner, outer = f"{NAME[:9]}dp0", f"{NAME[:9]}dp1"
    try:
        ip("netns", "add", PROBE_NS)
        ip("link", "add", inner, "netns", PROBE_NS, "address", mac, "type", "veth",
           "peer", "name", outer, "netns", NAME)
        ip("-n", PROBE_NS, "link", "set", inner, "up")
        ip("-n", NAME, "link", "set", outer, "master", "br-ctlplane", "up")

        def offered():  # dnsmasq reads the new host entry on its next reload
            out = subprocess.run(["ip", "netns", "exec", PROBE_NS, sys.executable, str(DHCP_CLIENT),
                                  inner, mac, "--plain"], capture_output=True, text=True).stdout
            answers = [json.loads(ln) for ln in out.splitlines() if ln.strip()]
            return [a for a in answers if a["server_id"] == server]
        offers = wait_for(offered, timeout=60)
        assert offers and offers[0]["address"] == address, offers
    finally:
        if Path("/run/netns", PROBE_NS).exists():
            subprocess.run(["ip", "netns", "del", PROBE_NS], check=False)
        deployed.openstack("port", "delete", port["id"])
