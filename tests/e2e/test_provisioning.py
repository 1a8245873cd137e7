"""The undercloud does its job: enroll, introspect and deploy bare-metal nodes.

No hardware and no VMs: each test node is a network namespace whose ``eth0`` is one end
of a veth pair, the other end on the undercloud's br-ctlplane. What a NIC's PXE ROM and
the inspection ramdisk would do, the test does from inside that namespace, over the
real network: DHCP with the PXE vendor class (tests/e2e/dhcp_client.py), TFTP and HTTP
downloads, the inspection callback. The ``redfish`` node's BMC is sushy-tools' Redfish
emulator (fake system driver) in its own namespace on br-ctlplane, so ironic powers it
and sets its boot device over the Redfish protocol; the ``fake`` node is fake-hardware.

The path covered: PXE filter denies an enrolled node -> introspection (filter allows,
inspector's dnsmasq offers the iPXE boot file, TFTP/HTTP downloads, payload posted to
the callback, properties/ports/physical network/introspection rule on the node) ->
nova boots a whole-disk image on the fake node (ACTIVE, neutron port bound by the
baremetal mechanism driver) and on the redfish node with ironic's ramdisk deploy, where
neutron's dnsmasq offers the node ironic's iPXE script and the node downloads the
kernel it names from the undercloud -> deletes return both nodes to available.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import BIN, NAME, ROOT, wait_for

pytestmark = pytest.mark.job("install")

LOCAL_IP = "192.168.24.1"
HTTP = f"http://{LOCAL_IP}:8088"
BMC_NS, BMC_IP, BMC_PORT = f"{NAME}-bmc", "192.168.24.250", 8000
INSPECTION_RANGE = range(100, 121)  # inspection_iprange's last octets
DHCP_CLIENT = Path(__file__).with_name("dhcp_client.py")
MANUFACTURER = "Undercroft Lab"


@dataclass
class Node:
    key: str
    ns: str
    mac: str
    cpus: int
    memory_mb: int
    disk_gb: int
    system_id: str = ""  # the emulated BMC's system uuid (redfish node)
    uuid: str = ""       # ironic's

    @property
    def name(self) -> str:
        return f"e2e-{self.key}"


NODES = {
    "redfish": Node("redfish", f"{NAME}-n1", "52:54:00:e2:01:01", 4, 8192, 50,
                    system_id="4f1c8a2e-8d3b-4c53-9b7e-0e2e00000001"),
    "fake": Node("fake", f"{NAME}-n2", "52:54:00:e2:02:01", 2, 4096, 20),
}


def ip(*args: str) -> str:
    return subprocess.run(["ip", *args], check=True, capture_output=True, text=True).stdout


def in_ns(ns: str, *argv: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    proc = subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} in {ns} failed ({proc.returncode}):\n"
                             f"{proc.stdout.decode(errors='replace')}\n{proc.stderr.decode(errors='replace')}")
    return proc


def plug(ns: str, mac: str | None = None, address: str | None = None) -> None:
    """A namespace whose eth0 is wired into the undercloud's br-ctlplane."""
    outer = f"{ns}-br"[-15:]
    unplug(ns)
    ip("netns", "add", ns)
    ip("link", "add", "eth0", "netns", ns, *(["address", mac] if mac else []), "type", "veth",
       "peer", "name", outer, "netns", NAME)
    ip("-n", ns, "link", "set", "lo", "up")
    ip("-n", ns, "link", "set", "eth0", "up")
    ip("-n", NAME, "link", "set", outer, "master", "br-ctlplane", "up")
    if address:
        ip("-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")


