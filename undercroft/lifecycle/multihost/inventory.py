"""Hosts and their roles from an Ansible inventory, read by Ansible itself.

``ansible-inventory --list`` understands every inventory format (YAML, INI, scripts) and
resolves group and host variables; a home-made parser would not. A host's role is the
name of the inventory group it is in, as in TripleO's generated inventories
(``Controller``, ``Compute``).
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from undercroft.errors import ConfigError

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Host:
    name: str
    role: str
    vars: dict = field(default_factory=dict)

    @property
    def local_ip(self) -> str:
        """The host's ctlplane address with prefix (its undercloud.conf local_ip)."""
        return str(self.vars["undercroft_local_ip"])

    @property
    def address(self) -> str:
        return self.local_ip.split("/")[0]

    @property
    def hostname(self) -> str:
        return str(self.vars.get("undercroft_hostname", self.name))

    @property
    def settings(self) -> dict:
        """[undercroft] options for this host (paths, namespace, deployment name)."""
        return dict(self.vars.get("undercroft_settings") or {})


def ansible_inventory(path: Path) -> dict:
    tool = BIN / "ansible-inventory"
    if not path.is_file():
        raise ConfigError(f"inventory {path}: not found")
    proc = subprocess.run([str(tool), "-i", str(path), "--list"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise ConfigError(f"inventory {path}: ansible-inventory could not read it",
                          detail=proc.stderr.strip()[-2000:])
    return json.loads(proc.stdout)


def hosts_by_role(data: dict, roles: list[str], path: Path) -> list[Host]:
    """Every host of the role groups, in inventory order; each in exactly one role."""
    hostvars = data.get("_meta", {}).get("hostvars", {})
    found: dict[str, Host] = {}

    def members(group: str) -> list[str]:
        g = data.get(group, {})
        out = list(g.get("hosts", []))
        for child in g.get("children", []):
            out += members(child)
        return out

    for role in roles:
        for name in members(role):
            if name in found:
                raise ConfigError(f"inventory {path}: host {name} is in two role groups "
                                  f"({found[name].role} and {role}); a host runs one role")
            hv = hostvars.get(name, {})
            if not hv.get("undercroft_local_ip"):
                raise ConfigError(f"inventory {path}: host {name}: set undercroft_local_ip "
                                  f"(its ctlplane address with prefix, e.g. 192.168.24.11/24)")
            found[name] = Host(name, role, hv)
    if not found:
        raise ConfigError(f"inventory {path}: no host in any role group "
                          f"({', '.join(roles)}); name the groups after the roles")
    return list(found.values())
