"""Ironic hardware types and interfaces: tripleoclient's parameters, rule by rule, and an
ironic.conf that only enables what the image's ironic has.

The parameters follow python-tripleoclient's ``_process_drivers_and_hardware_types``
(tripleoclient/v1/undercloud_config.py) as stable/rocky left it (rocky-eol): RULES, one
row per rule. The later branches changed the rules (LATER_BRANCHES); ironic.conf
follows the changes the newer ironic needs, the parameters stay Rocky's. What ironic.conf
enables depends on the release ([undercroft] release): each release's image is a snapshot
(IMAGES, written by scripts/ironic-image-snapshot.py), and ironic.conf only enables what
that ironic has.
"""
from __future__ import annotations

from itertools import product
from pathlib import Path

import pytest
import yaml

from undercroft.config import hardware, loader, releases
from undercroft.config.releases import SUITES
from undercroft.config.translate import (HARDWARE_TYPES, REMOVED_HARDWARE_TYPES,
                                         UNSERVED_HARDWARE_TYPES, USABLE_HARDWARE_TYPES,
                                         translate, unserved_hardware_types,
                                         usable_hardware_types)
from undercroft.errors import ConfigError

# What each release's ironic image provides (the header of each file says how it was read).
IMAGES = {release: yaml.safe_load((Path(__file__).parent / name).read_text())
          for release, name in (("zed", "ironic_image.yaml"),
                                ("epoxy", "ironic_image_epoxy.yaml"))}
IMAGE = IMAGES["zed"]
# Every interface kind ironic.conf enables (enabled_<kind>_interfaces).
KINDS = ("bios", "boot", "console", "deploy", "inspect", "management", "power", "raid",
         "vendor")

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


def conf_of(types, ipxe=True, discovery=None, release=None):
    p = hardware.parameters(types, discovery)
    values = dict(p, IronicIPXEEnabled=ipxe)
    if release is not None:
        values["OpenStackRelease"] = release
    return hardware.from_parameters(values)


def test_every_release_has_an_image_snapshot():
    assert set(IMAGES) == set(SUITES)


