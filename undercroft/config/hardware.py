"""Ironic hardware types and interfaces: tripleoclient's parameters, and what ironic.conf enables.

``parameters`` is python-tripleoclient's ``_process_drivers_and_hardware_types`` as it
stands on stable/rocky (its last state, rocky-eol): the same rules and, from sets, the
same sorted lists. It applies whether ``enabled_hardware_types`` is set or not, so the
documented default written out gives exactly what leaving it out gives.

Those parameters name Rocky's ironic interfaces. The ironic of Undercroft's images
(Debian's packages, Zed and later) no longer has some of them, and one Rocky option no
longer exists: ``ironic_conf`` is what ironic.conf enables for given parameter values on
a release ([undercroft] release, the ``OpenStackRelease`` parameter), and
``DIFFERENCES`` says why each name it leaves out, adds or replaces differs from the
parameter, and on which releases. The parameters themselves stay tripleoclient's
whatever the release; ``config show`` marks each parameter whose ironic.conf list
differs (``differences``), and docs/undercloud-conf.md lists the rules (generated from
``DIFFERENCES``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from undercroft.config import releases as known_releases

# --- tripleoclient (stable/rocky, tripleoclient/v1/undercloud_config.py) -------------------

# Hardware types whose management (and power) interface has the type's own name.
SAME_NAME_MANAGEMENT = ("redfish", "idrac", "ilo", "irmc", "staging-ovirt", "xclarity")
# Hardware types whose management (and power) interface has another name.
OTHER_NAME_MANAGEMENT = (("cisco-ucs-managed", "ucsm"), ("cisco-ucs-standalone", "cimc"))
# Hardware types with their own PXE boot interface, "<type>-pxe".
OWN_PXE_BOOT = ("ilo", "irmc")
# Hardware type -> its vendor interface.
VENDOR = (("ipmi", "ipmitool"), ("idrac", "idrac"))

PARAMETERS = ("IronicEnabledHardwareTypes", "IronicEnabledBootInterfaces",
              "IronicEnabledDeployInterfaces", "IronicEnabledManagementInterfaces",
              "IronicEnabledPowerInterfaces", "IronicEnabledRaidInterfaces",
              "IronicEnabledVendorInterfaces")


def parameters(enabled_hardware_types: Iterable[str],
               discovery_default_driver: str | None = None) -> dict[str, list[str]]:
    """tripleoclient Rocky's parameters for ``enabled_hardware_types``; with node discovery
    on, ``discovery_default_driver`` is enabled too."""
    types = set(enabled_hardware_types)
    if discovery_default_driver is not None:
        types.add(discovery_default_driver)
    # power and management interfaces are mostly named alike: one set for both
    mgmt = {"fake", "ipmitool"}
    mgmt |= {t for t in SAME_NAME_MANAGEMENT if t in types}
    mgmt |= {iface for t, iface in OTHER_NAME_MANAGEMENT if t in types}
    boot = {"pxe"} | {f"{t}-pxe" for t in OWN_PXE_BOOT if t in types}
    raid = {"no-raid"} | ({"idrac"} if "idrac" in types else set())
    vendor = {"no-vendor"} | {iface for t, iface in VENDOR if t in types}
    power = set(mgmt)
    # snmp: noop management (ipmi and the staging types use it too) and snmp power
    mgmt.add("noop")
    if "snmp" in types:
        power.add("snmp")
    deploy = {"iscsi", "direct", "ansible"}
    if "fake-hardware" in types:
        deploy.add("fake")
        boot.add("fake")
    return {
        "IronicEnabledHardwareTypes": sorted(types),
        "IronicEnabledBootInterfaces": sorted(boot),
        "IronicEnabledManagementInterfaces": sorted(mgmt),
        "IronicEnabledPowerInterfaces": sorted(power),
        "IronicEnabledRaidInterfaces": sorted(raid),
        "IronicEnabledVendorInterfaces": sorted(vendor),
        "IronicEnabledDeployInterfaces": sorted(deploy),
    }


# --- ironic.conf -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One rule by which ironic.conf's list differs from the tripleoclient parameter."""

    parameter: str
    name: str      # the interface left out, added, or replaced
    added: bool    # True: ironic.conf adds it; False: leaves it out (or replaces it)
    when: str      # the condition, for the docs ("always": on every release it applies to)
    short: str     # the reason in a few words, for config show
    why: str       # the reason, for the docs
    releases: tuple[str, ...] = tuple(known_releases.SUITES)  # the releases it applies to
    replacement: str | None = None  # left out: the interface ironic.conf enables instead

    def applies_to(self, release: str) -> bool:
        return release in self.releases

    @property
    def condition(self) -> str:
        """``when`` with the releases, for the docs."""
        if set(self.releases) == set(known_releases.SUITES):
            return self.when
        on = "release = " + " or ".join(self.releases)
        return on if self.when == "always" else f"{on}, {self.when}"

    @property
    def change(self) -> str:
        if self.added:
            return f"adds {self.name}"
        if self.replacement:
            return f"replaces {self.name} with {self.replacement}"
        return f"leaves out {self.name}"


