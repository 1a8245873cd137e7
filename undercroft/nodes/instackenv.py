"""Read an instackenv file (JSON, YAML or CSV, as tripleoclient) and check every node.

``load(path, enabled)`` returns the nodes, or raises one ``ConfigError`` that names every
bad entry (``node #INDEX (NAME): what is wrong``, the index counted from 0 as
tripleo-common counts it) so that nothing is enrolled when any entry is bad. The checks
are tripleo-common's ``validate_nodes`` (stable/wallaby, tripleo_common/utils/nodes.py):
a known pm_type, the driver's mandatory fields, valid MACs unique across the file, one
entry per BMC, unique names, no platform without arch, capabilities in ``k:v,k:v`` form,
a dict root_device, no unknown field. Undercroft adds the field types (pydantic) and that
the hardware type is one the undercloud's ironic enables.

A value is never part of a message except MACs, names, BMC addresses and pm_types:
pm_password in particular is never printed.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from undercroft import redact
from undercroft.errors import ConfigError
from undercroft.nodes import drivers

INTERFACE_FIELDS = tuple(f"{kind}_interface" for kind in (
    "boot", "console", "deploy", "inspect", "management", "network", "power", "raid", "rescue",
    "storage", "vendor"))
# besides pm_* and the driver's own keys: what tripleo-common reads from an entry
OTHER_FIELDS = ("cpu", "memory", "disk", "arch", "root_device", "name", "uuid", "resource_class",
                "kernel_id", "ramdisk_id", "platform", "conductor_group", "capabilities",
                "profile", "ports", "mac", "pm_type", "_comment") + INTERFACE_FIELDS
MAC = re.compile(r"^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$", re.I)


class Port(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str
    physical_network: str = "ctlplane"  # tripleo-common's default
    local_link_connection: dict[str, Any] | None = None


class Entry(BaseModel):
    """One node of the file. Keys not declared here are the driver's (checked after)."""

    model_config = ConfigDict(extra="allow")

    pm_type: str
    pm_addr: str | None = None
    pm_user: str | None = None
    pm_password: str | None = None
    pm_port: int | None = None
    pm_system_id: str | None = None
    mac: list[str] = []
    ports: list[Port] = []
    cpu: int | None = None
    memory: int | None = None
    disk: int | None = None
    arch: str | None = None
    name: str | None = None
    uuid: str | None = None
    capabilities: str | dict[str, Any] | None = None
    profile: str | None = None
    root_device: Any = None
    resource_class: str | None = None
    kernel_id: str | None = None
    ramdisk_id: str | None = None
    platform: str | None = None
    conductor_group: str | None = None


@dataclass(frozen=True)
class Node:
    """A checked entry: where it was in the file, its fields as given, its driver."""

    index: int
    fields: dict[str, Any]  # the entry as given, ``_comment`` left out, types coerced
    driver: drivers.Driver
    hardware_type: str

    @property
    def label(self) -> str:
        return label(self.index, self.fields)

    @property
    def name(self) -> str | None:
        return self.fields.get("name")

    @property
    def addresses(self) -> list[str]:
        """Every port's MAC, lower case: ``ports`` first, then ``mac`` (as tripleo-common
        turns ``mac`` into ports)."""
        return [p["address"].lower() for p in self.ports]

    @property
    def ports(self) -> list[dict[str, Any]]:
        out = [dict(p) for p in self.fields.get("ports") or []]
        out += [{"address": m, "physical_network": "ctlplane", "local_link_connection": None}
                for m in self.fields.get("mac") or []]
        for p in out:
            p["address"] = p["address"].lower()
        return out

    @property
    def identity(self) -> str | None:
        """The BMC this entry names (address, port, system), as tripleo-common builds it."""
        return self.driver.identity(self.fields)


def label(index: int, raw: Any) -> str:
    name = raw.get("name") if isinstance(raw, Mapping) else None
    return f"node #{index} ({name})" if name else f"node #{index}"


