"""Where each API is reached: the endpoint map haproxy, keystone and the services share.

Like TripleO's undercloud: every API listens on ``LocalIp``; with haproxy enabled (TLS
on, the default), haproxy listens on the admin VIP (``undercloud_admin_host``: internal
and admin endpoints, plain http) and the public VIP (``undercloud_public_host``: https on
the 13xxx ports). keepalived holds both VIPs on br-ctlplane. Without haproxy every
endpoint is ``http://LocalIp:port``. One function computes all of it, so the catalog,
haproxy.cfg and the services' own settings cannot disagree.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from undercroft.errors import ConfigError
from undercroft.model.schema import CatalogEntry, ServiceTemplate

KEYSTONE_PORT = 5000


def _host(value: str) -> str:
    """An IPv6 address goes in brackets inside a URL."""
    try:
        return f"[{value}]" if ipaddress.ip_address(value).version == 6 else value
    except ValueError:
        return value


def _vip(values: Mapping[str, Any], fixed: str, host: str) -> str:
    ips = values.get(fixed) or []
    if ips and isinstance(ips, list) and isinstance(ips[0], dict) and ips[0].get("ip_address"):
        return str(ips[0]["ip_address"])
    return str(values.get(host) or values["LocalIp"])


@dataclass(frozen=True)
class EndpointMap:
    local_ip: str
    proxied: bool  # haproxy in front of the APIs
    tls: bool  # public endpoints are https (only with haproxy)
    public_host: str  # name or address in public URLs
    public_vip: str  # address haproxy binds for public
    admin_vip: str  # address haproxy binds for internal/admin

    @classmethod
    def build(cls, values: Mapping[str, Any], services: Iterable[ServiceTemplate]) -> "EndpointMap":
        proxied = any(s.name == "haproxy" for s in services)
        tls = proxied and str(values.get("PublicTLSMode", "off")) != "off"
        public_vip = _vip(values, "PublicVirtualFixedIPs", "CloudName")
        admin_vip = _vip(values, "ControlFixedIPs", "AdminHost")
        return cls(str(values["LocalIp"]), proxied, tls,
                   str(values.get("CloudName") or public_vip), public_vip, admin_vip)

    def public_port(self, e: CatalogEntry) -> int:
        if not self.tls:
            return e.port
        return e.public_tls_port or 13000 + e.port % 1000

    def urls(self, e: CatalogEntry) -> dict[str, str]:
        plain, secure = ("ws", "wss") if e.scheme == "ws" else ("http", "https")
        if not self.proxied:
            local = f"{plain}://{_host(self.local_ip)}:{e.port}{e.path}"
            admin = f"{plain}://{_host(self.local_ip)}:{e.admin_port or e.port}{e.path}"
            return {"public": local, "internal": local, "admin": admin}
        public = (f"{secure if self.tls else plain}://{_host(self.public_host)}:"
                  f"{self.public_port(e)}{e.path}")
        internal = f"{plain}://{_host(self.admin_vip)}:{e.port}{e.path}"
        admin = f"{plain}://{_host(self.admin_vip)}:{e.admin_port or e.port}{e.path}"
        return {"public": public, "internal": internal, "admin": admin}

    def listeners(self, services: Iterable[ServiceTemplate]) -> list[dict[str, Any]]:
        """haproxy.cfg's ``listen`` blocks: one per API port, binding the VIPs."""
        out: list[dict[str, Any]] = []
        for svc in services:
            for e in svc.keystone.services if svc.keystone else ():
                out.append({"name": e.name, "port": e.port, "backend": f"{self.local_ip}:{e.port}",
                            "binds": [{"address": self.admin_vip, "port": e.port, "tls": False},
                                      {"address": self.public_vip, "port": self.public_port(e),
                                       "tls": self.tls}],
                            "websocket": e.scheme == "ws"})
                if e.admin_port:
                    out.append({"name": f"{e.name}_admin", "port": e.admin_port,
                                "backend": f"{self.local_ip}:{e.admin_port}",
                                "binds": [{"address": self.admin_vip, "port": e.admin_port,
                                           "tls": False}],
                                "websocket": False})
        seen: dict[tuple[str, int], str] = {}
        for listener in out:
            for b in listener["binds"]:
                key = (b["address"], b["port"])
                if key in seen:
                    raise ConfigError(
                        f"haproxy: {listener['name']} and {seen[key]} both need "
                        f"{b['address']}:{b['port']}; give one of them another port (or "
                        f"public_tls_port) in its service template's keystone: block")
                seen[key] = listener["name"]
        return out

    def context(self, services: list[ServiceTemplate]) -> dict[str, Any]:
        """Values every config template can use (keystone URLs, haproxy listeners, VIPs)."""
        identity = CatalogEntry(name="keystone", type="identity", port=KEYSTONE_PORT,
                                admin_port=35357)
        urls = self.urls(identity)
        return {"KeystonePublicUrl": urls["public"], "KeystoneInternalUrl": urls["internal"],
                "KeystoneAdminUrl": urls["admin"],
                "HaproxyListeners": self.listeners(services) if self.proxied else [],
                "VirtualIps": sorted({self.public_vip, self.admin_vip}) if self.proxied else [],
                "PublicTLS": self.tls}
