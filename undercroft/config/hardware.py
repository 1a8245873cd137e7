"""Ironic hardware types and interfaces: tripleoclient's parameters, and what ironic.conf enables.

``parameters`` is python-tripleoclient's ``_process_drivers_and_hardware_types`` as it
stands on stable/rocky (its last state, rocky-eol): the same rules and, from sets, the
same sorted lists. It applies whether ``enabled_hardware_types`` is set or not, so the
documented default written out gives exactly what leaving it out gives.

Those parameters name Rocky's ironic interfaces. The ironic of Undercroft's images
(Debian's packages, Zed and later) no longer has some of them, and one Rocky option no
longer exists: ``ironic_conf`` is what ironic.conf enables for given parameter values,
and ``DIFFERENCES`` says why each name it leaves out or adds differs from the
parameter. The parameters themselves stay tripleoclient's; ``config show`` marks each
parameter whose ironic.conf list differs (``differences``), and
docs/undercloud-conf.md lists the rules (generated from ``DIFFERENCES``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

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
    name: str      # the interface left out or added
    added: bool    # True: ironic.conf adds it; False: leaves it out
    when: str      # the condition, for the docs
    short: str     # the reason in a few words, for config show
    why: str       # the reason, for the docs


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
)

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
                **interfaces: list[str]) -> dict[str, list[str]]:
    """What ironic.conf enables: ``hardware_types`` and ``enabled_<type>_interfaces`` for
    boot, deploy, inspect, management, power, raid and vendor.

    ``interfaces``: the parameters' lists by interface type (``boot=[...]``); a list left
    out or empty is derived from the hardware types by tripleoclient's rules. Then the
    ``DIFFERENCES`` apply, and nothing else changes.
    """
    derived = parameters(hardware_types)
    lists = {t: list(interfaces.get(t) or derived[p]) for t, p in INTERFACE_PARAMETERS.items()}
    boot = lists["boot"]
    if ipxe_enabled and "pxe" in boot:
        boot.append("ipxe")
    if ipxe_enabled and "ilo-pxe" in boot:
        boot.append("ilo-ipxe")
    lists["deploy"] = [d for d in lists["deploy"] if d != "iscsi"] + ["ramdisk"]
    # not a tripleoclient parameter: tripleo-heat-templates' default, and fake-hardware's own
    lists["inspect"] = ["inspector", "no-inspect"] + (
        ["fake"] if "fake-hardware" in hardware_types else [])
    out = {"hardware_types": _unique(hardware_types)}
    out.update((t, _unique(lists[t])) for t in sorted(lists))
    return out


def from_parameters(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """``ironic_conf`` of resolved parameter values."""
    return ironic_conf(list(values.get("IronicEnabledHardwareTypes") or []),
                       bool(values.get("IronicIPXEEnabled", True)),
                       **{t: list(values.get(p) or []) for t, p in INTERFACE_PARAMETERS.items()})


def differences(values: Mapping[str, Any]) -> dict[str, str]:
    """Parameter -> what ironic.conf enables instead, and why (for ``config show``); only
    parameters whose list ironic.conf changes."""
    conf = from_parameters(values)
    notes: dict[str, str] = {}
    for iface, param in INTERFACE_PARAMETERS.items():
        given = list(values.get(param) or [])
        if not given or param not in values:
            continue
        rendered = conf[iface]
        changes = []
        for d in DIFFERENCES:
            if d.parameter != param:
                continue
            if d.added and d.name in rendered and d.name not in given:
                changes.append(f"adds {d.name} ({d.short})")
            elif not d.added and d.name in given and d.name not in rendered:
                changes.append(f"leaves out {d.name} ({d.short})")
        if changes:
            notes[param] = (f"deliberate difference: ironic.conf enables {','.join(rendered)}: "
                            + ", ".join(changes) + "; see docs/undercloud-conf.md")
    return notes
