"""Each undercloud service answers its real client (python-openstackclient)."""
from __future__ import annotations

import hashlib
import json

from tests.e2e.conftest import ROOT, wait_for


def test_baremetal_drivers(deployed):
    drivers = json.loads(deployed.openstack("baremetal", "driver", "list", "-f", "json"))
    names = {d.get("Supported driver(s)", d.get("name")) for d in drivers}
    assert {"ipmi", "redfish", "fake-hardware"} <= names


def test_fake_node_reaches_available(deployed):
    node = json.loads(deployed.openstack(
        "baremetal", "node", "create", "--driver", "fake-hardware", "--name", "e2e-fake-0",
        "--boot-interface", "fake", "--deploy-interface", "fake", "-f", "json"))
    assert node["provision_state"] == "enroll"
    deployed.openstack("baremetal", "node", "manage", node["uuid"], "--wait", "120")
    deployed.openstack("baremetal", "node", "provide", node["uuid"], "--wait", "120")
    shown = json.loads(deployed.openstack("baremetal", "node", "show", node["uuid"], "-f", "json"))
    assert shown["provision_state"] == "available"


def test_image_round_trip(deployed):
    src = ROOT / "image.bin"
    data = bytes(range(256)) * 4096
    src.write_bytes(data)
    image = json.loads(deployed.openstack("image", "create", "--file", str(src),
                                          "--disk-format", "raw", "--container-format", "bare",
                                          "e2e-image", "-f", "json"))
    out = ROOT / "image.out"
    deployed.openstack("image", "save", "--file", str(out), image["id"])
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()


def test_nova_compute_ironic_is_up(deployed):
    def up():
        services = json.loads(deployed.openstack("compute", "service", "list", "-f", "json"))
        return [s for s in services if s["Binary"] == "nova-compute" and s["State"] == "up"]
    assert wait_for(up), "nova-compute (ironic driver) never reported up"
    json.loads(deployed.openstack("hypervisor", "list", "-f", "json"))
    flavors = json.loads(deployed.openstack("flavor", "list", "--all", "-f", "json"))
    assert "baremetal" in {f["Name"] for f in flavors}


def test_stack_create_complete(deployed):
    template = ROOT / "stack.yaml"
    template.write_text("heat_template_version: 2018-08-31\n"
                        "resources:\n  secret:\n    type: OS::Heat::RandomString\n"
                        "outputs:\n  value:\n    value: {get_attr: [secret, value]}\n")
    deployed.openstack("stack", "create", "-t", str(template), "e2e-stack", "--wait")
    stack = json.loads(deployed.openstack("stack", "show", "e2e-stack", "-f", "json"))
    assert stack["stack_status"] == "CREATE_COMPLETE"


def test_ctlplane_network_from_undercloud_conf(deployed):
    nets = json.loads(deployed.openstack("network", "list", "-f", "json"))
    assert "ctlplane" in {n["Name"] for n in nets}
    subnet = json.loads(deployed.openstack("subnet", "show", "ctlplane-subnet", "-f", "json"))
    assert subnet["cidr"] == "192.168.24.0/24"
    assert subnet["gateway_ip"] == "192.168.24.1"
    pools = json.dumps(subnet["allocation_pools"])
    assert "192.168.24.5" in pools and "192.168.24.24" in pools
    network = json.loads(deployed.openstack("network", "show", "ctlplane", "-f", "json"))
    assert network["provider:network_type"] == "flat"
    assert network["provider:physical_network"] == "ctlplane"
