"""What nodes booting from the undercloud are handed: inspector's iPXE script, the
physical network introspected ports get, ironic's DHCP options through neutron."""
from __future__ import annotations

from undercroft.lifecycle import deployment

from ..conftest import conf_text


def files_of(dep, container: str) -> dict[str, str]:
    return {f.dest: f.content for f in dep.by_name(container).files}


def test_inspector_ipxe_boots_the_agent_with_the_callback_on_local_ip(full):
    script = files_of(full, "ironic_inspector")["/var/lib/ironic/httpboot/inspector.ipxe"]
    assert script.startswith("#!ipxe\n")
    assert "kernel --timeout 60000 http://192.168.24.1:8088/agent.kernel " in script
    assert "ipa-inspection-callback-url=http://192.168.24.1:5050/v1/continue " in script
    # inspection_extras defaults to true: the extra collectors and kernel arguments
    assert "ipa-inspection-collectors=default,extra-hardware,numa-topology,logs " in script
    assert "ipa-inspection-dhcp-all-interfaces=1 ipa-collect-lldp=1" in script
    assert "initrd --timeout 60000 http://192.168.24.1:8088/agent.ramdisk" in script
    # the inspector container writes it where the HTTP boot server serves from
    volumes = full.by_name("ironic_inspector").desired.spec["volumes"]
    assert any(v.endswith(":/var/lib/ironic/httpboot") for v in volumes), volumes


def test_introspected_ports_land_on_the_ctlplane_physical_network(full):
    conf = files_of(full, "ironic_inspector")["/etc/ironic-inspector/inspector.conf"]
    assert "physnet_cidr_map" in conf.split("processing_hooks = ", 1)[1].splitlines()[0]
    assert "[port_physnet]\ncidr_map = 192.168.24.0/24:ctlplane\n" in conf


def test_debug_and_no_extras_change_the_kernel_arguments(tmp_path):
    conf = tmp_path / "undercloud.conf"
    conf.write_text(conf_text(tmp_path, default="inspection_extras = false\nundercloud_debug = true\n"))
    script = files_of(deployment.load(conf), "ironic_inspector")["/var/lib/ironic/httpboot/inspector.ipxe"]
    assert "ipa-inspection-collectors=default,logs " in script and "ipa-debug=1" in script
    assert "ipa-collect-lldp" not in script


def test_ironic_sets_boot_options_on_neutron_ports(full):
    conf = files_of(full, "ironic_conductor")["/etc/ironic/ironic.conf"]
    assert "\ndhcp_provider = neutron\n" in conf.split("[dhcp]", 1)[1]
    # the flat network interface refuses port changes without a cleaning network
    neutron = conf.split("[neutron]", 1)[1].split("\n[", 1)[0]
    assert "cleaning_network = ctlplane\n" in neutron and "provisioning_network = ctlplane\n" in neutron


def test_nova_compute_can_build_config_drives(full):
    """force_config_drive: nova-compute needs genisoimage in its image."""
    containerfile = (full.images["nova"].context / "Containerfile").read_text()
    assert "genisoimage" in containerfile


def test_image_cache_and_boot_trees_share_one_mount_in_the_conductor(full):
    """ironic hard-links cached images into httpboot/tftpboot: across bind mounts that
    fails with EXDEV, so all three must sit under one of the conductor's volumes."""
    conductor = full.by_name("ironic_conductor")
    conf = files_of(full, "ironic_conductor")["/etc/ironic/ironic.conf"]
    paths = [line.split(" = ", 1)[1] for line in conf.splitlines()
             if line.split(" = ")[0] in ("http_root", "tftp_root", "instance_master_path",
                                         "tftp_master_path")]
    assert len(paths) == 4, paths
    mounts = [v.split(":")[1] for v in conductor.desired.spec["volumes"]]

    def mount_of(path):
        return max((m for m in mounts if path == m or path.startswith(m + "/")), key=len)
    assert {mount_of(p) for p in paths} == {"/var/lib/ironic"}, (paths, mounts)
    # what the HTTP boot server serves is that httpboot
    http = full.by_name("ironic_pxe_http").desired.spec["volumes"]
    assert any(v.split(":")[1] == "/var/lib/ironic/httpboot" for v in http), http


def test_each_subnet_is_mapped_from_tripleoclients_gateway_and_netmask(tmp_path):
    """IronicInspectorSubnets items are tripleoclient's (tag, ip_range, netmask, gateway,
    mtu): the network of each comes from its gateway and netmask, IPv6 included."""
    from undercroft.render.services import network

    assert network("192.168.30.254", "255.255.254.0") == "192.168.30.0/23"
    assert network("fd12:3456:789a:1::1", "ffff:ffff:ffff:ffff::") == "fd12:3456:789a:1::/64"
    conf = tmp_path / "undercloud.conf"
    conf.write_text(conf_text(tmp_path, default=(
        "subnets = ctlplane-subnet,leaf1\nenable_routed_networks = true\n"
        "[leaf1]\ncidr = 192.168.30.0/23\ngateway = 192.168.30.254\n"
        "dhcp_start = 192.168.30.10\ndhcp_end = 192.168.30.90\n"
        "inspection_iprange = 192.168.30.100,192.168.30.150\n")))
    text = files_of(deployment.load(conf), "ironic_inspector")["/etc/ironic-inspector/inspector.conf"]
    assert "cidr_map = 192.168.24.0/24:ctlplane,192.168.30.0/23:ctlplane\n" in text
