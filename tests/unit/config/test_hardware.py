"""Ironic hardware types and interfaces: tripleoclient's parameters, rule by rule, and an
ironic.conf that only enables what the image's ironic has.

The parameters follow python-tripleoclient's ``_process_drivers_and_hardware_types``
(tripleoclient/v1/undercloud_config.py) as stable/rocky left it (rocky-eol): RULES, one
row per rule. The later branches changed the rules (LATER_BRANCHES); ironic.conf
follows the changes the newer ironic needs, the parameters stay Rocky's.
"""
from __future__ import annotations

from itertools import product
from pathlib import Path

import pytest
import yaml

from undercroft.config import hardware, loader
from undercroft.config.translate import (HARDWARE_TYPES, UNSERVED_HARDWARE_TYPES,
                                         USABLE_HARDWARE_TYPES, translate)
from undercroft.errors import ConfigError

IMAGE = yaml.safe_load((Path(__file__).parent / "ironic_image.yaml").read_text())

# What the rules give for no hardware type at all: every row below starts from it.
BASE = {
    "IronicEnabledHardwareTypes": [],
    "IronicEnabledBootInterfaces": ["pxe"],
    "IronicEnabledDeployInterfaces": ["ansible", "direct", "iscsi"],
    "IronicEnabledManagementInterfaces": ["fake", "ipmitool", "noop"],
    "IronicEnabledPowerInterfaces": ["fake", "ipmitool"],
    "IronicEnabledRaidInterfaces": ["no-raid"],
    "IronicEnabledVendorInterfaces": ["no-vendor"],
}

# One row per rule of tripleoclient's function (Rocky): (hardware types, discovery
# driver or None, the parameters that differ from BASE).
RULES = {
    # enabled_hardware_types = set(conf.enabled_hardware_types) ... sorted()
    "types are sorted": (["redfish", "fake-hardware"], None, {
        "IronicEnabledHardwareTypes": ["fake-hardware", "redfish"],
        "IronicEnabledManagementInterfaces": ["fake", "ipmitool", "noop", "redfish"],
        "IronicEnabledPowerInterfaces": ["fake", "ipmitool", "redfish"],
        "IronicEnabledBootInterfaces": ["fake", "pxe"],
        "IronicEnabledDeployInterfaces": ["ansible", "direct", "fake", "iscsi"]}),
    "duplicate types count once": (["snmp", "snmp"], None, {
        "IronicEnabledHardwareTypes": ["snmp"],
        "IronicEnabledPowerInterfaces": ["fake", "ipmitool", "snmp"]}),
    # if conf.enable_node_discovery: add conf.discovery_default_driver
    "node discovery adds its driver": (["redfish"], "ipmi", {
        "IronicEnabledHardwareTypes": ["ipmi", "redfish"],
        "IronicEnabledManagementInterfaces": ["fake", "ipmitool", "noop", "redfish"],
        "IronicEnabledPowerInterfaces": ["fake", "ipmitool", "redfish"],
        "IronicEnabledVendorInterfaces": ["ipmitool", "no-vendor"]}),
    "node discovery's driver already listed": (["ipmi"], "ipmi", {
        "IronicEnabledHardwareTypes": ["ipmi"],
        "IronicEnabledVendorInterfaces": ["ipmitool", "no-vendor"]}),
    # mgmt_interfaces = {'fake', 'ipmitool'} (power: the same, before noop is added)
    "ipmi: management and power ipmitool (always), vendor ipmitool": (["ipmi"], None, {
        "IronicEnabledHardwareTypes": ["ipmi"],
        "IronicEnabledVendorInterfaces": ["ipmitool", "no-vendor"]}),
    # for hw_type in ('redfish', 'idrac', 'ilo', 'irmc', 'staging-ovirt', 'xclarity')
    **{f"{t}: management and power {t}": ([t], None, {
        "IronicEnabledHardwareTypes": [t],
        "IronicEnabledManagementInterfaces": sorted(["fake", "ipmitool", "noop", t]),
        "IronicEnabledPowerInterfaces": sorted(["fake", "ipmitool", t]),
        **extra}) for t, extra in [
            ("redfish", {}), ("xclarity", {}), ("staging-ovirt", {}),
            # for hw_type in ('ilo', 'irmc'): boot '<type>-pxe'
            ("ilo", {"IronicEnabledBootInterfaces": ["ilo-pxe", "pxe"]}),
            ("irmc", {"IronicEnabledBootInterfaces": ["irmc-pxe", "pxe"]}),
            # 'idrac': raid idrac, vendor idrac
            ("idrac", {"IronicEnabledRaidInterfaces": ["idrac", "no-raid"],
                       "IronicEnabledVendorInterfaces": ["idrac", "no-vendor"]})]},
    # [('cisco-ucs-managed', 'ucsm'), ('cisco-ucs-standalone', 'cimc')] (gone in Train)
    "cisco-ucs-managed: management and power ucsm": (["cisco-ucs-managed"], None, {
        "IronicEnabledHardwareTypes": ["cisco-ucs-managed"],
        "IronicEnabledManagementInterfaces": ["fake", "ipmitool", "noop", "ucsm"],
        "IronicEnabledPowerInterfaces": ["fake", "ipmitool", "ucsm"]}),
    "cisco-ucs-standalone: management and power cimc": (["cisco-ucs-standalone"], None, {
        "IronicEnabledHardwareTypes": ["cisco-ucs-standalone"],
        "IronicEnabledManagementInterfaces": ["cimc", "fake", "ipmitool", "noop"],
        "IronicEnabledPowerInterfaces": ["cimc", "fake", "ipmitool"]}),
    # mgmt_interfaces.add('noop') after power is copied; 'snmp': power snmp only
    "snmp: power snmp, noop management": (["snmp"], None, {
        "IronicEnabledHardwareTypes": ["snmp"],
        "IronicEnabledPowerInterfaces": ["fake", "ipmitool", "snmp"]}),
    # a type no rule names changes nothing but the types
    "manual-management: no interface of its own": (["manual-management"], None, {
        "IronicEnabledHardwareTypes": ["manual-management"]}),
    # deploy_interfaces = {'iscsi', 'direct', 'ansible'}; 'fake-hardware': deploy and boot fake
    "fake-hardware: deploy and boot fake": (["fake-hardware"], None, {
        "IronicEnabledHardwareTypes": ["fake-hardware"],
        "IronicEnabledBootInterfaces": ["fake", "pxe"],
        "IronicEnabledDeployInterfaces": ["ansible", "direct", "fake", "iscsi"]}),
    # the documented default, ipmi,redfish,ilo,idrac
    "the default types": (["ipmi", "redfish", "ilo", "idrac"], None, {
        "IronicEnabledHardwareTypes": ["idrac", "ilo", "ipmi", "redfish"],
        "IronicEnabledBootInterfaces": ["ilo-pxe", "pxe"],
        "IronicEnabledManagementInterfaces": ["fake", "idrac", "ilo", "ipmitool", "noop",
                                              "redfish"],
        "IronicEnabledPowerInterfaces": ["fake", "idrac", "ilo", "ipmitool", "redfish"],
        "IronicEnabledRaidInterfaces": ["idrac", "no-raid"],
        "IronicEnabledVendorInterfaces": ["idrac", "ipmitool", "no-vendor"]}),
}


