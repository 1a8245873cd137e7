"""Preflight validations: is this configuration sane, and can this host run it?

The checks follow tripleoclient's undercloud preflight (``undercloud_preflight.py``):
value formats, addresses inside their subnet, DHCP and inspection ranges, memory,
hostname, interface, sysctls, the passwords file; plus the disk space of
tripleo-validations' ``undercloud-disk-space`` and free ports (where the enabled services
listen: their templates' ``ports`` and catalog entries, rendered). They are pure functions
of the loaded configuration, its translation, those ports and a ``HostFacts`` object
(``config/facts.py``), so unit tests inject a static one instead of reading the machine.

Every failure is one line naming the option, the bad value, the rule and the fix; all
failures are reported together. ``install`` runs them before it changes anything on
the host; ``--no-validations`` (or ``enable_validations = false``) skips them.
"""
from __future__ import annotations

import difflib
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Protocol

from undercroft.config import releases
from undercroft.config.facts import HostFacts
from undercroft.config.loader import UndercloudConf
from undercroft.config.translate import (IPAddress, Problems, Subnet, Translated,
                                         allocation_pools, local_ip, subnets, tls_mode, where)

# tripleoclient (undercloud_preflight.REQUIRED_MB): "We need 8 GB, leave a little room
# for variation in what 8 GB means on different platforms" -- RAM + swap, in MB.
REQUIRED_MB = 7680
# tripleo-validations undercloud-disk-space: free GB per location (the root filesystem's
# value is [undercroft] min_disk_gb; the others are capped by it).
DISK_RULES = (
    ("/var/lib/containers", 10, "podman image storage"),
    ("data_root", 10, "service data"),
    ("state_dir", 3, "rendered configuration"),
    ("log_dir", 3, "logs"),
)
SYSCTLS = ("net.ipv4.ip_forward", "net.ipv4.ip_nonlocal_bind")
SYSCTLS_IPV6 = ("net.ipv6.ip_nonlocal_bind",)
# Where a foreign listener takes a service's port: on the wildcard addresses, and on the
# address of the template's ``bind`` (local_ip: [DEFAULT] local_ip; loopback: this one).
WILDCARD = frozenset({"0.0.0.0", "::"})
LOOPBACK = "127.0.0.1"
ARCHITECTURES = ("ppc64le",)
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
                       r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")


class ServicePort(Protocol):
    """A port an enabled service listens on: its template's ``ports`` and keystone
    catalog entries, rendered (render/rendered.py ``RenderedPort``)."""

    @property
    def service(self) -> str: ...

    @property
    def protocol(self) -> str: ...  # tcp | udp

    @property
    def port(self) -> int: ...

    @property
    def bind(self) -> str: ...  # local_ip | loopback


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def extend(self, other: "Findings") -> "Findings":
        self.problems += other.problems
        self.warnings += other.warnings
        return self

    def raise_if_failed(self) -> None:
        p = Problems(self.problems)
        p.raise_if_any()


