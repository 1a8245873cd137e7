"""A checked instackenv node as ironic's node and port fields, and which enrolled node it is.

As tripleo-common's ``register_ironic_node`` and ``_update_or_register_ironic_node``
(stable/wallaby, tripleo_common/utils/nodes.py):

- ``driver``: the hardware type (a classic pm_type such as ``pxe_ipmitool`` is replaced by
  its hardware type); ``driver_info``: the driver's pm_* keys and prefixed keys, plus
  ``deploy_kernel``/``rescue_kernel`` and ``deploy_ramdisk``/``rescue_ramdisk`` from
  ``kernel_id``/``ramdisk_id``;
- ``properties``: ``cpus``, ``memory_mb``, ``local_gb``, ``cpu_arch``, ``root_device`` from
  ``cpu``, ``memory``, ``disk``, ``arch``, ``root_device``; ``capabilities`` as
  ``k:v,...`` sorted, with ``profile`` added as ``profile:NAME``;
- ``resource_class`` (default ``baremetal``), ``name``, ``uuid``, ``conductor_group``,
  the ``*_interface`` fields, ``extra.tripleo_platform`` from ``platform``;
- a port per MAC, on physical network ``ctlplane`` unless the entry says otherwise.

An entry is the enrolled node that has one of its MACs, its BMC identity or its uuid
(``_get_node_id``); more than one such node is an error.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from undercroft.nodes import drivers
from undercroft.nodes.instackenv import (INTERFACE_FIELDS, Node, capabilities_dict,
                                         capabilities_string)

PROPERTIES = (("cpus", "cpu"), ("memory_mb", "memory"), ("local_gb", "disk"),
              ("cpu_arch", "arch"), ("root_device", "root_device"))
DEFAULT_RESOURCE_CLASS = "baremetal"


def driver_info(node: Node) -> dict[str, Any]:
    info: dict[str, Any] = {}
    if node.fields.get("kernel_id"):
        info["deploy_kernel"] = info["rescue_kernel"] = node.fields["kernel_id"]
    if node.fields.get("ramdisk_id"):
        info["deploy_ramdisk"] = info["rescue_ramdisk"] = node.fields["ramdisk_id"]
    # only the driver's keys: pm_type and the non-driver fields are never driver_info
    given = {k: v for k, v in node.fields.items() if k not in ("pm_type",) and v is not None
             and (k.startswith("pm_") or node.driver.knows(k))}
    info.update(node.driver.driver_info(given))
    return info


def properties(node: Node) -> dict[str, Any]:
    props = {key: node.fields[src] for key, src in PROPERTIES if node.fields.get(src) is not None}
    caps = capabilities_dict(node.fields.get("capabilities")) or {}
    if node.fields.get("profile"):
        caps["profile"] = node.fields["profile"]
    if caps:
        props["capabilities"] = capabilities_string(caps)
    return props


def create_fields(node: Node) -> dict[str, Any]:
    """The fields of ironic's node create (what ``openstack baremetal node create`` sends)."""
    out: dict[str, Any] = {
        "driver": node.hardware_type,
        "driver_info": driver_info(node),
        "properties": properties(node),
        "resource_class": node.fields.get("resource_class") or DEFAULT_RESOURCE_CLASS,
    }
    out.update({f: node.fields[f] for f in INTERFACE_FIELDS if node.fields.get(f)})
    if node.fields.get("platform"):
        out["extra"] = {"tripleo_platform": node.fields["platform"]}
    for key in ("name", "uuid", "conductor_group"):
        if node.fields.get(key):
            out[key] = str(node.fields[key])
    return out


def update_patch(node: Node, enrolled: Mapping[str, Any]) -> list[dict[str, Any]]:
    """JSON patch ops making an enrolled node carry what the entry gives (tripleo-common's
    update: ``add`` per field the entry sets); only fields whose value differs, so
    importing the same file again changes nothing. ``enrolled``: the node's fields as
    ironic shows them (a password is masked there, so it is always written again)."""
    wanted = create_fields(node)
    ops = []
    # resource_class only when the entry gives it (a new node gets the default)
    given = [k for k in ("name", "resource_class", "conductor_group", *INTERFACE_FIELDS)
             if node.fields.get(k)]
    for key in given:
        if wanted[key] != enrolled.get(key):
            ops.append({"op": "add", "path": f"/{key}", "value": wanted[key]})
    for group in ("driver_info", "properties", "extra"):
        have = enrolled.get(group) or {}
        for key, value in (wanted.get(group) or {}).items():
            if have.get(key) != value:
                ops.append({"op": "add", "path": f"/{group}/{key}", "value": value})
    return ops


@dataclass
class Enrolled:
    """What ironic has: nodes by MAC, by BMC identity, by uuid and by name."""

    by_mac: dict[str, str] = field(default_factory=dict)
    by_bmc: dict[str, str] = field(default_factory=dict)
    uuids: set[str] = field(default_factory=set)
    by_name: dict[str, str] = field(default_factory=dict)

    def add(self, uuid: str, driver: str, info: Mapping[str, Any], macs: list[str],
            name: str | None = None) -> None:
        self.uuids.add(uuid)
        for mac in macs:
            self.by_mac[mac.lower()] = uuid
        handler = drivers.find(driver)
        bmc = handler.identity_in_ironic(info) if handler else None
        if bmc:
            self.by_bmc[bmc] = uuid
        if name:
            self.by_name[name] = uuid

    def match(self, node: Node) -> set[str]:
        """The enrolled nodes this entry is (tripleo-common's _get_node_id candidates)."""
        found = {self.by_mac[m] for m in node.addresses if m in self.by_mac}
        bmc = node.identity
        if bmc and bmc in self.by_bmc:
            found.add(self.by_bmc[bmc])
        uuid = node.fields.get("uuid")
        if uuid and uuid in self.uuids:
            found.add(uuid)
        return found
