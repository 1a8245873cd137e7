"""undercloud.conf options -> deployment parameters (like tripleoclient's mapping).

Each parameter records where it came from so ``plan``/``config show`` can explain values.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from undercroft.config.loader import UndercloudConf
from undercroft.errors import ConfigError


@dataclass(frozen=True)
class Settings:
    """Host-side settings that are not service parameters (paths, placement)."""

    output_dir: Path
    state_dir: Path
    log_dir: Path
    data_root: Path
    network_namespace: str
    deployment_name: str
    roles_file: str
    debian_mirror: str
    env_files: tuple[Path, ...]
    local_ip: str
    local_prefix: int
    local_interface: str
    extra_addresses: tuple[str, ...] = field(default_factory=tuple)

    @property
    def container_prefix(self) -> str:
        return "" if self.deployment_name == "undercloud" else f"{self.deployment_name}-"

    @property
    def passwords_file(self) -> Path:
        return self.output_dir / "undercloud-passwords.yaml"


@dataclass(frozen=True)
class Translated:
    settings: Settings
    parameters: dict[str, object]
    sources: dict[str, str]  # parameter -> "undercloud.conf:LINE option" | "computed"


def _local_ip(uc: UndercloudConf) -> ipaddress.IPv4Interface:
    raw = uc.get("local_ip")
    where = uc.line_of("DEFAULT", "local_ip")
    if "/" not in raw:
        raise ConfigError(f"{where}: local_ip = {raw}: needs a prefix length (e.g. {raw}/24); "
                          f"add the network prefix")
    try:
        iface = ipaddress.ip_interface(raw)
    except ValueError:
        raise ConfigError(f"{where}: local_ip = {raw}: not an IP address with prefix; "
                          f"use e.g. 192.168.24.1/24")
    if iface.network.prefixlen >= iface.max_prefixlen:
        raise ConfigError(f"{where}: local_ip = {raw}: a /{iface.network.prefixlen} has no room "
                          f"for nodes; use the provisioning network's prefix, e.g. /24")
    return iface


def _workers(uc: UndercloudConf) -> int:
    n = uc.get("service_workers", "undercroft")
    return n if n > 0 else max(1, min(2, os.cpu_count() or 1))


def _path(uc: UndercloudConf, name: str, group: str = "undercroft") -> Path:
    value = uc.get(name, group)
    p = Path(os.path.expanduser(value))
    if not p.is_absolute():
        raise ConfigError(f"{uc.line_of(group, name)}: {name} = {value}: must be an absolute path")
    return p


def _env_files(uc: UndercloudConf) -> tuple[Path, ...]:
    base = uc.path.parent if uc.path else Path.cwd()
    out = []
    for item in uc.get("custom_env_files"):
        p = Path(os.path.expanduser(item))
        p = p if p.is_absolute() else base / p
        if not p.is_file():
            raise ConfigError(f"{uc.line_of('DEFAULT', 'custom_env_files')}: custom_env_files: "
                              f"{item} not found (looked at {p}); fix the path or remove it")
        out.append(p)
    return tuple(out)


def _roles_file(uc: UndercloudConf) -> str:
    """A bundled role name, or a path resolved like custom_env_files (relative to the conf)."""
    value = uc.get("roles_file")
    if not value:
        return "Undercloud"
    if "/" not in value and not value.endswith((".yaml", ".yml")):
        return value
    p = Path(os.path.expanduser(value))
    base = uc.path.parent if uc.path else Path.cwd()
    p = p if p.is_absolute() else base / p
    if not p.is_file():
        raise ConfigError(f"{uc.line_of('DEFAULT', 'roles_file')}: roles_file: {value} not found "
                          f"(looked at {p}); fix the path or unset it")
    return str(p)


def translate(uc: UndercloudConf) -> Translated:
    iface = _local_ip(uc)
    ns = uc.get("network_namespace", "undercroft")
    if ns and (len(ns) > 15 or not ns.replace("-", "").replace("_", "").isalnum()):
        raise ConfigError(f"{uc.line_of('undercroft', 'network_namespace')}: network_namespace = "
                          f"{ns}: use up to 15 letters, digits, - or _")
    hostname = uc.get("undercloud_hostname") or socket.getfqdn()
    settings = Settings(
        output_dir=_path(uc, "output_dir", "DEFAULT"),
        state_dir=_path(uc, "state_dir"),
        log_dir=_path(uc, "log_dir"),
        data_root=_path(uc, "data_root"),
        network_namespace=ns,
        deployment_name=uc.get("deployment_name", "undercroft"),
        roles_file=_roles_file(uc),
        debian_mirror=uc.get("debian_mirror", "undercroft"),
        env_files=_env_files(uc),
        local_ip=str(iface.ip),
        local_prefix=iface.network.prefixlen,
        local_interface=uc.get("local_interface"),
    )
    conf = lambda opt: f"{uc.line_of('DEFAULT', opt)} {opt}"  # noqa: E731
    params: dict[str, object] = {}
    sources: dict[str, str] = {}

    def put(name, value, source):
        params[name] = value
        sources[name] = source

    put("LocalIp", str(iface.ip), conf("local_ip"))
    put("ControlPlaneCidr", str(iface.network), conf("local_ip"))
    put("ControlPlanePrefix", iface.network.prefixlen, conf("local_ip"))
    put("NeutronPublicInterface", settings.local_interface, conf("local_interface"))
    put("CloudName", uc.get("undercloud_public_host"), conf("undercloud_public_host"))
    put("AdminHost", uc.get("undercloud_admin_host"), conf("undercloud_admin_host"))
    put("UndercloudHostname", hostname,
        conf("undercloud_hostname") if uc.get("undercloud_hostname") else "computed (host FQDN)")
    put("Debug", uc.get("undercloud_debug"), conf("undercloud_debug"))
    put("ServiceWorkers", _workers(uc), "computed (min(2, CPUs))"
        if uc.get("service_workers", "undercroft") == 0
        else f"{uc.line_of('undercroft', 'service_workers')} service_workers")
    put("DataRoot", str(settings.data_root), "[undercroft] data_root")
    put("LogDir", str(settings.log_dir), "[undercroft] log_dir")
    return Translated(settings, params, sources)