# --- configuration checks (no host access) -----------------------------------------------------
def check_config(uc: UndercloudConf, tr: Translated | None = None) -> Findings:
    """tripleoclient's value checks: formats, addresses inside their subnets, ranges."""
    f = Findings()
    p = f.problems
    scratch = Problems()
    iface = local_ip(uc, scratch)
    subs = subnets(uc, scratch)
    p += scratch  # translate() already refuses these; listed again for direct callers

    hostname = uc.get("undercloud_hostname")
    if hostname is not None:
        if not _HOSTNAME.match(hostname):
            p.append(f"{where(uc, 'DEFAULT', 'undercloud_hostname')}: not a valid host name; "
                     f"use letters, digits, '-' and dots, e.g. undercloud.example.com")
        elif "." not in hostname.rstrip("."):
            p.append(f"{where(uc, 'DEFAULT', 'undercloud_hostname')}: not fully qualified; "
                     f"add the domain, e.g. {hostname}.localdomain")
    if iface is not None and iface.version == 6 and iface.network.prefixlen != 64:
        p.append(f"{where(uc, 'DEFAULT', 'local_ip')}: an IPv6 provisioning network must be a "
                 f"/64 (nodes use EUI-64 addresses); use a /64 prefix")

    by_name = {s.name: s for s in subs}
    for s in subs:
        grp = s.name

        def outside(key, addr, rule=None):
            p.append(f"{where(uc, grp, key, addr)}: not inside cidr {s.cidr} of [{grp}]; "
                     f"{rule or f'pick an address in {s.cidr}'}")

        for key, addr in (("gateway", s.gateway), ("dhcp_start", s.dhcp_start),
                          ("dhcp_end", s.dhcp_end)):
            if addr.version != s.cidr.version or addr not in s.cidr:
                outside(key, addr)
        ins_in = [a for a in (s.inspection_start, s.inspection_end)
                  if a.version == s.cidr.version and a in s.cidr]
        if len(ins_in) != 2:
            outside("inspection_iprange", s.inspection_iprange)
        # the ranges' order, overlap and contents mean nothing before they are in the cidr
        inside = all(a.version == s.cidr.version and a in s.cidr for a in
                     (s.dhcp_start, s.dhcp_end, s.inspection_start, s.inspection_end))
        in_order = inside and _before(s.dhcp_start, s.dhcp_end)
        if inside and not in_order:
            p.append(f"{where(uc, grp, 'dhcp_start', s.dhcp_start)}: must come before dhcp_end "
                     f"= {s.dhcp_end}; swap them or fix the range")
        elif inside and not _before(s.inspection_start, s.inspection_end):
            p.append(f"{where(uc, grp, 'inspection_iprange')}: the start must come before "
                     f"the end; write it as 'start,end'")
        elif inside and _overlap((s.dhcp_start, s.dhcp_end),
                                 (s.inspection_start, s.inspection_end)):
            p.append(f"{where(uc, grp, 'inspection_iprange')}: overlaps the DHCP range "
                     f"{s.dhcp_start}-{s.dhcp_end}; move it out of dhcp_start..dhcp_end")
        for a, b in s.dhcp_exclude:
            if not (a == b or _before(a, b)):
                p.append(f"{where(uc, grp, 'dhcp_exclude')}: range {a}-{b} is reversed; "
                         f"write it as low-high")
        if in_order:
            covered = _reserved_in_range(uc, s, iface)
            if covered:
                key = "dhcp_end" if s.dhcp_end in {a for a, _ in covered} else "dhcp_start"
                p.append(f"{where(uc, grp, key)}: the DHCP range {s.dhcp_start}-{s.dhcp_end} "
                         f"covers {_and([f'{what} {a}' for a, what in covered])}, which nodes "
                         f"must not be given; move dhcp_start/dhcp_end to leave "
                         f"{'it' if len(covered) == 1 else 'them'} out, or list "
                         f"{'it' if len(covered) == 1 else 'them'} in dhcp_exclude")
        if iface is not None and s.name == uc.local_subnet:
            if iface.ip.version != s.cidr.version or iface.ip not in s.cidr:
                p.append(f"{where(uc, 'DEFAULT', 'local_ip')}: not inside cidr {s.cidr} of the "
                         f"local subnet [{grp}]; make local_ip an address of {s.cidr} or fix "
                         f"the subnet")
            if tr is not None and tls_mode(uc) != "off" and not uc.get("enable_ui"):
                for opt in ("undercloud_public_host", "undercloud_admin_host"):
                    try:
                        a = ipaddress.ip_address(uc.get(opt))
                    except ValueError:
                        continue
                    if a.version != s.cidr.version or a not in s.cidr:
                        p.append(f"{where(uc, 'DEFAULT', opt)}: with TLS the VIP must be "
                                 f"inside cidr {s.cidr} of [{grp}]; pick an address in it")
    names = list(by_name)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            na, nb = by_name[first].cidr, by_name[second].cidr
            if na.version == nb.version and na.overlaps(nb):
                p.append(f"{where(uc, second, 'cidr')}: overlaps cidr {na} of [{first}]; "
                         f"give every subnet its own network")
    if len(uc.subnets) > 1 and not uc.get("enable_routed_networks"):
        p.append(f"{where(uc, 'DEFAULT', 'enable_routed_networks')}: subnets lists "
                 f"{len(uc.subnets)} subnets, which needs routed networks; set "
                 f"enable_routed_networks = true")
    masq = uc.get("masquerade_network")
    if masq and subs and not any(_same(masq, s.cidr) for s in subs):
        p.append(f"{where(uc, 'DEFAULT', 'masquerade_network')}: matches no subnet's cidr "
                 f"({', '.join(str(s.cidr) for s in subs)}); set masquerade = true in the "
                 f"subnet section to NAT instead")

    for ns in uc.get("undercloud_nameservers"):
        try:
            ipaddress.ip_address(ns)
        except ValueError:
            p.append(f"{where(uc, 'DEFAULT', 'undercloud_nameservers')}: '{ns}' is not an IP "
                     f"address; list nameservers by address, e.g. 8.8.8.8")
    for ntp in uc.get("undercloud_ntp_servers"):
        if not (_is_ip(ntp) or _HOSTNAME.match(ntp)):
            p.append(f"{where(uc, 'DEFAULT', 'undercloud_ntp_servers')}: '{ntp}' is neither an "
                     f"address nor a host name; e.g. pool.ntp.org")
    mtu = uc.get("local_mtu")
    if not 1000 <= mtu <= 65536:
        p.append(f"{where(uc, 'DEFAULT', 'local_mtu')}: must be between 1000 and 65536; "
                 f"use your provisioning network's MTU, usually 1500")
    for arch in uc.get("additional_architectures"):
        if arch not in ARCHITECTURES:
            hint = difflib.get_close_matches(arch, ARCHITECTURES, n=1)
            p.append(f"{where(uc, 'DEFAULT', 'additional_architectures')}: '{arch}' is not "
                     f"supported; the only additional architecture is ppc64le"
                     + (f" (did you mean '{hint[0]}'?)" if hint else ""))
        elif arch == "ppc64le" and not uc.get("ipxe_enabled"):
            p.append(f"{where(uc, 'DEFAULT', 'ipxe_enabled')}: ppc64le nodes need iPXE "
                     f"(additional_architectures = ppc64le); set ipxe_enabled = true")
    if uc.get("enable_novajoin") and not uc.get("ipa_otp"):
        p.append(f"{uc.line_of('DEFAULT', 'enable_novajoin')}: enable_novajoin = true: needs "
                 f"ipa_otp, the one-time password that enrolls the undercloud in FreeIPA; set "
                 f"ipa_otp")
    return f