@pytest.mark.parametrize("rule", RULES)
def test_tripleoclient_rocky_rule(rule):
    types, discovery, changes = RULES[rule]
    assert hardware.parameters(types, discovery) == dict(BASE, **changes)


def test_every_parameter_is_a_sorted_list_without_duplicates():
    for types, discovery, _ in RULES.values():
        for name, value in hardware.parameters(types, discovery).items():
            assert value == sorted(set(value)), name
    assert set(hardware.parameters([])) == set(hardware.PARAMETERS)


def _translate(tmp_path, name, text):
    p = tmp_path / name
    p.write_text("[DEFAULT]\nlocal_ip = 192.168.24.1/24\nundercloud_hostname = u.example.com\n"
                 + text)
    return translate(loader.load(p))


def test_unset_is_the_documented_default_written_out(tmp_path):
    unset = _translate(tmp_path, "unset.conf", "")
    explicit = _translate(tmp_path, "explicit.conf",
                          "enabled_hardware_types = ipmi,redfish,ilo,idrac\n")
    params = dict(unset.parameters, UndercloudConfigFilePath=None)
    assert params == dict(explicit.parameters, UndercloudConfigFilePath=None)
    for name in hardware.PARAMETERS:
        assert unset.parameters[name] == dict(BASE, **RULES["the default types"][2])[name]
    assert unset.sources["IronicEnabledBootInterfaces"] == \
        "computed from default (enabled_hardware_types)"
    assert explicit.sources["IronicEnabledBootInterfaces"] == \
        f"computed from {tmp_path / 'explicit.conf'}:4 enabled_hardware_types"
    assert "IronicInspectorEnableNodeDiscovery" not in unset.parameters