# Epoxy's ironic (29.0) lacks what ironic 26.0 (2024.2) removed: the iDRAC WS-Man
# interfaces, idrac-wsman and their idrac aliases (tripleoclient's rules enable idrac for
# the idrac type; idrac-redfish remains), and the xclarity and ibmc hardware types with
# their interfaces. Ironic's release notes: remove-deprecated-idrac-wsman-c31861acd8742eb9,
# remove-xclarity-hardware-type-aa1a26bcbb5b9670, remove-deprecated-ibmc-driver-0c90817d8ad0ccc4.
_NO_WSMAN = ("ironic 26.0 (2024.2) removed the iDRAC WS-Man interfaces, idrac-wsman and "
             "their idrac aliases: the idrac hardware type speaks Redfish, through "
             "idrac-redfish (its nodes' driver_info takes the redfish_* fields); an enabled "
             "interface ironic lacks stops ironic-conductor from starting")
_GONE_TYPE = ("ironic 26.0 (2024.2) removed the {type} hardware type and its interfaces; an "
              "enabled interface ironic lacks stops ironic-conductor from starting. The "
              "{type} type itself is refused on this release (use redfish)")
_EPOXY = ("epoxy",)
# parameter -> the interfaces ironic removed that tripleoclient's rules (or a parameter an
# environment file sets) may name: the replacement, or None (left out)
_TO_REDFISH: dict[str, str | None] = {"idrac": "idrac-redfish", "idrac-wsman": "idrac-redfish"}
_REMOVED_IN_EPOXY: dict[str, dict[str, str | None]] = {
    "IronicEnabledManagementInterfaces": {**_TO_REDFISH, "xclarity": None, "ibmc": None},
    "IronicEnabledPowerInterfaces": {**_TO_REDFISH, "xclarity": None, "ibmc": None},
    "IronicEnabledRaidInterfaces": {**_TO_REDFISH, "ibmc": None},
    "IronicEnabledVendorInterfaces": {**_TO_REDFISH, "ibmc": None},
}


def _removed_in_epoxy(parameter: str, name: str, replacement: str | None) -> Difference:
    if replacement:
        return Difference(parameter, name, False, "always",
                          f"ironic 2024.2+ has no {name} interface, {replacement} replaces it",
                          _NO_WSMAN, _EPOXY, replacement)
    return Difference(parameter, name, False, "always",
                      f"ironic 2024.2+ has no {name} hardware type nor its interfaces",
                      _GONE_TYPE.format(type=name), _EPOXY)


DIFFERENCES = (
    Difference("IronicEnabledDeployInterfaces", "iscsi", False, "always",
               "ironic has no iscsi deploy interface since Wallaby",
               "ironic removed the iscsi deploy interface (Wallaby); an enabled interface "
               "ironic lacks stops ironic-conductor from starting. tripleoclient Wallaby and "
               "later leave it out too"),
    Difference("IronicEnabledDeployInterfaces", "ramdisk", True, "always",
               "ramdisk deploys, as tripleoclient Wallaby+",
               "ramdisk deploys (boot an image in RAM, nothing written to disk), which "
               "tripleoclient Wallaby and later enable"),
    Difference("IronicEnabledBootInterfaces", "ipxe", True,
               "with ipxe_enabled = true and pxe enabled",
               "ipxe_enabled: iPXE is its own boot interface since Stein",
               "in Rocky, ipxe_enabled made the pxe boot interface boot through iPXE "
               "([pxe]ipxe_enabled, removed from ironic in Victoria); iPXE is the ipxe boot "
               "interface (since Stein), which tripleoclient Stein and later enable and "
               "nodes of the ipmi, redfish and idrac types then use by default"),
    Difference("IronicEnabledBootInterfaces", "ilo-ipxe", True,
               "with ipxe_enabled = true and ilo-pxe enabled",
               "ipxe_enabled for ilo nodes",
               "the same for ilo nodes: ilo-pxe no longer boots through iPXE, ilo-ipxe does "
               "(and ilo nodes then use it by default)"),
    *(_removed_in_epoxy(parameter, name, replacement)
      for parameter, names in _REMOVED_IN_EPOXY.items()
      for name, replacement in names.items()),
    Difference("IronicEnabledRaidInterfaces", "fake", True, "with fake-hardware",
               "fake-hardware's own RAID interface",
               "a fake-hardware node (a test lab's node without a BMC) can use every fake "
               "interface of its type, as ironic's own defaults allow; tripleoclient enables "
               "only fake boot and deploy, so such a node could not be given the fake RAID "
               "interface (ironic-tempest-plugin's hardware interface tests do)"),
    Difference("IronicEnabledVendorInterfaces", "fake", True, "with fake-hardware",
               "fake-hardware's own vendor interface",
               "the same for the fake vendor interface"),
)