def _reserved_in_range(uc: UndercloudConf, s: Subnet, iface) -> list[tuple[IPAddress, str]]:
    """(address, what it is) of every address of the subnet no node may get that its DHCP
    range (minus dhcp_exclude) covers: the network and broadcast addresses, the gateway,
    local_ip, and with TLS the two VIPs. tripleoclient (Stein) trimmed them from the
    pools silently; here the range is refused, naming them."""
    reserved: list[tuple[IPAddress, str]] = [(s.cidr.network_address, "the network address")]
    if s.cidr.version == 4:
        reserved.append((s.cidr.broadcast_address, "the broadcast address"))
    if iface is not None:
        reserved.append((iface.ip, "local_ip"))
    reserved.append((s.gateway, "the gateway"))
    if tls_mode(uc) != "off":
        for opt in ("undercloud_public_host", "undercloud_admin_host"):
            try:
                reserved.append((ipaddress.ip_address(uc.get(opt).strip()), f"the VIP {opt}"))
            except ValueError:
                pass
    pools = [(int(ipaddress.ip_address(r["start"])), int(ipaddress.ip_address(r["end"])))
             for r in allocation_pools(s)]
    out: list[tuple[IPAddress, str]] = []
    for addr, what in reserved:
        if any(a == addr for a, _ in out) or addr.version != s.cidr.version:
            continue
        if any(start <= int(addr) <= end for start, end in pools):
            out.append((addr, what))
    return out


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _before(a, b) -> bool:
    """a < b, for addresses of the same family (mixed families are never in order)."""
    return a.version == b.version and a < b