def test_node_discovery_sets_the_inspector_and_names_its_options(tmp_path):
    t = _translate(tmp_path, "u.conf", "enable_node_discovery = true\n"
                                       "discovery_default_driver = redfish\n"
                                       "enabled_hardware_types = ipmi\n")
    assert t.parameters["IronicEnabledHardwareTypes"] == ["ipmi", "redfish"]
    assert t.parameters["IronicInspectorEnableNodeDiscovery"] is True
    assert t.parameters["IronicInspectorDiscoveryDefaultDriver"] == "redfish"
    assert "enable_node_discovery" in t.sources["IronicEnabledHardwareTypes"]
    assert "discovery_default_driver" in t.sources["IronicEnabledHardwareTypes"]


def test_no_ironic_parameters_without_ironic(tmp_path):
    t = _translate(tmp_path, "u.conf", "enable_ironic = false\n")
    assert not set(hardware.PARAMETERS) & set(t.parameters)


# --- ironic.conf ----------------------------------------------------------------------------

# What the later branches changed (stable/stein .. stable/zed), and what ironic.conf does
# about it: (types, ipxe_enabled, kind, names it has (True) or lacks (False)).
# Not followed: Stein's bios and inspect lists (ironic's own enabled_bios_interfaces and
# tripleo-heat-templates' inspector,no-inspect serve), Train's unsorted lists and network
# interface options (options Rocky does not have).
LATER_BRANCHES = {
    "stein: boot ipxe": (["ipmi"], True, "boot", {"ipxe": True}),
    "train: no Cisco UCS types (refused here)": (["ipmi"], True, "management",
                                                 {"ucsm": False, "cimc": False}),
    "wallaby: no iscsi deploy": (["ipmi"], True, "deploy", {"iscsi": False}),
    "wallaby: ramdisk deploy": (["ipmi"], True, "deploy", {"ramdisk": True}),
}


@pytest.mark.parametrize("change", LATER_BRANCHES)
def test_ironic_conf_follows_later_branches_where_ironic_needs_it(change):
    types, ipxe, kind, names = LATER_BRANCHES[change]
    conf = conf_of(types, ipxe)
    assert {n: n in conf[kind] for n in names} == names
    if "Cisco" in change:
        assert {"cisco-ucs-managed", "cisco-ucs-standalone"} <= set(UNSERVED_HARDWARE_TYPES)


def conf_of(types, ipxe=True, discovery=None):
    p = hardware.parameters(types, discovery)
    return hardware.from_parameters(dict(p, IronicIPXEEnabled=ipxe))


def test_ironic_conf_of_the_default_types():
    assert conf_of(["ipmi", "redfish", "ilo", "idrac"]) == {
        "hardware_types": ["idrac", "ilo", "ipmi", "redfish"],
        "boot": ["ilo-pxe", "pxe", "ipxe", "ilo-ipxe"],
        "deploy": ["ansible", "direct", "ramdisk"],
        "inspect": ["inspector", "no-inspect"],
        "management": ["fake", "idrac", "ilo", "ipmitool", "noop", "redfish"],
        "power": ["fake", "idrac", "ilo", "ipmitool", "redfish"],
        "raid": ["idrac", "no-raid"],
        "vendor": ["idrac", "ipmitool", "no-vendor"],
    }


# Each deliberate difference, on and off: (types, ipxe_enabled, kind, ironic.conf's list).
ADAPTATIONS = {
    "iscsi left out, ramdisk added": (["ipmi"], True, "deploy", ["ansible", "direct", "ramdisk"]),
    "fake deploy kept": (["fake-hardware"], True, "deploy",
                         ["ansible", "direct", "fake", "ramdisk"]),
    "ipxe added with ipxe_enabled": (["ipmi"], True, "boot", ["pxe", "ipxe"]),
    "no ipxe without ipxe_enabled": (["ipmi"], False, "boot", ["pxe"]),
    "ilo-ipxe added with ipxe_enabled": (["ilo"], True, "boot",
                                         ["ilo-pxe", "pxe", "ipxe", "ilo-ipxe"]),
    "no ilo-ipxe without ipxe_enabled": (["ilo"], False, "boot", ["ilo-pxe", "pxe"]),
    "irmc-pxe as is": (["irmc"], True, "boot", ["irmc-pxe", "pxe", "ipxe"]),
    "fake-hardware inspects with fake": (["fake-hardware"], True, "inspect",
                                         ["inspector", "no-inspect", "fake"]),
    "idrac names kept": (["idrac"], True, "management",
                         ["fake", "idrac", "ipmitool", "noop"]),
}