def unplug(ns: str) -> None:
    if Path("/run/netns", ns).exists():
        for pid in subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                                  text=True).stdout.split():
            subprocess.run(["kill", "-9", pid], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def dhcp(node: Node, ipxe: bool = False, request: bool = False, uefi: bool = False) -> list[dict]:
    proc = in_ns(node.ns, sys.executable, str(DHCP_CLIENT), "eth0", node.mac,
                 *(["--ipxe"] if ipxe else []), *(["--request"] if request else []),
                 *(["--uefi"] if uefi else []))
    return [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]


def boot_file(answer: dict) -> str:
    """The boot file a DHCP answer names: the BOOTP file field, or option 67 when the
    client asked for it (dnsmasq then puts it there)."""
    return answer["file"] or answer["bootfile_option"]


def fetch(node: Node, url: str) -> bytes:
    """What the node's firmware or ramdisk downloads (TFTP or HTTP), from its namespace."""
    return in_ns(node.ns, "curl", "-sSf", "--max-time", "30", url).stdout


def bmc_system(node: Node) -> dict:
    out = in_ns(NAME, "curl", "-sSf", f"http://{BMC_IP}:{BMC_PORT}/redfish/v1/Systems/{node.system_id}")
    return json.loads(out.stdout)


def sushy_conf() -> str:
    system = NODES["redfish"]
    systems = [{"uuid": system.system_id, "name": system.name, "power_state": "Off",
                "nics": [{"mac": system.mac}]}]
    return (f"SUSHY_EMULATOR_LISTEN_IP = {BMC_IP!r}\n"
            f"SUSHY_EMULATOR_LISTEN_PORT = {BMC_PORT}\n"
            "SUSHY_EMULATOR_FAKE_DRIVER = True\n"
            f"SUSHY_EMULATOR_STATE_DIR = {str(ROOT / 'sushy-state')!r}\n"
            f"SUSHY_EMULATOR_FAKE_SYSTEMS = {systems!r}\n")


def forget_earlier_run(deployed) -> None:
    """What this module made in a reused deployment (UNDERCROFT_E2E_REUSE): servers,
    nodes, flavor, images. A fresh deployment has none of them."""
    listed = lambda *what: deployed.openstack(*what, "-f", "value", "-c", "Name").split()  # noqa: E731
    for server in set(listed("server", "list")) & {"e2e-wholedisk", "e2e-ramdisk"}:
        deployed.openstack("server", "delete", "--wait", server)
    for node in set(listed("baremetal", "node", "list")) & {n.name for n in NODES.values()}:
        deployed.openstack("baremetal", "node", "maintenance", "set", node)
        deployed.openstack("baremetal", "node", "delete", node)
    if "e2e-ramdisk" in listed("flavor", "list"):
        deployed.openstack("flavor", "delete", "e2e-ramdisk")
    for image in set(listed("image", "list")) & {"e2e-wholedisk", "e2e-kernel", "e2e-ramdisk-initrd",
                                                 "e2e-ramdisk-image"}:
        deployed.openstack("image", "delete", image)


@pytest.fixture(scope="module")
def lab(deployed):
    """The BMC emulator and the node namespaces, wired into br-ctlplane (the session's
    deployment is fresh, so no node or server of an earlier run exists)."""
    forget_earlier_run(deployed)
    plug(BMC_NS, address=BMC_IP)
    conf = ROOT / "sushy.conf"
    conf.write_text(sushy_conf())
    log = open(ROOT / "sushy.log", "ab")
    bmc = subprocess.Popen(["ip", "netns", "exec", BMC_NS, str(BIN / "sushy-emulator"),
                            "--config", str(conf), "--fake"], stdout=log, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    for node in NODES.values():
        plug(node.ns, mac=node.mac)
    try:
        assert wait_for(lambda: in_ns(NAME, "curl", "-sf", f"http://{BMC_IP}:{BMC_PORT}/redfish/v1/",
                                      check=False).returncode == 0, timeout=60), \
            (ROOT / "sushy.log").read_text()
        yield NODES
    finally:
        bmc.kill()
        bmc.wait()
        log.close()
        for ns in [BMC_NS] + [n.ns for n in NODES.values()]:
            unplug(ns)


def node_show(deployed, node: Node) -> dict:
    return json.loads(deployed.openstack("baremetal", "node", "show", node.uuid, "-f", "json"))


def test_enroll_a_redfish_node_and_a_fake_hardware_node(deployed, lab):
    redfish, fake = lab["redfish"], lab["fake"]
    created = json.loads(deployed.openstack(
        "baremetal", "node", "create", "--driver", "redfish", "--name", redfish.name,
        "--driver-info", f"redfish_address=http://{BMC_IP}:{BMC_PORT}",
        "--driver-info", f"redfish_system_id=/redfish/v1/Systems/{redfish.system_id}",
        "--driver-info", "redfish_username=admin", "--driver-info", "redfish_password=password",
        "--inspect-interface", "inspector", "-f", "json"))
    redfish.uuid = created["uuid"]
    created = json.loads(deployed.openstack(
        "baremetal", "node", "create", "--driver", "fake-hardware", "--name", fake.name,
        "--boot-interface", "fake", "--deploy-interface", "fake",
        "--inspect-interface", "inspector", "-f", "json"))
    fake.uuid = created["uuid"]
    for node in (redfish, fake):
        deployed.openstack("baremetal", "port", "create", "--node", node.uuid, node.mac)
        deployed.openstack("baremetal", "node", "manage", node.uuid, "--wait", "120")
        assert node_show(deployed, node)["provision_state"] == "manageable"
    # ironic drives the emulated BMC over Redfish (the emulator applies a power change
    # 1 to 11 s later, as hardware would)
    for verb, redfish_state, ironic_state in (("on", "On", "power on"), ("off", "Off", "power off")):
        deployed.openstack("baremetal", "node", "power", verb, redfish.uuid)
        assert wait_for(lambda: node_show(deployed, redfish)["power_state"] == ironic_state,
                        timeout=90), node_show(deployed, redfish)
        assert bmc_system(redfish)["PowerState"] == redfish_state


def test_pxe_filter_keeps_an_enrolled_node_off_dhcp(deployed, lab):
    """Enrolled, not being introspected: inspector's dnsmasq must not answer it."""
    node = lab["fake"]

    def denied():  # the filter syncs every 10 s; once it has, nothing answers this MAC
        return all(dhcp(node) == [] for _ in range(2))
    assert wait_for(denied, timeout=60, interval=5), dhcp(node)


RULE = [{"description": "e2e: nodes from the lab go to the e2e rack",
         "conditions": [{"op": "eq", "field": "data://inventory.system_vendor.manufacturer",
                         "value": MANUFACTURER}],
         "actions": [{"action": "set-attribute", "path": "/extra/rack", "value": "e2e-rack"}]}]


def inspection_payload(node: Node, address: str) -> dict:
    """What ironic-python-agent's inspection collectors post to the callback."""
    return {
        "inventory": {
            "interfaces": [{"name": "eth0", "mac_address": node.mac, "ipv4_address": address,
                            "ipv6_address": None, "has_carrier": True, "lldp": None,
                            "vendor": "0x1af4", "product": "0x0001", "client_id": None,
                            "biosdevname": None, "speed_mbps": 1000}],
            "cpu": {"model_name": "Lab CPU", "frequency": "2000", "count": node.cpus,
                    "architecture": "x86_64", "flags": ["vmx"], "socket_count": 1},
            "memory": {"total": node.memory_mb * 1024 * 1024, "physical_mb": node.memory_mb},
            "disks": [{"name": "/dev/sda", "model": "Lab Disk", "size": node.disk_gb * 1024 ** 3,
                       "rotational": False, "wwn": None, "serial": f"disk-{node.key}",
                       "vendor": "Lab", "wwn_with_extension": None, "wwn_vendor_extension": None,
                       "hctl": "0:0:0:0", "by_path": "/dev/disk/by-path/pci-0000:00:01.0"}],
            "bmc_address": BMC_IP if node.system_id else "0.0.0.0",
            "bmc_v6address": "::/0",
            "system_vendor": {"product_name": "Namespace", "serial_number": node.key,
                              "manufacturer": MANUFACTURER},
            "boot": {"current_boot_mode": "bios", "pxe_interface": node.mac},
            "hostname": node.name,
        },
        "root_disk": {"name": "/dev/sda", "size": node.disk_gb * 1024 ** 3},
        "boot_interface": f"01-{node.mac.replace(':', '-')}",
        "error": None,
    }


def boot_for_inspection(node: Node) -> str:
    """The node's side of PXE booting into the inspection ramdisk; returns its address."""
    def answered():
        return [a for a in dhcp(node, request=True) if a["server_id"] == LOCAL_IP]
    answers = wait_for(answered, timeout=90, interval=3)  # the filter opens on its next sync
    assert answers, "inspector's dnsmasq never answered the node being introspected"
    offer, ack = answers[0], answers[-1]
    assert (offer["kind"], ack["kind"]) == ("offer", "ack"), answers
    assert int(ack["address"].rsplit(".", 1)[1]) in INSPECTION_RANGE, ack
    assert (boot_file(ack), ack["next_server"]) == ("undionly.kpxe", LOCAL_IP), ack
    address = ack["address"]
    ip("-n", node.ns, "addr", "add", f"{address}/24", "dev", "eth0")
    # the PXE ROM loads iPXE over TFTP: the bytes the undercloud serves
    served = (ROOT / "data" / "ironic" / "tftpboot" / "undionly.kpxe").read_bytes()
    assert fetch(node, f"tftp://{LOCAL_IP}/undionly.kpxe") == served
    # iPXE asks again, and is sent to inspector's iPXE script over HTTP
    answers = dhcp(node, ipxe=True, request=True)
    ack = [a for a in answers if a["kind"] == "ack" and a["server_id"] == LOCAL_IP]
    assert ack and boot_file(ack[0]) == f"{HTTP}/inspector.ipxe", answers
    script = fetch(node, boot_file(ack[0])).decode()
    assert script.startswith("#!ipxe"), script
    callback = re.search(r"ipa-inspection-callback-url=(\S+)", script)
    assert callback and callback.group(1) == f"http://{LOCAL_IP}:5050/v1/continue", script
    return address


def post_callback(node: Node, payload: dict) -> dict:
    body = ROOT / f"inspection-{node.key}.json"
    body.write_text(json.dumps(payload))
    out = fetch_post(node, f"http://{LOCAL_IP}:5050/v1/continue", body)
    return json.loads(out or b"{}")


def fetch_post(node: Node, url: str, body: Path) -> bytes:
    return in_ns(node.ns, "curl", "-sSf", "--max-time", "60", "-H", "Content-Type: application/json",
                 "--data-binary", f"@{body}", url).stdout


@pytest.mark.parametrize("key", ["redfish", "fake"])
def test_introspection_over_the_network_boot_path(deployed, lab, key):
    node = lab[key]
    rules = json.loads(deployed.openstack("baremetal", "introspection", "rule", "list", "-f", "json"))
    if not any(r["Description"] == RULE[0]["description"] for r in rules):
        (ROOT / "rule.json").write_text(json.dumps(RULE))
        deployed.openstack("baremetal", "introspection", "rule", "import", str(ROOT / "rule.json"))

    deployed.openstack("baremetal", "introspection", "start", node.uuid)
    if node.system_id:  # ironic asked the BMC, over Redfish, to boot from the network
        def pxe_on():
            system = bmc_system(node)
            return system["PowerState"] == "On" and \
                system["Boot"]["BootSourceOverrideTarget"] == "Pxe"
        assert wait_for(pxe_on, timeout=90, interval=2), bmc_system(node)
    address = boot_for_inspection(node)
    post_callback(node, inspection_payload(node, address))

    def finished():
        status = json.loads(deployed.openstack("baremetal", "introspection", "status", node.uuid,
                                               "-f", "json"))
        return status if status["finished"] else None
    status = wait_for(finished, timeout=120, interval=3)
    assert status and status["error"] is None, status

    shown = node_show(deployed, node)
    props = shown["properties"]
    assert (int(props["cpus"]), int(props["memory_mb"]), int(props["local_gb"]), props["cpu_arch"]) \
        == (node.cpus, node.memory_mb, node.disk_gb - 1, "x86_64"), props  # 1 GiB kept back
    assert shown["extra"].get("rack") == "e2e-rack", shown["extra"]  # the introspection rule
    ports = json.loads(deployed.openstack("baremetal", "port", "list", "--node", node.uuid,
                                          "--long", "-f", "json"))
    assert [(p["address"], p["physical_network"]) for p in ports] == [(node.mac, "ctlplane")], ports
    assert shown["provision_state"] == "manageable"
    ip("-n", node.ns, "addr", "flush", "dev", "eth0")


def make_available(deployed, node: Node, resource_class: str, *interfaces: str) -> None:
    deployed.openstack("baremetal", "node", "set", node.uuid, "--resource-class", resource_class,
                       "--property", "capabilities=boot_option:local", *interfaces)
    deployed.openstack("baremetal", "node", "provide", node.uuid, "--wait", "180")
    assert node_show(deployed, node)["provision_state"] == "available"

    wanted = "CUSTOM_" + resource_class.upper().replace("-", "_")

    def in_placement():  # nova-compute's periodic resource update (15 s in the lab) reports it
        proc = subprocess.run(["ip", "netns", "exec", NAME, str(BIN / "openstack"), "--os-cloud",
                               "undercloud", "resource", "provider", "inventory", "list", node.uuid,
                               "-f", "json"], capture_output=True, text=True,
                              env=dict(os.environ, OS_CLIENT_CONFIG_FILE=str(
                                  ROOT / "home/.config/openstack/clouds.yaml")))
        rows = json.loads(proc.stdout) if proc.returncode == 0 else []
        # reserved until nova has seen the node available
        return [r for r in rows if r["resource_class"] == wanted and r["total"] == 1
                and r["reserved"] == 0]
    assert wait_for(in_placement, timeout=180, interval=5), f"nova never reported {wanted}"


def wait_server(deployed, name: str, status: str = "ACTIVE") -> dict:
    def done():
        server = json.loads(deployed.openstack("server", "show", name, "-f", "json"))
        return server if server["status"] in (status, "ERROR") else None
    server = wait_for(done, timeout=300, interval=5)
    assert server and server["status"] == status, server
    return server


def deleted_back_to_available(deployed, node: Node, server: str) -> None:
    deployed.openstack("server", "delete", "--wait", server)
    state = wait_for(lambda: node_show(deployed, node)["provision_state"] == "available"
                     and node_show(deployed, node), timeout=300, interval=5)
    assert state and state["instance_uuid"] is None, node_show(deployed, node)


def server_port(deployed, server: dict) -> dict:
    [port] = json.loads(deployed.openstack("port", "list", "--server", server["id"], "-f", "json"))
    return json.loads(deployed.openstack("port", "show", port["ID"], "-f", "json"))


def test_nova_deploys_a_whole_disk_image_on_the_fake_node(deployed, lab):
    node = lab["fake"]
    disk = ROOT / "wholedisk.raw"
    data = bytearray(4 * 1024 * 1024)
    data[510:512] = b"\x55\xaa"  # an (empty) MBR: a whole-disk image, however small
    disk.write_bytes(bytes(data))
    deployed.openstack("image", "create", "--file", str(disk), "--disk-format", "raw",
                       "--container-format", "bare", "e2e-wholedisk")
    make_available(deployed, node, "baremetal")
    deployed.openstack("server", "create", "--flavor", "baremetal", "--image", "e2e-wholedisk",
                       "--network", "ctlplane", "e2e-wholedisk")
    server = wait_server(deployed, "e2e-wholedisk")
    shown = node_show(deployed, node)
    assert (shown["provision_state"], shown["instance_uuid"]) == ("active", server["id"])
    # the server's port is the node's NIC now (ironic's VIF attach); fake-hardware's
    # deploy does not bind it (the redfish node's deploy below does)
    assert server_port(deployed, server)["mac_address"] == node.mac
    deleted_back_to_available(deployed, node, "e2e-wholedisk")


def test_nova_boots_the_redfish_node_over_neutron_dhcp_and_ipxe(deployed, lab):
    """ironic's ramdisk deploy: the node boots a kernel and ramdisk from the network,
    so the boot path of a deploy is exercised without an agent."""
    node = lab["redfish"]
    kernel, ramdisk = os.urandom(256 * 1024), os.urandom(512 * 1024)
    ids = {}
    for name, fmt, blob in (("e2e-kernel", "aki", kernel), ("e2e-ramdisk-initrd", "ari", ramdisk)):
        (ROOT / name).write_bytes(blob)
        ids[name] = json.loads(deployed.openstack(
            "image", "create", "--file", str(ROOT / name), "--disk-format", fmt,
            "--container-format", fmt, name, "-f", "json"))["id"]
    (ROOT / "e2e-ramdisk.img").write_bytes(os.urandom(64 * 1024))
    deployed.openstack("image", "create", "--file", str(ROOT / "e2e-ramdisk.img"),
                       "--disk-format", "ami", "--container-format", "ami",
                       "--property", f"kernel_id={ids['e2e-kernel']}",
                       "--property", f"ramdisk_id={ids['e2e-ramdisk-initrd']}", "e2e-ramdisk-image")
    deployed.openstack("flavor", "create", "--ram", "1024", "--vcpus", "1", "--disk", "10",
                       "--property", "resources:CUSTOM_BAREMETAL_RAMDISK=1",
                       "--property", "resources:VCPU=0", "--property", "resources:MEMORY_MB=0",
                       "--property", "resources:DISK_GB=0", "e2e-ramdisk")
    make_available(deployed, node, "baremetal-ramdisk", "--deploy-interface", "ramdisk",
                   "--boot-interface", "ipxe",
                   "--driver-info", f"deploy_kernel={ids['e2e-kernel']}",
                   "--driver-info", f"deploy_ramdisk={ids['e2e-ramdisk-initrd']}")
    # Zed's ramdisk deploy reads the kernel and ramdisk from the node's instance_info,
    # not from the image's kernel_id/ramdisk_id: nova keeps what is set there
    deployed.openstack("baremetal", "node", "set", node.uuid,
                       "--instance-info", f"kernel={ids['e2e-kernel']}",
                       "--instance-info", f"ramdisk={ids['e2e-ramdisk-initrd']}")
    deployed.openstack("server", "create", "--flavor", "e2e-ramdisk", "--image", "e2e-ramdisk-image",
                       "--network", "ctlplane", "e2e-ramdisk")
    server = wait_server(deployed, "e2e-ramdisk")
    fixed_ip = server["addresses"]["ctlplane"][0] if isinstance(server["addresses"], dict) else \
        re.search(r"ctlplane=([\d.]+)", server["addresses"]).group(1)
    system = bmc_system(node)
    assert system["PowerState"] == "On" and system["Boot"]["BootSourceOverrideTarget"] == "Pxe"
    # neutron's baremetal mechanism driver bound the port to the node, on its MAC
    port = server_port(deployed, server)
    assert (port["binding_host_id"], port["binding_vnic_type"], port["mac_address"]) == \
        (node.uuid, "baremetal", node.mac), port
    assert port["binding_vif_type"] not in ("binding_failed", "unbound"), port

    # the UEFI PXE ROM (UEFI: Zed's default boot mode): neutron's dnsmasq, not
    # inspector's, answers with the port's address and ironic's boot file
    dhcp_server = json.loads(deployed.openstack(
        "port", "list", "--network", "ctlplane", "--device-owner", "network:dhcp", "-f", "json"))
    dhcp_ip = dhcp_server[0]["Fixed IP Addresses"][0]["ip_address"] \
        if isinstance(dhcp_server[0]["Fixed IP Addresses"], list) else \
        re.search(r"ip_address='([\d.]+)'", str(dhcp_server[0]["Fixed IP Addresses"])).group(1)
    answers = wait_for(lambda: [a for a in dhcp(node, request=True, uefi=True)
                                if a["server_id"] == dhcp_ip], timeout=60)
    assert answers and answers[-1]["kind"] == "ack", answers
    ack = answers[-1]
    assert (ack["address"], boot_file(ack), ack["next_server"]) == \
        (fixed_ip, "ipxe.efi", LOCAL_IP), answers
    ip("-n", node.ns, "addr", "add", f"{fixed_ip}/24", "dev", "eth0")
    served = (ROOT / "data" / "ironic" / "tftpboot" / "ipxe.efi").read_bytes()
    assert fetch(node, f"tftp://{LOCAL_IP}/ipxe.efi") == served
    # iPXE: sent to ironic's boot script, which chains to this node's own config
    answers = dhcp(node, ipxe=True, request=True, uefi=True)
    ack = [a for a in answers if a["kind"] == "ack" and a["server_id"] == dhcp_ip]
    assert ack and ack[0]["address"] == fixed_ip, answers
    assert boot_file(ack[0]) == f"{HTTP}/boot.ipxe", ack
    assert fetch(node, boot_file(ack[0])).startswith(b"#!ipxe")
    config = fetch(node, f"{HTTP}/{node.uuid}/config").decode()
    kernel_url = re.search(rf"(http://\S+/{node.uuid}/kernel)\b", config)  # the instance's
    assert kernel_url, config
    assert hashlib.sha256(fetch(node, kernel_url.group(1))).digest() == hashlib.sha256(kernel).digest()
    ip("-n", node.ns, "addr", "flush", "dev", "eth0")

    deleted_back_to_available(deployed, node, "e2e-ramdisk")
    assert bmc_system(node)["PowerState"] == "Off"
