"""instackenv's ``pm_type`` -> ironic hardware type, and its ``pm_*`` keys -> driver_info.

The table follows tripleo-common (stable/wallaby, tripleo_common/utils/nodes.py,
``DRIVER_INFO`` and its DriverInfo classes): the same pm_type patterns (classic driver
names such as ``pxe_ipmitool`` map to their hardware type), the same driver_info keys,
the same mandatory fields, and the same identity of a node by its BMC (what a
re-import matches enrolled nodes by, besides their MACs). A key that starts with the
driver's prefix (``ipmi_``, ``redfish_``, ...) passes to driver_info as it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

Fields = Mapping[str, Any]


def _strip_scheme(address: str) -> str:
    return re.sub(r"https?://", "", address, count=1, flags=re.I)


@dataclass(frozen=True)
class Driver:
    """How one family of pm_types becomes an ironic node's driver and driver_info."""

    prefix: str  # driver_info keys starting with it pass through unchanged
    mapping: Mapping[str, tuple[str, ...]]  # instackenv key -> driver_info key(s)
    hardware_type: str | None = None  # None: the pm_type itself is the ironic driver
    mandatory: tuple[str, ...] = ()
    deprecated: Mapping[str, str] = field(default_factory=dict)
    # a string naming the BMC (None: none), from instackenv fields / from driver_info
    identity: Callable[[Fields], str | None] = lambda fields: None
    identity_in_ironic: Callable[[Fields], str | None] = lambda driver_info: None
    # instackenv key -> value transform for one driver_info key (idrac's drac_address)
    transforms: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    also: tuple[str, ...] = ()  # further prefixes that pass through (idrac: redfish)

    def passes(self, key: str) -> bool:
        return any(key.startswith(p) for p in (self.prefix, *self.also))

    def knows(self, key: str) -> bool:
        return key in self.mapping or key in self.deprecated or self.passes(key)

    def driver_info(self, fields: Fields) -> dict[str, Any]:
        """The driver_info keys of ``fields`` (other keys are left out)."""
        out: dict[str, Any] = {}
        for key, value in fields.items():
            if key in self.mapping:
                for target in self.mapping[key]:
                    out[target] = self.transforms.get(target, lambda v: v)(value)
            elif key in self.deprecated:
                out[self.deprecated[key]] = value
            elif self.passes(key):
                out[key] = value
        return out

    def driver_for(self, pm_type: str) -> str:
        return self.hardware_type or pm_type


def _prefixed(prefix: str, hardware_type: str | None, has_port: bool = False,
              mandatory: tuple[str, ...] = ("pm_addr", "pm_user", "pm_password"),
              deprecated: Mapping[str, str] | None = None) -> Driver:
    """pm_addr/pm_user/pm_password (and pm_port) -> <prefix>_address/_username/_password(/_port);
    the BMC is its address (and port)."""
    mapping = {"pm_addr": (f"{prefix}_address",), "pm_user": (f"{prefix}_username",),
               "pm_password": (f"{prefix}_password",)}
    if has_port:
        mapping["pm_port"] = (f"{prefix}_port",)

    def identity(f: Fields) -> str | None:
        if "pm_addr" not in f or f["pm_addr"] is None:
            return None
        port = f.get("pm_port") if has_port else None
        return f"{f['pm_addr']}:{port}" if port is not None else str(f["pm_addr"])

    def in_ironic(info: Fields) -> str | None:
        if f"{prefix}_address" not in info:
            return None
        port = info.get(f"{prefix}_port") if has_port else None
        return f"{info[f'{prefix}_address']}:{port}" if port is not None else \
            str(info[f"{prefix}_address"])

    return Driver(prefix, mapping, hardware_type, mandatory, deprecated or {}, identity, in_ironic)


def _redfish_id(address: str, system: str) -> str:
    return f"{_strip_scheme(address).rstrip('/')}/{system.lstrip('/')}"


def _redfish() -> Driver:
    return Driver(
        "redfish",
        {"pm_addr": ("redfish_address",), "pm_user": ("redfish_username",),
         "pm_password": ("redfish_password",), "pm_system_id": ("redfish_system_id",)},
        "redfish", ("pm_addr", "pm_system_id"),
        identity=lambda f: _redfish_id(str(f["pm_addr"]), str(f["pm_system_id"]))
        if f.get("pm_addr") and f.get("pm_system_id") else None,
        identity_in_ironic=lambda i: _redfish_id(str(i["redfish_address"]),
                                                 str(i["redfish_system_id"]))
        if "redfish_address" in i and "redfish_system_id" in i else None)


