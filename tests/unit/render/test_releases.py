"""A release's own containers and files: neutron's L2 agent changed between Zed and Epoxy."""
from __future__ import annotations

from undercroft.lifecycle import deployment


def _neutron(tmp_path, release: str) -> tuple[list[str], dict[str, str]]:
    conf = tmp_path / f"{release}.conf"
    conf.write_text(f"[DEFAULT]\noutput_dir = {tmp_path}/home\nundercloud_hostname = uc.example.com\n"
                    f"[undercroft]\nrelease = {release}\nnetwork_namespace = t\n"
                    f"state_dir = {tmp_path}/state\ndata_root = {tmp_path}/data\n"
                    f"log_dir = {tmp_path}/log\n")
    dep = deployment.load(conf, {})
    mine = [c for c in dep.rendered.containers if c.desired.service == "neutron"]
    files = {f.dest: f.content for c in mine for f in c.files}
    return [c.desired.name for c in mine], files


def test_zed_runs_the_linuxbridge_agent(tmp_path):
    names, files = _neutron(tmp_path, "zed")
    assert "neutron_linuxbridge_agent" in names
    assert not [n for n in names if "ovs" in n or "openvswitch" in n]
    assert "/etc/neutron/plugins/ml2/openvswitch_agent.ini" not in files
    assert "mechanism_drivers = linuxbridge,baremetal" in files["/etc/neutron/plugins/ml2/ml2_conf.ini"]
    assert "interface_driver = linuxbridge" in files["/etc/neutron/dhcp_agent.ini"]


def test_epoxy_runs_open_vswitch_in_userspace_in_chain_order(tmp_path):
    names, files = _neutron(tmp_path, "epoxy")
    assert "neutron_linuxbridge_agent" not in names
    chain = [n for n in names if n in ("openvswitch_db", "openvswitch_vswitchd",
                                       "neutron_ovs_agent", "neutron_dhcp")]
    assert chain == ["openvswitch_db", "openvswitch_vswitchd", "neutron_ovs_agent", "neutron_dhcp"]
    assert "/etc/neutron/plugins/ml2/linuxbridge_agent.ini" not in files
    agent = files["/etc/neutron/plugins/ml2/openvswitch_agent.ini"]
    assert "datapath_type = netdev" in agent and "bridge_mappings = ctlplane:br-ctlplane-ovs" in agent
    assert "mechanism_drivers = openvswitch,baremetal" in files["/etc/neutron/plugins/ml2/ml2_conf.ini"]
    assert "interface_driver = openvswitch" in files["/etc/neutron/dhcp_agent.ini"]
    assert "linuxbridge = true" not in files["/etc/neutron/neutron.conf"]