def test_ironic_conf_of_the_default_types_on_zed():
    assert conf_of(["ipmi", "redfish", "ilo", "idrac"], release="zed") == {
        "hardware_types": ["idrac", "ilo", "ipmi", "redfish"],
        "bios": ["no-bios"],
        "boot": ["ilo-pxe", "pxe", "ipxe", "ilo-ipxe"],
        "console": ["no-console"],
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
def test_ironic_conf_adaptation_on_zed(case):
    types, ipxe, kind, expected = ADAPTATIONS[case]
    assert conf_of(types, ipxe, release="zed")[kind] == expected


def test_ironic_conf_derives_lists_left_empty_and_keeps_given_ones():
    assert hardware.ironic_conf(["ipmi"], True)["vendor"] == ["ipmitool", "no-vendor"]
    given = hardware.ironic_conf(["ipmi"], False, management=["ipmitool"],
                                 deploy=["iscsi", "direct"])
    assert given["management"] == ["ipmitool"] and given["deploy"] == ["direct", "ramdisk"]


def _combinations():
    cases = []
    for release in SUITES:
        usable = list(usable_hardware_types(release))
        types = [[t] for t in usable] + [usable, ["ipmi", "redfish", "ilo", "idrac"],
                                         ["ipmi", "redfish", "ilo", "idrac", "fake-hardware"]]
        cases += [(release, t, ipxe) for t, ipxe in product(types, (True, False))]
    return cases


@pytest.mark.parametrize("release,types,ipxe", _combinations(),
                         ids=lambda v: ",".join(v) if isinstance(v, list) else
                         f"ipxe={v}" if isinstance(v, bool) else v)
def test_ironic_conf_only_enables_what_the_image_has_and_ironic_starts(release, types, ipxe):
    """What ironic-conductor checks when it starts (the release's image's ironic,
    IMAGES): every enabled name loads, and every enabled hardware type has an enabled
    interface of each kind (its default), for every type usable on the release alone, all
    of them, tripleoclient's default and the lab's."""
    image = IMAGES[release]
    conf = conf_of(types, ipxe, release=release)
    for kind in KINDS:
        missing = set(conf[kind]) - set(image["interfaces"][kind])
        assert not missing, f"enabled_{kind}_interfaces: the {release} image's ironic lacks " \
                            f"{missing}"
    assert set(conf["hardware_types"]) <= set(image["hardware_types"])
    for t in conf["hardware_types"]:
        supported = image["hardware_types"][t]
        for kind in KINDS:
            assert [i for i in supported[kind] if i in conf[kind]], (t, kind)
        # ironic's own enabled_bios_interfaces (no-bios,redfish) and, where ironic has
        # them, enabled_firmware_interfaces (no-firmware): ironic.conf leaves them as they are
        assert "no-bios" in supported["bios"]
        assert "no-firmware" in supported.get("firmware", ["no-firmware"])
        # no default_deploy_interface: a node's default is its type's first enabled one,
        # direct for every real type, fake for fake-hardware
        first = [i for i in supported["deploy"] if i in conf["deploy"]][0]
        assert first == ("fake" if t == "fake-hardware" else "direct"), (t, first)


@pytest.mark.parametrize("release,name", [(r, n) for r in SUITES
                                          for n in sorted(unserved_hardware_types(r))])
def test_types_ironic_would_not_start_with_are_refused(release, name, tmp_path):
    image = IMAGES[release]
    p = tmp_path / "u.conf"
    p.write_text(f"[DEFAULT]\nenabled_hardware_types = ipmi,{name}\n"
                 f"[undercroft]\nrelease = {release}\n")
    with pytest.raises(ConfigError) as err:
        translate(loader.load(p))
    assert f"{p}:2: enabled_hardware_types: '{name}': " in err.value.message
    assert unserved_hardware_types(release)[name] in err.value.message
    # checked against the image: the type, or an interface each node needs, is missing
    if name in image["hardware_types"]:
        conf = conf_of([name], release=release)
        supported = image["hardware_types"][name]
        assert any(not [i for i in supported[k] if i in conf[k] and i in image["interfaces"][k]]
                   for k in ("management", "power"))


@pytest.mark.parametrize("release", SUITES)
def test_known_types_are_the_image_s_or_staging_ones(release):
    image = IMAGES[release]
    removed = set(REMOVED_HARDWARE_TYPES.get(release, {}))
    assert set(HARDWARE_TYPES) - set(image["hardware_types"]) == {
        t for t in HARDWARE_TYPES if t.startswith("staging-")} | removed
    assert set(usable_hardware_types(release)) <= set(image["hardware_types"])
    assert not removed & set(image["hardware_types"])


def test_zed_is_what_it_was():
    assert usable_hardware_types("zed") == USABLE_HARDWARE_TYPES
    assert unserved_hardware_types("zed") == UNSERVED_HARDWARE_TYPES
    assert "xclarity" in USABLE_HARDWARE_TYPES
    # a parameter set that names no release renders the default release's ironic.conf
    for types in (["ipmi", "redfish", "ilo", "idrac"], ["idrac", "fake-hardware"]):
        assert conf_of(types, release=releases.DEFAULT) == conf_of(types)


# --- Epoxy --------------------------------------------------------------------------------------


def test_ironic_conf_of_the_default_types_on_epoxy():
    """idrac-redfish for tripleoclient's idrac interfaces; everything else as on Zed."""
    assert conf_of(["ipmi", "redfish", "ilo", "idrac"], release="epoxy") == {
        "hardware_types": ["idrac", "ilo", "ipmi", "redfish"],
        "bios": ["no-bios"],
        "boot": ["ilo-pxe", "pxe", "ipxe", "ilo-ipxe"],
        "console": ["no-console"],
        "deploy": ["ansible", "direct", "ramdisk"],
        "inspect": ["inspector", "no-inspect"],
        "management": ["fake", "idrac-redfish", "ilo", "ipmitool", "noop", "redfish"],
        "power": ["fake", "idrac-redfish", "ilo", "ipmitool", "redfish"],
        "raid": ["idrac-redfish", "no-raid"],
        "vendor": ["idrac-redfish", "ipmitool", "no-vendor"],
    }


# Lists an environment file may set (the parameters), on Epoxy: (kind, given, ironic.conf's).
EPOXY_LISTS = {
    "idrac replaced in place": ("management", ["ipmitool", "idrac", "redfish"],
                                ["ipmitool", "idrac-redfish", "redfish"]),
    "idrac-wsman replaced": ("power", ["idrac-wsman", "ipmitool"], ["idrac-redfish", "ipmitool"]),
    "idrac and idrac-redfish once": ("vendor", ["idrac", "idrac-redfish", "no-vendor"],
                                     ["idrac-redfish", "no-vendor"]),
    "wsman raid replaced": ("raid", ["idrac-wsman", "no-raid"], ["idrac-redfish", "no-raid"]),
    "xclarity management left out": ("management", ["ipmitool", "xclarity"], ["ipmitool"]),
    "xclarity power left out": ("power", ["xclarity", "ipmitool"], ["ipmitool"]),
    "ibmc raid left out": ("raid", ["ibmc", "no-raid"], ["no-raid"]),
    "ibmc vendor left out": ("vendor", ["ibmc", "no-vendor"], ["no-vendor"]),
}


@pytest.mark.parametrize("case", EPOXY_LISTS)
def test_epoxy_replaces_or_leaves_out_what_its_ironic_removed(case):
    kind, given, expected = EPOXY_LISTS[case]
    assert hardware.ironic_conf(["ipmi"], True, "epoxy", **{kind: given})[kind] == expected
    assert hardware.ironic_conf(["ipmi"], True, "zed", **{kind: given})[kind] == given


def test_epoxy_rules_cover_every_interface_zeds_ironic_has_and_epoxys_lacks():
    """A list valid on Zed (an environment file's) stays valid on Epoxy; each rule's name
    is one Epoxy's ironic lacks, each replacement one it has."""
    zed, epoxy = IMAGES["zed"]["interfaces"], IMAGES["epoxy"]["interfaces"]
    rules = [d for d in hardware.DIFFERENCES if d.releases == ("epoxy",)]
    assert rules and all(not d.added for d in rules)
    for kind, param in hardware.INTERFACE_PARAMETERS.items():
        mine = {d.name: d.replacement for d in rules if d.parameter == param}
        assert set(zed[kind]) - set(epoxy[kind]) <= set(mine), kind
        assert not set(mine) & set(epoxy[kind]), kind
        assert {r for r in mine.values() if r} <= set(epoxy[kind]), kind
        conf = hardware.ironic_conf(["ipmi"], True, "epoxy", **{kind: list(zed[kind])})
        assert set(conf[kind]) <= set(epoxy[kind]), kind


def test_every_difference_names_known_releases():
    for d in hardware.DIFFERENCES:
        assert d.releases and set(d.releases) <= set(SUITES), d
        assert d.replacement is None or not d.added, d


def test_an_unknown_release_is_an_error():
    with pytest.raises(ValueError, match="unknown release 'antelope'"):
        hardware.ironic_conf(["ipmi"], True, "antelope")


def _conf(tmp_path, text, release):
    p = tmp_path / f"{release}.conf"
    p.write_text("[DEFAULT]\nlocal_ip = 192.168.24.1/24\nundercloud_hostname = u.example.com\n"
                 + text + f"[undercroft]\nrelease = {release}\n")
    return p


@pytest.mark.parametrize("name,advice", [
    ("xclarity", "use 'redfish', which the Lenovo XClarity Controller speaks, or keep "
                 "release = zed"),
    ("ibmc", "use 'redfish', which the Huawei iBMC speaks")])
def test_epoxy_refuses_the_types_its_ironic_removed_in_one_line(tmp_path, name, advice):
    p = _conf(tmp_path, f"enabled_hardware_types = ipmi,{name}\n", "epoxy")
    with pytest.raises(ConfigError) as err:
        translate(loader.load(p))
    line = [ln for ln in err.value.message.splitlines() if f"'{name}'" in ln]
    assert len(line) == 1
    assert line[0].startswith(f"{p}:4: enabled_hardware_types: '{name}': ironic 29 "
                              f"(release = epoxy) has no {name} hardware type")
    assert advice in line[0]


def test_epoxy_refuses_xclarity_as_the_discovery_driver_and_zed_accepts_it(tmp_path):
    text = ("enabled_hardware_types = ipmi\nenable_node_discovery = true\n"
            "discovery_default_driver = xclarity\n")
    with pytest.raises(ConfigError) as err:
        translate(loader.load(_conf(tmp_path, text, "epoxy")))
    assert ":6: discovery_default_driver: 'xclarity': ironic 29 (release = epoxy)" in \
        err.value.message
    zed = translate(loader.load(_conf(tmp_path, text, "zed")))
    assert zed.parameters["IronicEnabledHardwareTypes"] == ["ipmi", "xclarity"]


def test_epoxy_hints_only_its_own_types(tmp_path):
    p = _conf(tmp_path, "enabled_hardware_types = redfsh\n", "epoxy")
    with pytest.raises(ConfigError) as err:
        translate(loader.load(p))
    assert "did you mean 'redfish'?" in err.value.message
    known = err.value.message.split("(known: ", 1)[1].split(")", 1)[0].split(", ")
    assert known == list(usable_hardware_types("epoxy")) and "xclarity" not in known


@pytest.mark.parametrize("types", ["ipmi,redfish,ilo,idrac",
                                   "ipmi,redfish,ilo,idrac,fake-hardware"])
def test_epoxy_keeps_tripleoclients_parameters(tmp_path, types):
    """The parameters stay tripleoclient's (idrac included) on every release; only
    ironic.conf changes."""
    zed = translate(loader.load(_conf(tmp_path, f"enabled_hardware_types = {types}\n", "zed")))
    epoxy = translate(loader.load(_conf(tmp_path, f"enabled_hardware_types = {types}\n",
                                        "epoxy")))
    for name in hardware.PARAMETERS:
        assert epoxy.parameters[name] == zed.parameters[name], name
    assert "idrac" in epoxy.parameters["IronicEnabledManagementInterfaces"]


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


def test_differences_on_epoxy_name_the_replaced_idrac_interfaces():
    p = dict(hardware.parameters(["ipmi", "redfish", "ilo", "idrac"]), IronicIPXEEnabled=True)
    assert set(hardware.differences(dict(p, OpenStackRelease="zed"))) == {
        "IronicEnabledBootInterfaces", "IronicEnabledDeployInterfaces"}
    notes = hardware.differences(dict(p, OpenStackRelease="epoxy"))
    replaced = ("IronicEnabledManagementInterfaces", "IronicEnabledPowerInterfaces",
                "IronicEnabledRaidInterfaces", "IronicEnabledVendorInterfaces")
    assert set(notes) == {"IronicEnabledBootInterfaces", "IronicEnabledDeployInterfaces",
                          *replaced}
    for name in replaced:
        assert "replaces idrac with idrac-redfish (" in notes[name], name
    assert notes["IronicEnabledRaidInterfaces"].startswith(
        "deliberate difference: ironic.conf enables idrac-redfish,no-raid: replaces idrac")
    xclarity = dict(p, OpenStackRelease="epoxy",
                    IronicEnabledPowerInterfaces=["ipmitool", "xclarity"])
    assert "leaves out xclarity (" in hardware.differences(xclarity)[
        "IronicEnabledPowerInterfaces"]


@pytest.mark.parametrize("release", SUITES)
@pytest.mark.parametrize("kind", KINDS)
def test_fake_hardware_nodes_can_use_each_fake_interface(kind, release):
    """ironic-tempest-plugin's hardware interface tests set each interface of a
    fake-hardware node to fake, and the optional ones to no-<kind>."""
    conf = conf_of(["ipmi", "redfish", "ilo", "idrac", "fake-hardware"], release=release)
    assert set(conf) - {"hardware_types"} == set(KINDS)
    assert "fake" in conf[kind]
    if kind in ("bios", "console", "inspect", "raid", "vendor"):
        assert f"no-{kind}" in conf[kind]


@pytest.mark.parametrize("kind", ["bios", "console", "raid", "vendor"])
def test_no_fake_interfaces_without_fake_hardware(kind):
    assert "fake" not in conf_of(["ipmi", "redfish", "ilo", "idrac"])[kind]
