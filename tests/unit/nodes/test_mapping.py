"""instackenv nodes as ironic fields, per driver, as tripleo-common's register_ironic_node
(stable/wallaby tripleo_common/utils/nodes.py) maps them."""
from __future__ import annotations

from pathlib import Path

from undercroft.nodes import instackenv, mapping

HERE = Path(__file__).parent
ENABLED = ["ipmi", "redfish", "idrac", "ilo", "fake-hardware", "manual-management"]


def nodes(name: str) -> dict:
    return {n.name: n for n in instackenv.load(HERE / name, ENABLED)}


def one(entry: dict) -> instackenv.Node:
    (node,) = instackenv.check([entry], ENABLED)
    return node


def test_ipmi():
    assert mapping.create_fields(nodes("instackenv.json")["ctrl-0"]) == {
        "driver": "ipmi",
        "driver_info": {"ipmi_address": "192.168.24.101", "ipmi_username": "admin",
                        "ipmi_password": "ipmi-secret-0", "ipmi_port": 6230},
        "properties": {"cpus": 4, "memory_mb": 8192, "local_gb": 40, "cpu_arch": "x86_64",
                       # dict_to_capabilities: sorted by key
                       "capabilities": "boot_option:local,profile:control"},
        "resource_class": "baremetal",
        "name": "ctrl-0",
    }


def test_redfish_keeps_its_prefixed_keys_and_profile_becomes_a_capability():
    assert mapping.create_fields(nodes("instackenv.json")["compute-0"]) == {
        "driver": "redfish",
        "driver_info": {"redfish_address": "https://192.168.24.102:8000",
                        "redfish_username": "root", "redfish_password": "redfish-secret-1",
                        "redfish_system_id": "/redfish/v1/Systems/compute-0",
                        "redfish_verify_ca": False},
        "properties": {"cpus": 8, "memory_mb": 16384, "local_gb": 100, "cpu_arch": "x86_64",
                       "capabilities": "profile:compute"},
        "resource_class": "baremetal",
        "name": "compute-0",
    }


def test_fake_hardware_interfaces_and_resource_class():
    assert mapping.create_fields(nodes("instackenv.json")["lab-0"]) == {
        "driver": "fake-hardware", "driver_info": {}, "properties": {},
        "resource_class": "lab", "deploy_interface": "fake", "name": "lab-0"}


def test_classic_driver_names_become_hardware_types():
    yaml_nodes = nodes("instackenv.yaml")
    assert mapping.create_fields(yaml_nodes["ctrl-1"])["driver"] == "ipmi"
    assert mapping.create_fields(one({"pm_type": "fake_pxe"}))["driver"] == "manual-management"


def test_idrac_gets_both_the_drac_and_the_redfish_fields():
    assert mapping.create_fields(nodes("instackenv.yaml")["idrac-0"])["driver_info"] == {
        "drac_address": "192.168.24.112", "redfish_address": "https://192.168.24.112:443/",
        "drac_username": "root", "redfish_username": "root",
        "drac_password": "calvin-secret", "redfish_password": "calvin-secret",
        "redfish_system_id": "/redfish/v1/Systems/System.Embedded.1"}


def test_ilo_and_deploy_images_and_platform():
    node = one({"pm_type": "ilo", "pm_addr": "10.0.0.1", "pm_user": "u", "pm_password": "p",
                "pm_port": 443, "kernel_id": "K", "ramdisk_id": "R", "arch": "x86_64",
                "platform": "SNB", "root_device": {"name": "/dev/sda"}})
    fields = mapping.create_fields(node)
    assert fields["driver_info"] == {
        "ilo_address": "10.0.0.1", "ilo_username": "u", "ilo_password": "p", "ilo_port": 443,
        "deploy_kernel": "K", "rescue_kernel": "K", "deploy_ramdisk": "R", "rescue_ramdisk": "R"}
    assert fields["extra"] == {"tripleo_platform": "SNB"}
    assert fields["properties"] == {"cpu_arch": "x86_64", "root_device": {"name": "/dev/sda"}}


def test_ports_default_to_the_ctlplane_network_lower_case():
    js = nodes("instackenv.json")
    assert js["ctrl-0"].ports == [{"address": "52:54:00:aa:00:01", "physical_network": "ctlplane",
                                   "local_link_connection": None}]
    assert js["compute-0"].ports == [{
        "address": "52:54:00:aa:00:02", "physical_network": "ctlplane",
        "local_link_connection": {"switch_id": "52:54:00:00:00:ff", "port_id": "Eth1/2"}}]


def test_an_entry_is_the_enrolled_node_with_its_mac_bmc_or_uuid():
    js = nodes("instackenv.json")
    enrolled = mapping.Enrolled()
    enrolled.add("u-ipmi", "ipmi", {"ipmi_address": "192.168.24.101", "ipmi_port": "6230"}, [])
    # redfish: the address without its scheme, then the system id
    enrolled.add("u-rf", "redfish", {"redfish_address": "http://192.168.24.102:8000/",
                                     "redfish_system_id": "redfish/v1/Systems/compute-0"}, [])
    enrolled.add("u-lab", "fake-hardware", {}, ["52:54:00:AA:00:03"])
    assert enrolled.match(js["ctrl-0"]) == {"u-ipmi"}
    assert enrolled.match(js["compute-0"]) == {"u-rf"}
    assert enrolled.match(js["lab-0"]) == {"u-lab"}
    # another port on the ipmi BMC is another node
    assert enrolled.match(one({"pm_type": "ipmi", "pm_addr": "192.168.24.101",
                               "pm_port": 6231})) == set()
    assert enrolled.match(one({"pm_type": "fake", "uuid": "u-ipmi",
                               "mac": ["52:54:00:aa:00:03"]})) == {"u-ipmi", "u-lab"}


def test_the_update_patch_holds_only_what_differs():
    node = nodes("instackenv.json")["ctrl-0"]
    enrolled = mapping.create_fields(node)
    enrolled["driver_info"] = {**enrolled["driver_info"], "ipmi_password": "******"}
    assert mapping.update_patch(node, enrolled) == [
        {"op": "add", "path": "/driver_info/ipmi_password", "value": "ipmi-secret-0"}]
    enrolled["properties"] = {**enrolled["properties"], "cpus": 2}
    enrolled["resource_class"] = "custom"  # not in the entry: left alone
    assert [op["path"] for op in mapping.update_patch(node, enrolled)] == [
        "/driver_info/ipmi_password", "/properties/cpus"]