def parse(text: str, kind: str) -> Any:
    """``text`` as JSON, YAML or tripleoclient's CSV (pm_type,pm_addr,pm_user,pm_password,mac[,pm_port])."""
    if kind == "json":
        return json.loads(text)
    if kind == "yaml":
        return yaml.safe_load(text)
    rows = [r for r in csv.reader(io.StringIO(text)) if r]
    out = []
    for row in rows:
        if len(row) < 5:
            out.append({"_csv_row": row})
            continue
        entry: dict[str, Any] = {"pm_type": row[0], "pm_addr": row[1], "pm_user": row[2],
                                 "pm_password": row[3], "mac": [row[4]]}
        if len(row) > 5:
            entry["pm_port"] = row[5]
        out.append(entry)
    return out


def kind_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".csv":
        return "csv"
    raise ConfigError(f"{path}: unknown file type {suffix or '(none)'!r}",
                      hint="name it .json, .yaml or .csv (tripleoclient's instackenv formats)")


def load(path: Path, enabled: Iterable[str]) -> list[Node]:
    """The nodes of an instackenv file, every one checked; ``enabled``: the hardware types
    the undercloud's ironic enables."""
    try:
        text = path.read_text()
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror}") from None
    try:
        data = parse(text, kind_of(path))
    except (ValueError, yaml.YAMLError) as err:
        raise ConfigError(f"{path} is not valid {kind_of(path).upper()}",
                          detail=str(err).splitlines()[0]) from None
    if isinstance(data, Mapping) and "nodes" in data:
        data = data["nodes"]
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a list of nodes, or a mapping with a 'nodes' list")
    return check(data, enabled, source=str(path))


def check(entries: list[Any], enabled: Iterable[str], source: str = "instackenv") -> list[Node]:
    """Every entry checked; all problems raised at once in one ConfigError. The checks
    across entries (MACs, BMCs, names) see every entry, a bad one too."""
    enabled = list(enabled)
    # the passwords must never reach a terminal, whatever message quotes an entry
    redact.register(e.get("pm_password") for e in entries
                    if isinstance(e, Mapping) and isinstance(e.get("pm_password"), str))
    problems: list[str] = []
    macs: dict[str, int] = {}
    bmcs: dict[str, int] = {}
    names: dict[str, int] = {}
    for index, raw in enumerate(entries):
        where = label(index, raw)
        problems += [f"{where}: {p}" for p in problems_of(index, raw, enabled)]
        if not isinstance(raw, Mapping):
            continue
        for mac in dict.fromkeys(m.lower() for m in macs_of(raw) if MAC.match(m)):
            if mac in macs:
                problems.append(f"{where}: MAC {mac} is not unique "
                                f"(also {label(macs[mac], entries[macs[mac]])})")
            else:
                macs[mac] = index
        driver = drivers.find(raw["pm_type"]) if isinstance(raw.get("pm_type"), str) else None
        bmc = driver.identity(raw) if driver else None
        if bmc:
            if bmc in bmcs:
                problems.append(f"{where}: node identified by {bmc} is already present "
                                f"(also {label(bmcs[bmc], entries[bmcs[bmc]])})")
            else:
                bmcs[bmc] = index
        name = raw.get("name")
        if isinstance(name, str) and name:
            if name in names:
                problems.append(f'{where}: name "{name}" is not unique '
                                f"(also node #{names[name]})")
            else:
                names[name] = index
    if not entries:
        problems.append("no nodes in the file")
    if problems:
        raise ConfigError(
            f"{source}: {len(problems)} problem(s); no node was enrolled",
            detail="\n".join(redact.redact(p) for p in problems),
            hint="fix every entry listed and import the file again")
    return [node_of(index, raw) for index, raw in enumerate(entries)]