def _overlap(a, b) -> bool:
    if len({x.version for x in (*a, *b)}) != 1:
        return False
    return a[0] <= b[1] and b[0] <= a[1]


def _is_ip(v: str) -> bool:
    try:
        ipaddress.ip_address(v)
        return True
    except ValueError:
        return False


def _same(raw: str, cidr) -> bool:
    try:
        return ipaddress.ip_network(raw.strip(), strict=False) == cidr
    except ValueError:
        return False


# --- host checks ---------------------------------------------------------------------------------
def check_host(uc: UndercloudConf, tr: Translated, facts: HostFacts,
               ports: Iterable[ServicePort] = ()) -> Findings:
    """Memory, disk, hostname, interface, sysctls, passwords file, free ports.

    ``ports``: where the enabled services listen, from their templates (a loaded
    deployment's ``rendered.ports``); none: the ports are not checked."""
    f = Findings()
    p, w = f.problems, f.warnings
    s = tr.settings
    ns = s.network_namespace

    need = uc.get("min_memory_mb", "undercroft")
    have = facts.memory_mb()
    if have < need:
        p.append(f"{where(uc, 'undercroft', 'min_memory_mb')}: this host has {have} MB "
                 f"(RAM + swap), less than needed; add memory or swap (8 GB recommended), or "
                 f"lower min_memory_mb on a development machine")

    cap = uc.get("min_disk_gb", "undercroft")
    paths = {"/": ("/", cap, "root filesystem")}
    for key, gb, what in DISK_RULES:
        path = {"data_root": s.data_root, "state_dir": s.state_dir,
                "log_dir": s.log_dir}.get(key, key)
        paths[str(path)] = (key, min(gb, cap), what)
    by_fs: dict[int, list] = {}
    for path, (key, gb, what) in paths.items():
        dev, free = facts.disk(Path(path))
        by_fs.setdefault(dev, []).append((path, key, gb, free))
    for items in by_fs.values():
        need_gb = max(i[2] for i in items)
        free = items[0][3]
        if free < need_gb:
            on = ", ".join(i[0] for i in items)
            p.append(f"{where(uc, 'undercroft', 'min_disk_gb')}: {free:.1f} GB free on the "
                     f"filesystem of {on}, {need_gb} GB needed; free some space, or lower "
                     f"min_disk_gb on a development machine")

    configured = uc.get("undercloud_hostname")
    name = configured or facts.fqdn()
    if ns:
        if configured and not facts.resolves(configured):
            w.append(f"{uc.line_of('DEFAULT', 'undercloud_hostname')}: undercloud_hostname = "
                     f"{configured} does not resolve on this host; accepted in namespace "
                     f"placement (the containers get this hostname), but add it to /etc/hosts "
                     f"before using host placement")
        elif not configured and "." not in name:
            w.append(f"host name '{name}' is not fully qualified; the containers get it as their "
                     f"hostname. Set undercloud_hostname to a FQDN")
    else:
        current = {facts.hostname(), facts.fqdn()}
        if configured and configured not in current:
            p.append(f"{where(uc, 'DEFAULT', 'undercloud_hostname')}: this host is called "
                     f"{facts.fqdn()} and Undercroft does not rename hosts; run 'hostnamectl "
                     f"set-hostname {configured}' and add it to /etc/hosts, or unset "
                     f"undercloud_hostname")
        elif "." not in name.rstrip("."):
            p.append(f"undercloud_hostname (unset): the host name '{name}' is not fully "
                     f"qualified; set one with 'hostnamectl set-hostname undercloud.example.com' "
                     f"and add it to /etc/hosts")
        elif not facts.resolves(name):
            p.append(f"{uc.line_of('DEFAULT', 'undercloud_hostname')}: host name {name} does not "
                     f"resolve; add '{s.local_ip} {name} {name.split('.')[0]}' to /etc/hosts")

    if s.baremetal:
        suite, release_suite = facts.debian_suite(), releases.SUITES[s.release]
        if suite != release_suite:
            host_release = releases.release_of_suite(suite)
            p.append(f"{where(uc, 'undercroft', 'release', s.release)}: a baremetal undercloud "
                     f"installs this host's packages, and this host runs Debian "
                     f"{suite or '(unknown)'}, not {release_suite}; "
                     + (f"set release = {host_release} (or unset it)" if host_release else
                        f"use a Debian {', '.join(releases.SUITES.values())} host")
                     + ", or run the services in containers")

    if not ns and not uc.get("net_config_override"):
        nics = facts.interfaces()
        iface = s.local_interface
        if iface not in nics:
            hint = difflib.get_close_matches(iface, sorted(nics), n=1)
            choices = ", ".join(sorted(n for n in nics if n != "lo")) or "none found"
            p.append(f"{where(uc, 'DEFAULT', 'local_interface')}: no such network interface on "
                     f"this host ({choices}); set local_interface to the provisioning NIC"
                     + (f" (did you mean '{hint[0]}'?)" if hint else "")
                     + ", or use [undercroft] network_namespace to run in a namespace")

    missing = [n for n in SYSCTLS + (SYSCTLS_IPV6 if facts.ipv6() else ())
               if not facts.sysctl_exists(n)]
    if missing:
        p.append(f"sysctl {', '.join(missing)}: not available in this kernel, and the services "
                 f"need them; use an up-to-date kernel with IP forwarding and non-local bind")

    if facts.exists(s.output_dir / "stackrc") and not facts.exists(s.passwords_file):
        p.append(f"{where(uc, 'DEFAULT', 'output_dir', s.output_dir)}: stackrc exists but "
                 f"{s.passwords_file.name} is missing; restore it from backup (a new one would "
                 f"change every password and break the existing undercloud)")

    if not ns:
        p += _ports_taken(uc, s.local_ip, facts, ports)
    return f