def drac_address(value: Any) -> str:
    """tripleo-common's iDRAC address: no scheme, no port, no trailing slash."""
    return _strip_scheme(str(value)).split(":")[0].rstrip("/")


def _idrac() -> Driver:
    """``idrac``: both the drac_* and the redfish_* fields (tripleo-common's iDRACDriverInfo);
    no mandatory field; the BMC is the drac address (and port)."""
    drac = _prefixed("drac", "idrac", has_port=True)

    def identity(f: Fields) -> str | None:
        if not f.get("pm_addr"):
            return None
        return drac.identity({**f, "pm_addr": drac_address(f["pm_addr"])})

    return Driver(
        "drac",
        {"pm_addr": ("drac_address", "redfish_address"),
         "pm_user": ("drac_username", "redfish_username"),
         "pm_password": ("drac_password", "redfish_password"),
         "pm_port": ("drac_port",), "pm_system_id": ("redfish_system_id",)},
        "idrac", (), identity=identity, identity_in_ironic=drac.identity_in_ironic,
        transforms={"drac_address": drac_address}, also=("redfish",))


def _ovirt() -> Driver:
    keys = ("pm_addr", "pm_user", "pm_password", "pm_vm_name")
    return Driver(
        "ovirt", {"pm_addr": ("ovirt_address",), "pm_user": ("ovirt_username",),
                  "pm_password": ("ovirt_password",), "pm_vm_name": ("ovirt_vm_name",)},
        "staging-ovirt", keys,
        identity=lambda f: f"{f['pm_addr']}:{f['pm_vm_name']}"
        if f.get("pm_addr") and f.get("pm_vm_name") else None,
        identity_in_ironic=lambda i: f"{i['ovirt_address']}:{i['ovirt_vm_name']}"
        if "ovirt_address" in i and "ovirt_vm_name" in i else None)


def _iboot() -> Driver:
    base = _prefixed("iboot", "staging-iboot", has_port=True,
                     deprecated={"pm_relay_id": "iboot_relay_id"})

    def identity(f: Fields) -> str | None:
        found = base.identity(f)
        return f"{found}#{f['iboot_relay_id']}" if found and f.get("iboot_relay_id") else found

    def in_ironic(i: Fields) -> str | None:
        found = base.identity_in_ironic(i)
        return f"{found}#{i['iboot_relay_id']}" if found and i.get("iboot_relay_id") else found

    return Driver(base.prefix, base.mapping, base.hardware_type, base.mandatory,
                  base.deprecated, identity, in_ironic)


# pattern (re.search) -> driver, in tripleo-common's order; the first match wins
DRIVERS: tuple[tuple[str, Driver], ...] = (
    (r"^(ipmi|.*_ipmitool)$", _prefixed("ipmi", "ipmi", has_port=True, mandatory=("pm_addr",))),
    (r"^.*_drac$", _prefixed("drac", "idrac", has_port=True)),
    (r"^idrac$", _idrac()),
    (r"^(ilo|.*_ilo)$", _prefixed("ilo", "ilo", has_port=True)),
    (r"^(irmc|.*_irmc)$", _prefixed("irmc", "irmc", has_port=True)),
    (r"^redfish$", _redfish()),
    (r"^xclarity$", _prefixed("xclarity", None, has_port=True)),
    (r"^staging\-ovirt$", _ovirt()),
    (r"^(staging\-iboot|.*_iboot)$", _iboot()),
    (r"^(staging\-wol|.*wol)$", Driver(
        "wol", {"pm_addr": ("wol_host",), "pm_port": ("wol_port",)}, "staging-wol")),
    (r"^(staging\-amt|.*_amt)$", _prefixed("amt", "staging-amt")),
    (r"^(manual\-management|fake_pxe|fake_agent)$", Driver("fake", {}, "manual-management")),
    (r"^fake(|\-hardware)$", Driver("fake", {}, "fake-hardware")),
)


def find(pm_type: str) -> Driver | None:
    """The driver for a pm_type (or an ironic node's driver), None if none matches."""
    for pattern, driver in DRIVERS:
        if re.search(pattern, pm_type):
            return driver
    return None