def macs_of(raw: Mapping[str, Any]) -> list[str]:
    """The MAC strings an entry gives, in ``ports`` and ``mac``."""
    ports = raw.get("ports")
    macs = raw.get("mac")
    found: list[Any] = [p.get("address") for p in (ports if isinstance(ports, list) else [])
                        if isinstance(p, Mapping)]
    found += macs if isinstance(macs, list) else []
    return [m for m in found if isinstance(m, str)]


def node_of(index: int, raw: Mapping[str, Any]) -> Node:
    entry = Entry.model_validate(raw)
    fields = {k: v for k, v in entry.model_dump(exclude_unset=True).items() if k != "_comment"}
    if "ports" in fields:
        fields["ports"] = [p.model_dump() for p in entry.ports]
    driver = drivers.find(entry.pm_type)
    assert driver is not None  # problems_of checked it
    return Node(index, fields, driver, driver.driver_for(entry.pm_type))


def problems_of(index: int, raw: Any, enabled: list[str]) -> list[str]:
    """What is wrong with one entry on its own (the checks across entries are check()'s)."""
    if isinstance(raw, Mapping) and "_csv_row" in raw:
        return [f"CSV row has {len(raw['_csv_row'])} columns; expected "
                "pm_type,pm_addr,pm_user,pm_password,mac[,pm_port]"]
    if not isinstance(raw, Mapping):
        return [f"expected a mapping of fields, not {type(raw).__name__}"]
    out: list[str] = []
    try:
        Entry.model_validate(raw)
    except ValidationError as err:
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"])
            if e["type"] == "missing" and e["loc"] == ("pm_type",):
                out.append("pm_type (ironic driver to use) is required")
            else:
                out.append(f"{where}: {e['msg']}")  # never the input value: it may be a secret
    pm_type = raw.get("pm_type")
    driver = drivers.find(pm_type) if isinstance(pm_type, str) else None
    if isinstance(pm_type, str) and driver is None:
        out.append(f"unknown pm_type (ironic driver to use): {pm_type}")
    if driver is not None:
        hardware_type = driver.driver_for(str(pm_type))
        if hardware_type not in enabled:
            out.append(f"hardware type {hardware_type} (pm_type {pm_type}) is not enabled "
                       f"in this undercloud (enabled: {', '.join(enabled) or 'none'}; "
                       "undercloud.conf's enabled_hardware_types)")
        missing = [f for f in driver.mandatory if not raw.get(f)]
        if missing:
            out.append(f"missing {', '.join(missing)} (required for pm_type {pm_type})")
    for mac in macs_of(raw):
        if not MAC.match(mac):
            out.append(f"MAC address {mac} is invalid")
    if raw.get("platform") and not raw.get("arch"):
        out.append("platform given without arch")
    caps = raw.get("capabilities")
    if isinstance(caps, (str, Mapping)) and capabilities_dict(caps) is None:
        out.append("invalid capabilities: expected key:value[,key:value...] or a mapping")
    if raw.get("root_device") is not None and not isinstance(raw["root_device"], Mapping):
        out.append(f"invalid root_device: expected a mapping, got "
                   f"{type(raw['root_device']).__name__}")
    for key in raw:
        if key.startswith("pm_") and key != "pm_type":
            if driver is not None and not driver.knows(key):
                out.append(f"field {key} is not used by pm_type {pm_type}")
        elif key not in OTHER_FIELDS and (driver is None or not driver.knows(key)):
            out.append(f"unknown field {key}")
    return out


def capabilities_dict(caps: str | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``"a:1,b:2"`` or a mapping as a dict; None when the string is malformed."""
    if not caps:
        return {}
    if isinstance(caps, Mapping):
        return dict(caps)
    pairs = [item.split(":", 1) for item in caps.split(",")]
    if any(len(p) != 2 or not p[0] for p in pairs):
        return None
    return {k: v for k, v in pairs}


def capabilities_string(caps: Mapping[str, Any]) -> str:
    """tripleo-common's dict_to_capabilities: ``k:v`` sorted by key, None values left out."""
    return ",".join(f"{k}:{v}" for k, v in sorted(caps.items()) if v is not None)