def _ports_taken(uc: UndercloudConf, address: str, facts: HostFacts,
                 ports: Iterable[ServicePort]) -> list[str]:
    """A foreign process (not in a container) listening where a service will."""
    places = {"local_ip": WILDCARD | {address}, "loopback": WILDCARD | {LOOPBACK}}
    wanted: dict[tuple[str, int], list[ServicePort]] = {}
    for port in ports:
        wanted.setdefault((port.protocol, port.port), []).append(port)
    out = []
    for lst in facts.listeners():
        if lst.in_container:
            continue
        sp = next((sp for sp in wanted.get((lst.proto, lst.port), [])
                   if lst.address in places[sp.bind]), None)
        if sp is None:
            continue
        who = f"PID {lst.pid} {lst.command}".strip() if lst.pid else "another process"
        what = f"{lst.proto} port {lst.port} ({sp.service}"
        what = (f"{where(uc, 'DEFAULT', 'local_ip', address)}: {what})"
                if sp.bind == "local_ip" else f"{what}, on {sp.bind})")
        out.append(f"{what} is already taken on {lst.address} by {who}; stop that process "
                   f"or move it off the port")
    return out


def run(uc: UndercloudConf, tr: Translated, facts: HostFacts,
        ports: Iterable[ServicePort] = ()) -> Findings:
    """All preflight checks: configuration first, then the host."""
    return check_config(uc, tr).extend(check_host(uc, tr, facts, ports))


def enabled(uc: UndercloudConf) -> bool:
    """enable_validations = false skips the preflight, as in tripleoclient."""
    return bool(uc.get("enable_validations"))