# Interface kinds with no tripleoclient parameter: ironic.conf's lists, for a deployment
# without fake-hardware and the fake interfaces fake-hardware adds (ironic's own defaults,
# no-bios and no-console, are kept: a node of any type can do without a BIOS or console
# interface).
FAKE_ONLY_KINDS = {"bios": ["no-bios"], "console": ["no-console"]}

# interface type -> parameter (the ironic.conf option is enabled_<type>_interfaces)
INTERFACE_PARAMETERS = {
    "boot": "IronicEnabledBootInterfaces",
    "deploy": "IronicEnabledDeployInterfaces",
    "management": "IronicEnabledManagementInterfaces",
    "power": "IronicEnabledPowerInterfaces",
    "raid": "IronicEnabledRaidInterfaces",
    "vendor": "IronicEnabledVendorInterfaces",
}


def _unique(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        if n not in out:
            out.append(n)
    return out


def ironic_conf(hardware_types: list[str], ipxe_enabled: bool = True,
                release: str = known_releases.DEFAULT,
                **interfaces: list[str]) -> dict[str, list[str]]:
    """What ironic.conf enables on ``release``: ``hardware_types`` and
    ``enabled_<type>_interfaces`` for bios, boot, console, deploy, inspect, management,
    power, raid and vendor.

    ``interfaces``: the parameters' lists by interface type (``boot=[...]``); a list left
    out or empty is derived from the hardware types by tripleoclient's rules. Then the
    ``DIFFERENCES`` that apply to ``release`` apply, and nothing else changes.
    """
    if release not in known_releases.SUITES:
        raise ValueError(f"unknown release {release!r} "
                         f"(known: {', '.join(known_releases.SUITES)})")
    derived = parameters(hardware_types)
    lists = {t: list(interfaces.get(t) or derived[p]) for t, p in INTERFACE_PARAMETERS.items()}
    boot = lists["boot"]
    if ipxe_enabled and "pxe" in boot:
        boot.append("ipxe")
    if ipxe_enabled and "ilo-pxe" in boot:
        boot.append("ilo-ipxe")
    lists["deploy"].append("ramdisk")
    # the interfaces this release's ironic no longer has: left out, or replaced in place
    for kind, param in INTERFACE_PARAMETERS.items():
        gone = {d.name: d.replacement for d in DIFFERENCES
                if d.parameter == param and not d.added and d.applies_to(release)}
        kept = [gone.get(n, n) for n in lists[kind]]
        lists[kind] = [n for n in kept if n]
    fake = ["fake"] if "fake-hardware" in hardware_types else []
    # not a tripleoclient parameter: tripleo-heat-templates' default, and fake-hardware's own
    lists["inspect"] = ["inspector", "no-inspect"] + fake
    # fake-hardware nodes may use each of their type's fake interfaces
    lists["raid"] += fake
    lists["vendor"] += fake
    for kind, names in FAKE_ONLY_KINDS.items():
        lists[kind] = names + fake
    out = {"hardware_types": _unique(hardware_types)}
    out.update((t, _unique(lists[t])) for t in sorted(lists))
    return out


def release_of(values: Mapping[str, Any]) -> str:
    """The release resolved parameter values are for (``OpenStackRelease``)."""
    return str(values.get("OpenStackRelease") or known_releases.DEFAULT)


def from_parameters(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """``ironic_conf`` of resolved parameter values, on their ``OpenStackRelease``."""
    return ironic_conf(list(values.get("IronicEnabledHardwareTypes") or []),
                       bool(values.get("IronicIPXEEnabled", True)), release_of(values),
                       **{t: list(values.get(p) or []) for t, p in INTERFACE_PARAMETERS.items()})


def differences(values: Mapping[str, Any]) -> dict[str, str]:
    """Parameter -> what ironic.conf enables instead, and why (for ``config show``); only
    parameters whose list ironic.conf changes."""
    conf = from_parameters(values)
    release = release_of(values)
    notes: dict[str, str] = {}
    for iface, param in INTERFACE_PARAMETERS.items():
        given = list(values.get(param) or [])
        if not given or param not in values:
            continue
        rendered = conf[iface]
        changes = []
        for d in DIFFERENCES:
            if d.parameter != param or not d.applies_to(release):
                continue
            if d.added and d.name in rendered and d.name not in given:
                changes.append(f"{d.change} ({d.short})")
            elif not d.added and d.name in given and d.name not in rendered:
                changes.append(f"{d.change} ({d.short})")
        if changes:
            notes[param] = (f"deliberate difference: ironic.conf enables {','.join(rendered)}: "
                            + ", ".join(changes) + "; see docs/undercloud-conf.md")
    return notes