@pytest.mark.parametrize("case", ADAPTATIONS)
def test_ironic_conf_adaptation(case):
    types, ipxe, kind, expected = ADAPTATIONS[case]
    assert conf_of(types, ipxe)[kind] == expected


def test_ironic_conf_derives_lists_left_empty_and_keeps_given_ones():
    assert hardware.ironic_conf(["ipmi"], True)["vendor"] == ["ipmitool", "no-vendor"]
    given = hardware.ironic_conf(["ipmi"], False, management=["ipmitool"],
                                 deploy=["iscsi", "direct"])
    assert given["management"] == ["ipmitool"] and given["deploy"] == ["direct", "ramdisk"]


def _combinations():
    usable = [t for t in USABLE_HARDWARE_TYPES]
    cases = [[t] for t in usable] + [usable, ["ipmi", "redfish", "ilo", "idrac"],
                                     ["ipmi", "redfish", "ilo", "idrac", "fake-hardware"]]
    return [(types, ipxe) for types, ipxe in product(cases, (True, False))]


@pytest.mark.parametrize("types,ipxe", _combinations(),
                         ids=lambda v: ",".join(v) if isinstance(v, list) else f"ipxe={v}")
def test_ironic_conf_only_enables_what_the_image_has_and_ironic_starts(types, ipxe):
    """What ironic-conductor checks when it starts (the image's ironic, ironic_image.yaml):
    every enabled name loads, and every enabled hardware type has an enabled interface of
    each kind (its default), for every usable type alone, all of them, and the lab's."""
    conf = conf_of(types, ipxe)
    for kind in ("boot", "deploy", "inspect", "management", "power", "raid", "vendor"):
        missing = set(conf[kind]) - set(IMAGE["interfaces"][kind])
        assert not missing, f"enabled_{kind}_interfaces: the image's ironic lacks {missing}"
    assert set(conf["hardware_types"]) <= set(IMAGE["hardware_types"])
    for t in conf["hardware_types"]:
        supported = IMAGE["hardware_types"][t]
        for kind in ("boot", "deploy", "inspect", "management", "power", "raid", "vendor"):
            assert [i for i in supported[kind] if i in conf[kind]], (t, kind)
        assert "no-bios" in supported["bios"]  # ironic's default enabled_bios_interfaces
        assert "direct" in supported["deploy"]  # default_deploy_interface


@pytest.mark.parametrize("name", sorted(UNSERVED_HARDWARE_TYPES))
def test_types_ironic_would_not_start_with_are_refused(name, tmp_path):
    p = tmp_path / "u.conf"
    p.write_text(f"[DEFAULT]\nenabled_hardware_types = ipmi,{name}\n")
    with pytest.raises(ConfigError) as err:
        translate(loader.load(p))
    assert f"{p}:2: enabled_hardware_types: '{name}': " in err.value.message
    assert UNSERVED_HARDWARE_TYPES[name] in err.value.message
    # checked against the image: the type, or an interface each node needs, is missing
    if name in IMAGE["hardware_types"]:
        conf = conf_of([name])
        supported = IMAGE["hardware_types"][name]
        assert any(not [i for i in supported[k] if i in conf[k] and i in IMAGE["interfaces"][k]]
                   for k in ("management", "power"))


def test_known_types_are_the_image_s_or_staging_ones():
    assert set(HARDWARE_TYPES) - set(IMAGE["hardware_types"]) == {
        t for t in HARDWARE_TYPES if t.startswith("staging-")}
    assert set(USABLE_HARDWARE_TYPES) <= set(IMAGE["hardware_types"])


# --- config show ------------------------------------------------------------------------------


def test_differences_name_each_changed_parameter():
    p = dict(hardware.parameters(["ipmi", "ilo"]), IronicIPXEEnabled=True)
    notes = hardware.differences(p)
    assert set(notes) == {"IronicEnabledBootInterfaces", "IronicEnabledDeployInterfaces"}
    assert notes["IronicEnabledDeployInterfaces"].startswith(
        "deliberate difference: ironic.conf enables ansible,direct,ramdisk: leaves out iscsi (")
    assert "adds ipxe (" in notes["IronicEnabledBootInterfaces"]
    assert "adds ilo-ipxe (" in notes["IronicEnabledBootInterfaces"]
    p["IronicIPXEEnabled"] = False
    assert set(hardware.differences(p)) == {"IronicEnabledDeployInterfaces"}
