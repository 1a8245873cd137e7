"""ironic.conf's hardware types and interfaces: tripleoclient's lists with Undercroft's
deliberate differences (undercroft/config/hardware.py), the same whether
enabled_hardware_types is left out or its default written out."""
from __future__ import annotations

from undercroft.lifecycle import deployment

from ..conftest import conf_text


def default_section(tmp_path, name, default="", undercroft=""):
    root = tmp_path / name
    root.mkdir()
    conf = root / "undercloud.conf"
    conf.write_text(conf_text(root, default=default, undercroft=undercroft))
    dep = deployment.load(conf)
    files = {f.dest: f.content for f in dep.by_name("ironic_conductor").files}
    text = files["/etc/ironic/ironic.conf"]
    section = text.split("[DEFAULT]\n", 1)[1].split("\n[", 1)[0]
    return [ln for ln in section.splitlines() if ln.startswith(("enabled_", "default_"))]


DEFAULT_TYPES = [
    "enabled_hardware_types = idrac,ilo,ipmi,redfish",
    "enabled_bios_interfaces = no-bios",
    "enabled_boot_interfaces = ilo-pxe,pxe,ipxe,ilo-ipxe",
    "enabled_console_interfaces = no-console",
    "enabled_deploy_interfaces = ansible,direct,ramdisk",
    "enabled_inspect_interfaces = inspector,no-inspect",
    "enabled_management_interfaces = fake,idrac,ilo,ipmitool,noop,redfish",
    "enabled_power_interfaces = fake,idrac,ilo,ipmitool,redfish",
    "enabled_raid_interfaces = idrac,no-raid",
    "enabled_vendor_interfaces = idrac,ipmitool,no-vendor",
    "enabled_network_interfaces = flat,noop",
    "default_network_interface = flat",
]


def test_unset_and_the_default_written_out_render_the_same(tmp_path):
    zed = "release = zed\n"
    assert default_section(tmp_path, "unset", undercroft=zed) == DEFAULT_TYPES
    assert default_section(tmp_path, "explicit", "enabled_hardware_types = ipmi,redfish,ilo,idrac\n",
                           undercroft=zed) == DEFAULT_TYPES
    assert default_section(tmp_path, "unset-epoxy") == default_section(
        tmp_path, "explicit-epoxy", "enabled_hardware_types = ipmi,redfish,ilo,idrac\n")


def test_the_test_labs_fake_hardware_on_zed(tmp_path):
    lines = default_section(tmp_path, "lab",
                            "enabled_hardware_types = ipmi,redfish,ilo,idrac,fake-hardware\n",
                            undercroft="release = zed\n")
    assert "enabled_hardware_types = fake-hardware,idrac,ilo,ipmi,redfish" in lines
    assert "enabled_boot_interfaces = fake,ilo-pxe,pxe,ipxe,ilo-ipxe" in lines
    assert "enabled_deploy_interfaces = ansible,direct,fake,ramdisk" in lines
    assert "enabled_inspect_interfaces = inspector,no-inspect,fake" in lines
    # every fake interface of fake-hardware, beside ironic's no-<kind> defaults
    assert "enabled_bios_interfaces = no-bios,fake" in lines
    assert "enabled_console_interfaces = no-console,fake" in lines
    assert "enabled_raid_interfaces = idrac,no-raid,fake" in lines
    assert "enabled_vendor_interfaces = idrac,ipmitool,no-vendor,fake" in lines


def test_without_ipxe_no_ipxe_boot_interface(tmp_path):
    lines = default_section(tmp_path, "pxe", "ipxe_enabled = false\n")
    assert "enabled_boot_interfaces = ilo-pxe,pxe" in lines


def test_epoxy_renders_idrac_redfish_for_the_removed_idrac_interfaces(tmp_path):
    """The template passes the release: Epoxy's ironic has no idrac (WS-Man) interfaces."""
    lines = default_section(tmp_path, "epoxy", undercroft="release = epoxy\n")
    assert lines == [
        ln.replace("idrac,", "idrac-redfish,") if ln.startswith(
            ("enabled_management", "enabled_power", "enabled_raid", "enabled_vendor")) else ln
        for ln in DEFAULT_TYPES]
    assert "enabled_management_interfaces = fake,idrac-redfish,ilo,ipmitool,noop,redfish" in lines
    lab = default_section(tmp_path, "lab", "enabled_hardware_types = ipmi,redfish,ilo,idrac,"
                                           "fake-hardware\n", "release = epoxy\n")
    assert "enabled_hardware_types = fake-hardware,idrac,ilo,ipmi,redfish" in lab
    assert "enabled_raid_interfaces = idrac-redfish,no-raid,fake" in lab
