"""undercloud.conf options -> deployment parameters (like tripleoclient's mapping).

The mapping follows python-tripleoclient's ``prepare_undercloud_deploy`` (Rocky): the
1:1 ``PARAMETER_MAPPING``, ``ipxe_enabled`` feeding ironic and inspector, the subnets
(``UndercloudCtlplaneSubnets``, ``IronicInspectorSubnets``, static routes, masquerading),
the ironic hardware types and interfaces, and the ``enable_*`` toggles, which become the
list of services to disable. Each parameter records where it came from so ``plan`` and
``config show`` can explain values. Values that cannot be used at all (an address that
is not an address, a missing file) are reported together, each naming its option.

``translate(uc, facts)`` reads nothing itself: what it needs from the host (its FQDN, a
VIP's DNS name, the CPU count, the invoking user, the files undercloud.conf names) comes
from ``facts`` (``config/facts.py``), so a unit test runs it on answers alone. It checks
the options first (``_check``: every problem at once), then applies ``RULES``, small
functions that each add a few parameters.
"""
from __future__ import annotations

import difflib
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from undercroft.config import hardware as ironic_hardware
from undercroft.config import releases
from undercroft.config.facts import ConfigFacts, ThisHost
from undercroft.config.loader import UndercloudConf
from undercroft.errors import ConfigError
from undercroft.model.loader import is_role_name
from undercroft.state import StateDir

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface

# enable_* option -> the services it switches (names of the service templates). What
# undercloud.conf's options mean, as tripleoclient gave them, rather than a fact of one
# template, so it stays here: six of the names have no template (cinder, tempest, ...:
# switched on, they are warned about), and translate() runs before templates load.
SERVICE_TOGGLES: dict[str, tuple[str, ...]] = {
    "enable_ironic": ("ironic", "ironic_inspector", "ironic_neutron_agent"),
    "enable_ironic_inspector": ("ironic_inspector",),
    "enable_mistral": ("mistral",),
    "enable_zaqar": ("zaqar",),
    "enable_tempest": ("tempest",),
    "enable_telemetry": ("telemetry",),
    "enable_novajoin": ("novajoin",),
    "enable_cinder": ("cinder",),
    "enable_ui": ("ui",),
    "enable_validations": ("validations",),
}

# PARAMETER_MAPPING: option -> parameter, value copied as typed by oslo.config.
PARAMETER_MAPPING = {
    "inspection_interface": "IronicInspectorInterface",
    "undercloud_debug": "Debug",
    "certificate_generation_ca": "CertmongerCA",
    "undercloud_public_host": "CloudName",
    "undercloud_admin_host": "AdminHost",
    "scheduler_max_attempts": "NovaSchedulerMaxAttempts",
    "local_mtu": "UndercloudLocalMtu",
    "clean_nodes": "IronicAutomatedClean",
    "upgrade_cleanup": "UpgradeRemoveUnusedPackages",
    "local_subnet": "UndercloudCtlplaneLocalSubnet",
    "enable_routed_networks": "UndercloudEnableRoutedNetworks",
    "local_interface": "NeutronPublicInterface",
    "docker_bip": "DockerNetworkOptions",
    "container_healthcheck_disabled": "ContainerHealthcheckDisabled",  # Stein's table
}
MULTI_PARAMETER_MAPPING = {
    "ipxe_enabled": ("IronicIPXEEnabled", "IronicInspectorIPXEEnabled"),
}
# Parameters whose values ``config show`` masks (besides the templates' secret parameters).
SECRET_PARAMETERS = frozenset({"SSLKey", "NovajoinIpaOtp"})


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
    role: str = ""  # which role of a multi-role roles_file this host runs
    baremetal: bool = False  # host runtime (runtime/host.py) instead of podman
    # Data stays where a baremetal undercloud keeps it (/var/lib/mysql, /srv/node, ...):
    # containers bind-mount those paths as is (set by ``upgrade``, kept in state_dir).
    host_layout: bool = False
    release: str = releases.DEFAULT  # the OpenStack release (images/catalog.py: its Debian suite)

    @property
    def container_prefix(self) -> str:
        return "" if self.deployment_name == "undercloud" else f"{self.deployment_name}-"

    @property
    def passwords_file(self) -> Path:
        return self.output_dir / "undercloud-passwords.yaml"

    @property
    def state(self) -> StateDir:
        """Every file and directory in ``state_dir``, by name."""
        return StateDir(self.state_dir)


@dataclass(frozen=True)
class Translated:
    settings: Settings
    parameters: dict[str, object]
    sources: dict[str, str]  # parameter -> "undercloud.conf:LINE option" | "default ..." | "computed ..."
    disabled_services: tuple[str, ...] = ()   # switched off by enable_* = false
    requested_services: tuple[str, ...] = ()  # switched on explicitly by enable_* = true
    warnings: tuple[str, ...] = ()            # loader + translation warnings, for the CLI
    secret_parameters: frozenset[str] = SECRET_PARAMETERS


@dataclass(frozen=True)
class Subnet:
    name: str
    cidr: IPNetwork
    gateway: IPAddress
    dhcp_start: IPAddress
    dhcp_end: IPAddress
    inspection_start: IPAddress
    inspection_end: IPAddress
    inspection_iprange: str
    masquerade: bool
    dhcp_exclude: tuple[tuple[IPAddress, IPAddress], ...]
    host_routes: tuple[dict, ...]


class Problems(list):
    """Collects one-line problems; ``raise_if_any`` makes one ConfigError of all of them."""

    def raise_if_any(self) -> None:
        if self:
            more = f" (and {len(self) - 1} more problem{'s' if len(self) > 2 else ''} below)" \
                if len(self) > 1 else ""
            raise ConfigError(self[0] + more, detail="\n".join(self[1:]))


def label(group: str, name: str) -> str:
    return name if group == "DEFAULT" else f"[{group}] {name}"


def where(uc: UndercloudConf, group: str, name: str, value: Any = None) -> str:
    """'file:line: [group] name = value' for messages; for an option the file does not
    set, 'file: [group] name = value (the default; set name in [group])', so a message
    never reads as if the file had written the default."""
    v = uc.get(name, group) if value is None else value
    if isinstance(v, bool):
        v = str(v).lower()
    if isinstance(v, list):
        v = ",".join(str(x) for x in v)
    unset = "" if uc.path is None or uc.is_set(group, name) else \
        f" (the default; set {name} in [{group}])"
    return f"{uc.line_of(group, name)}: {label(group, name)} = {v}{unset}"


def _ip(raw: str) -> IPAddress:
    return ipaddress.ip_address(raw.strip())


def vip_address(uc: UndercloudConf, opt: str, facts: ConfigFacts) -> str:
    """An IP as written, or a DNS name resolved to exactly one address (as tripleoclient)."""
    raw = uc.get(opt).strip()
    try:
        return str(_ip(raw))
    except ValueError:
        pass
    found = {a for a in facts.addresses(raw) if not ipaddress.ip_address(a).is_loopback}
    if len(found) != 1:
        raise ConfigError(f"{uc.line_of('DEFAULT', opt)}: {opt} = {raw}: with TLS this is a "
                          f"VIP; a DNS name must resolve to exactly one non-loopback address "
                          f"(got {', '.join(sorted(found)) or 'none'}); give an IP address or "
                          f"fix the name in DNS or /etc/hosts")
    return found.pop()


def local_ip(uc: UndercloudConf, problems: Problems) -> IPInterface | None:
    raw = uc.get("local_ip")
    w = uc.line_of("DEFAULT", "local_ip")
    if "/" not in raw:
        problems.append(f"{w}: local_ip = {raw}: needs a prefix length (e.g. {raw}/24); "
                        f"add the network prefix")
        return None
    try:
        iface = ipaddress.ip_interface(raw)
    except ValueError:
        problems.append(f"{w}: local_ip = {raw}: not an IP address with prefix; "
                        f"use e.g. 192.168.24.1/24")
        return None
    if iface.network.prefixlen >= iface.max_prefixlen:
        problems.append(f"{w}: local_ip = {raw}: a /{iface.network.prefixlen} has no room "
                        f"for nodes; use the provisioning network's prefix, e.g. /24")
        return None
    return iface


def subnets(uc: UndercloudConf, problems: Problems) -> list[Subnet]:
    """Parse every subnet section; a value that is not an address is a problem."""
    out = []
    for name in uc.subnets:
        bad = len(problems)

        def addr(key):
            raw = uc.get(key, name)
            try:
                return _ip(raw)
            except ValueError:
                several = ("several ranges (Stein's list form) are not supported; "
                           if "," in raw else "")
                problems.append(f"{where(uc, name, key)}: not an IP address; {several}"
                                f"write one address, e.g. 192.168.24.5")

        try:
            cidr = ipaddress.ip_network(uc.get("cidr", name).strip(), strict=True)
        except ValueError as exc:
            hint = ("host bits are set; use the network address"
                    if "host bits" in str(exc) else "use a network like 192.168.24.0/24")
            problems.append(f"{where(uc, name, 'cidr')}: not a network in CIDR notation; {hint}")
            cidr = None
        gateway, start, end = addr("gateway"), addr("dhcp_start"), addr("dhcp_end")
        rng = uc.get("inspection_iprange", name)
        parts = [x.strip() for x in rng.split(",")]
        ins: tuple[IPAddress | None, IPAddress | None] = (None, None)
        try:
            if len(parts) != 2:
                raise ValueError
            ins = (_ip(parts[0]), _ip(parts[1]))
        except ValueError:
            problems.append(f"{where(uc, name, 'inspection_iprange')}: must be two addresses "
                            f"'start,end', e.g. 192.168.24.100,192.168.24.120")
        excludes = []
        for item in uc.get("dhcp_exclude", name):
            try:
                a, _, b = item.partition("-")
                excludes.append((_ip(a), _ip(b or a)))
            except ValueError:
                problems.append(f"{where(uc, name, 'dhcp_exclude')}: '{item}' is not an address "
                                f"or an a-b range; e.g. 192.168.24.50 or "
                                f"192.168.24.80-192.168.24.90")
        routes = []
        for route in uc.get("host_routes", name):
            try:
                ipaddress.ip_network(route["destination"])
                _ip(route["nexthop"])
                routes.append({"destination": route["destination"], "nexthop": route["nexthop"]})
            except (KeyError, ValueError):
                problems.append(f"{uc.line_of(name, 'host_routes')}: [{name}] host_routes: "
                                f"{route} needs destination (a CIDR) and nexthop (an address), "
                                f"e.g. {{destination: 10.10.10.0/24, nexthop: 192.168.24.1}}")
        ins_start, ins_end = ins
        # each value left None added a problem
        if len(problems) == bad and cidr is not None and ins_start is not None \
                and ins_end is not None:
            out.append(Subnet(name, cidr, gateway, start, end, ins_start, ins_end, rng,
                              uc.get("masquerade", name), tuple(excludes), tuple(routes)))
    return out


def _path(uc: UndercloudConf, name: str, problems: Problems, facts: ConfigFacts,
          group: str = "undercroft") -> Path:
    value = uc.get(name, group)
    p = Path(facts.expanduser(value))
    if not p.is_absolute():
        problems.append(f"{uc.line_of(group, name)}: {name} = {value}: must be an absolute path")
    return p


def _relative_to_conf(uc: UndercloudConf, value: str, facts: ConfigFacts) -> Path:
    p = Path(facts.expanduser(value))
    base = uc.path.parent if uc.path else facts.cwd()
    return p if p.is_absolute() else base / p


def _env_files(uc: UndercloudConf, problems: Problems, facts: ConfigFacts) -> list[Path]:
    out = []
    for item in uc.get("custom_env_files"):
        p = _relative_to_conf(uc, item, facts)
        if not facts.is_file(p):
            problems.append(f"{uc.line_of('DEFAULT', 'custom_env_files')}: custom_env_files: "
                            f"{item} not found (looked at {p}); fix the path or remove it")
        out.append(p)
    return out


def _hieradata(uc: UndercloudConf, problems: Problems, warnings: list[str],
               facts: ConfigFacts) -> list[Path]:
    """hieradata_override: a heat environment becomes an env file; hieradata is ignored.

    Relative paths are under $HOME, as in tripleoclient.
    """
    value = uc.get("hieradata_override")
    if not value:
        return []
    p = Path(facts.expanduser(value))
    p = p if p.is_absolute() else Path(facts.expanduser("~")) / p
    w = uc.line_of("DEFAULT", "hieradata_override")
    if not facts.is_file(p):
        problems.append(f"{w}: hieradata_override = {value}: not found (looked at {p}; "
                        f"relative paths are under $HOME); fix the path or unset it")
        return []
    try:
        data = yaml.safe_load(facts.read_text(p))
    except yaml.YAMLError as exc:
        problems.append(f"{w}: hieradata_override = {value}: not valid YAML "
                        f"({exc.__class__.__name__}); fix the file")
        return []
    if isinstance(data, dict) and ("parameter_defaults" in data or "resource_registry" in data
                                   or "parameters" in data):
        return [p]
    keys = ", ".join(list(data)[:3]) if isinstance(data, dict) else "?"
    warnings.append(f"{w}: hieradata_override = {value} holds hieradata ({keys}, ...), which "
                    f"has no effect: there is no puppet. Put the equivalent parameters under "
                    f"parameter_defaults: in an environment file (custom_env_files)")
    return []


def _roles_file(uc: UndercloudConf, problems: Problems, facts: ConfigFacts) -> str:
    """A bundled role name, or a path resolved like custom_env_files (relative to the conf)."""
    value = uc.get("roles_file")
    if not value:
        return "Undercloud"
    if is_role_name(value):
        return value
    p = _relative_to_conf(uc, value, facts)
    if not facts.is_file(p):
        problems.append(f"{uc.line_of('DEFAULT', 'roles_file')}: roles_file: {value} not found "
                        f"(looked at {p}); fix the path or unset it")
    return str(p)


def _pem(uc: UndercloudConf, problems: Problems, facts: ConfigFacts) -> tuple[str, str] | None:
    value = uc.get("undercloud_service_certificate")
    w = uc.line_of("DEFAULT", "undercloud_service_certificate")
    p = _relative_to_conf(uc, value, facts)
    if not facts.is_file(p):
        problems.append(f"{w}: undercloud_service_certificate = {value}: not found (looked at "
                        f"{p}); give the PEM file with the certificate and its key")
        return None
    text = facts.read_text(p, errors="replace")
    certs = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", text, re.S)
    keys = re.findall(r"-----BEGIN ((?:RSA |EC )?PRIVATE KEY)-----.*?-----END \1-----", text, re.S)
    key_blocks = re.findall(r"-----BEGIN (?:RSA |EC )?PRIVATE KEY-----.*?"
                            r"-----END (?:RSA |EC )?PRIVATE KEY-----", text, re.S)
    if not certs or not keys:
        missing = "certificate" if not certs else "unencrypted private key"
        problems.append(f"{w}: undercloud_service_certificate = {value}: no {missing} in the "
                        f"file; it must hold the certificate and its unencrypted key (PEM)")
        return None
    return "\n".join(certs) + "\n", key_blocks[0] + "\n"


# Ironic's hardware types (its ironic.hardware.types entry points, Zed to Epoxy) and the
# ironic-staging-drivers ones tripleoclient knows.
HARDWARE_TYPES = ("fake-hardware", "ibmc", "idrac", "ilo", "ilo5", "intel-ipmi", "ipmi", "irmc",
                  "manual-management", "redfish", "snmp", "xclarity", "staging-amt",
                  "staging-iboot", "staging-libvirt", "staging-ovirt", "staging-wol")
_STAGING = ("an ironic-staging-drivers type; the ironic image does not carry "
            "ironic-staging-drivers, and ironic-conductor would not start")
# Types with which ironic-conductor would not start, on every release (checked against the
# ironic images; REMOVED_HARDWARE_TYPES gives a release's own reason): why, and what to use
# instead.
UNSERVED_HARDWARE_TYPES = {
    "ibmc": "ironic-conductor would not start: tripleoclient's rules enable no ibmc "
            "interfaces, and the ironic image lacks python-ibmcclient",
    "ilo5": "ironic-conductor would not start: tripleoclient's rules enable no ilo5 "
            "management interface; use 'ilo', which manages iLO 5 too",
    "intel-ipmi": "ironic-conductor would not start: tripleoclient's rules enable no "
                  "intel-ipmitool management interface; use 'ipmi'",
    **{t: _STAGING for t in HARDWARE_TYPES if t.startswith("staging-")},
    # in tripleoclient Rocky's rules, no longer in ironic
    **{t: "ironic no longer has the Cisco UCS hardware types; use 'ipmi' or 'redfish'"
       for t in ("cisco-ucs-managed", "cisco-ucs-standalone")},
}
# Release -> the types its ironic no longer has, beyond UNSERVED_HARDWARE_TYPES: why, and
# what to do. ironic 26.0 (2024.2) removed xclarity and ibmc (config/hardware.py leaves
# their interfaces out of ironic.conf on these releases).
REMOVED_HARDWARE_TYPES: dict[str, dict[str, str]] = {
    "epoxy": {
        "xclarity": "ironic 29 (release = epoxy) has no xclarity hardware type (ironic 26.0, "
                    "2024.2, removed it); use 'redfish', which the Lenovo XClarity "
                    "Controller speaks, or keep release = zed",
        "ibmc": "ironic 29 (release = epoxy) has no ibmc hardware type (ironic 26.0, 2024.2, "
                "removed it); use 'redfish', which the Huawei iBMC speaks (release = zed "
                "refuses ibmc too: its image lacks python-ibmcclient)",
    },
}
# The types usable on the default release (Zed); usable_hardware_types(release) for another.
USABLE_HARDWARE_TYPES = tuple(t for t in HARDWARE_TYPES if t not in UNSERVED_HARDWARE_TYPES)


def unserved_hardware_types(release: str) -> dict[str, str]:
    """The types ironic-conductor would not start with on ``release``, and why."""
    return {**UNSERVED_HARDWARE_TYPES, **REMOVED_HARDWARE_TYPES.get(release, {})}


def usable_hardware_types(release: str) -> tuple[str, ...]:
    unserved = unserved_hardware_types(release)
    return tuple(t for t in HARDWARE_TYPES if t not in unserved)


def check_hardware_types(uc: UndercloudConf, problems: Problems,
                         release: str = releases.DEFAULT) -> None:
    """Every hardware type a name ironic knows, with which it starts on ``release``; a
    retired classic driver name gets its replacement (ironic would only fail when it
    starts)."""
    from undercroft.config.migrate import DRIVER_TYPES

    usable, unserved = usable_hardware_types(release), unserved_hardware_types(release)
    chosen = [("enabled_hardware_types", t) for t in uc.get("enabled_hardware_types")]
    if uc.get("enable_node_discovery"):
        chosen.append(("discovery_default_driver", uc.get("discovery_default_driver")))
    for option, value in chosen:
        if value in usable:
            continue
        where = uc.line_of("DEFAULT", option)
        if value in unserved:
            problems.append(f"{where}: {option}: '{value}': {unserved[value]}")
        elif value in DRIVER_TYPES:
            new = DRIVER_TYPES[value]
            problems.append(f"{where}: {option}: '{value}' is a classic driver ironic no longer "
                            f"has; " + (f"use the hardware type '{new}'" if new else
                                        "it has no replacement; remove it"))
        else:
            hint = difflib.get_close_matches(value, usable, n=1)
            problems.append(f"{where}: {option}: unknown hardware type '{value}'"
                            + (f"; did you mean '{hint[0]}'?" if hint else "")
                            + f" (known: {', '.join(usable)})")


def hardware(uc: UndercloudConf) -> dict[str, list[str]]:
    """Ironic's hardware types and interface lists: tripleoclient's rules
    (``undercroft.config.hardware.parameters``), whether enabled_hardware_types is set or
    not; with node discovery, discovery_default_driver is enabled too."""
    discovery = uc.get("discovery_default_driver") if uc.get("enable_node_discovery") else None
    return ironic_hardware.parameters(uc.get("enabled_hardware_types"), discovery)


def _range_minus(start: int, end: int, holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    pools = [(start, end)]
    for a, b in holes:
        nxt = []
        for s, e in pools:
            if b < s or a > e:
                nxt.append((s, e))
                continue
            if s < a:
                nxt.append((s, a - 1))
            if b < e:
                nxt.append((b + 1, e))
        pools = nxt
    return pools


def allocation_pools(s: Subnet) -> list[dict[str, str]]:
    """dhcp_start..dhcp_end minus dhcp_exclude (Stein's AllocationPools). A range that
    covers the network or broadcast address, the gateway, local_ip or a VIP is refused by
    the preflight (validations.check_config), never trimmed here."""
    holes = [(int(a), int(b)) for a, b in s.dhcp_exclude]
    cls = type(s.dhcp_start)
    return [{"start": str(cls(a)), "end": str(cls(b))}
            for a, b in _range_minus(int(s.dhcp_start), int(s.dhcp_end), holes)]


def tls_mode(uc: UndercloudConf) -> str:
    if uc.get("undercloud_service_certificate"):
        return "certificate"
    return "certmonger" if uc.get("generate_service_certificate") else "off"


def _release(uc: UndercloudConf, facts: ConfigFacts) -> str:
    """[undercroft] release; unset on a baremetal undercloud: the host's own (its packages)."""
    if uc.get("baremetal", "undercroft") and not uc.is_set("undercroft", "release"):
        return releases.release_of_suite(facts.debian_suite()) or uc.get("release", "undercroft")
    return uc.get("release", "undercroft")


def translate(uc: UndercloudConf, facts: ConfigFacts | None = None) -> Translated:
    """Settings and parameters for ``uc``. ``facts`` answers every question about the host
    (None: this host); translate reads nothing else, so a test can pass fixed answers."""
    facts = ThisHost() if facts is None else facts
    warnings: list[str] = list(uc.warnings)
    ctx = _check(uc, facts, warnings)
    for rule in RULES:
        rule(ctx)
    disabled, requested = _services(uc, warnings)
    return Translated(ctx.settings, ctx.parameters, ctx.sources, disabled, requested,
                      tuple(warnings))


@dataclass
class _Context:
    """What the rules read (the file, the host's answers, the checked values) and fill in."""

    uc: UndercloudConf
    facts: ConfigFacts
    iface: IPInterface
    subnets: list[Subnet]
    settings: Settings
    pem: tuple[str, str] | None  # (certificate chain, key) of undercloud_service_certificate
    parameters: dict[str, object] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def src(self, *opts: str) -> str:
        """Where [DEFAULT] options' values came from: their lines, or their defaults."""
        set_ = [f"{self.uc.line_of('DEFAULT', o)} {o}" for o in opts
                if self.uc.is_set("DEFAULT", o)]
        return ", ".join(set_) if set_ else "default (" + ", ".join(opts) + ")"

    def put(self, name: str, value: object, source: str) -> None:
        self.parameters[name] = value
        self.sources[name] = source

    def computed(self, name: str, value: object, *opts: str) -> None:
        self.put(name, value, f"computed from {self.src(*opts)}")


def _check(uc: UndercloudConf, facts: ConfigFacts, warnings: list[str]) -> _Context:
    """Every option the rules need, checked; all problems raised together, so an operator
    fixes the file in one pass."""
    problems = Problems()
    iface = local_ip(uc, problems)
    subs = subnets(uc, problems)
    ns = uc.get("network_namespace", "undercroft")
    if ns and (len(ns) > 15 or not ns.replace("-", "").replace("_", "").isalnum()):
        problems.append(f"{uc.line_of('undercroft', 'network_namespace')}: network_namespace = "
                        f"{ns}: use up to 15 letters, digits, - or _")
    paths = {n: _path(uc, n, problems, facts, g) for n, g in (
        ("output_dir", "DEFAULT"), ("state_dir", "undercroft"), ("log_dir", "undercroft"),
        ("data_root", "undercroft"))}
    env_files = _hieradata(uc, problems, warnings, facts) + _env_files(uc, problems, facts)
    roles_file = _roles_file(uc, problems, facts)
    pem = _pem(uc, problems, facts) if tls_mode(uc) == "certificate" else None
    release = _release(uc, facts)
    check_hardware_types(uc, problems, release)
    problems.raise_if_any()
    assert iface is not None  # local_ip() added a problem otherwise

    settings = Settings(
        output_dir=paths["output_dir"], state_dir=paths["state_dir"], log_dir=paths["log_dir"],
        data_root=paths["data_root"], network_namespace=ns,
        deployment_name=uc.get("deployment_name", "undercroft"),
        roles_file=roles_file, debian_mirror=uc.get("debian_mirror", "undercroft"),
        env_files=tuple(env_files), local_ip=str(iface.ip),
        local_prefix=iface.network.prefixlen, local_interface=uc.get("local_interface"),
        baremetal=bool(uc.get("baremetal", "undercroft")), role=uc.get("role", "undercroft"),
        release=release,
    )
    return _Context(uc, facts, iface, subs, settings, pem)


# --- the rules: each adds a few parameters, in RULES' order ----------------------------------
def _local_ip(c: _Context) -> None:
    c.put("LocalIp", str(c.iface.ip), c.src("local_ip"))
    c.put("ControlPlaneCidr", str(c.iface.network), c.src("local_ip"))
    c.put("ControlPlanePrefix", c.iface.network.prefixlen, c.src("local_ip"))


def _hostname(c: _Context) -> None:
    given = c.uc.get("undercloud_hostname")
    c.put("UndercloudHostname", given or c.facts.fqdn(),
          c.src("undercloud_hostname") if given else "computed (host FQDN)")


def _mapped(c: _Context) -> None:
    """tripleoclient's PARAMETER_MAPPING: values copied as oslo.config typed them."""
    for opt, param in PARAMETER_MAPPING.items():
        c.put(param, c.uc.get(opt), c.src(opt))
    for opt, names in MULTI_PARAMETER_MAPPING.items():
        for param in names:
            c.put(param, c.uc.get(opt), c.src(opt))


def _service_workers(c: _Context) -> None:
    n = c.uc.get("service_workers", "undercroft")
    c.put("ServiceWorkers", n if n > 0 else max(1, min(4, (c.facts.cpu_count() or 1) // 2)),
          "computed (half the CPUs, 1 to 4)" if n == 0
          else f"{c.uc.line_of('undercroft', 'service_workers')} service_workers")


def _undercroft_settings(c: _Context) -> None:
    uc, s = c.uc, c.settings
    c.put("DataRoot", str(s.data_root), "[undercroft] data_root")
    c.put("LogDir", str(s.log_dir), "[undercroft] log_dir")
    c.put("OpenStackRelease", s.release, f"{uc.line_of('undercroft', 'release')} release"
          if uc.is_set("undercroft", "release") else "computed (this host's Debian release)"
          if s.baremetal else "default ([undercroft] release)")


def _subnet_parameters(c: _Context) -> None:
    uc, subs = c.uc, c.subnets
    local = next(s for s in subs if s.name == uc.local_subnet)
    masq_cidr = uc.get("masquerade_network")
    ctl: dict[str, dict[str, object]] = {}
    inspector: list[dict[str, object]] = []
    routes: list[dict[str, str]] = []
    masq: dict[str, list[str]] = {}
    for s in subs:
        # tripleoclient Rocky's keys; Stein's AllocationPools and HostRoutes only when the
        # Stein options dhcp_exclude and host_routes are set (see config/differences.py)
        ctl[s.name] = {"NetworkCidr": str(s.cidr), "NetworkGateway": str(s.gateway),
                       "DhcpRangeStart": str(s.dhcp_start), "DhcpRangeEnd": str(s.dhcp_end)}
        if s.dhcp_exclude:
            ctl[s.name]["AllocationPools"] = allocation_pools(s)
        if s.host_routes:
            ctl[s.name]["HostRoutes"] = list(s.host_routes)
        item: dict[str, object] = {
            "tag": s.name, "ip_range": s.inspection_iprange, "netmask": str(s.cidr.netmask),
            "gateway": str(s.gateway), "mtu": uc.get("local_mtu")}
        if s.host_routes:
            item["host_routes"] = list(s.host_routes)
        inspector.append(item)
        if s.name != local.name:
            routes.append({"ip_netmask": str(s.cidr), "next_hop": str(local.gateway)})
    routes += [{"ip_netmask": r["destination"], "next_hop": r["nexthop"]}
               for r in local.host_routes]
    all_cidrs = [str(s.cidr) for s in subs]
    for s in subs:
        if s.masquerade or (masq_cidr and _same_network(masq_cidr, s.cidr)):
            masq[str(s.cidr)] = all_cidrs
    subnet_src = "computed from subnets and their sections" if uc.is_set("DEFAULT", "subnets") \
        else f"computed from [{local.name}]"
    c.put("UndercloudCtlplaneSubnets", ctl, subnet_src)
    c.put("IronicInspectorSubnets", inspector, subnet_src + ", local_mtu")
    c.put("ControlPlaneStaticRoutes", routes, subnet_src)
    c.put("MasqueradeNetworks", masq, subnet_src + (", masquerade_network" if masq_cidr else ""))


def _home_dir(c: _Context) -> None:
    # tripleoclient's own: the home directory (its stackrc goes there; Undercroft's goes to
    # output_dir, whose default is the same directory)
    c.put("UndercloudHomeDir", c.facts.home(), "computed ($HOME)")


def _name_and_time_servers(c: _Context) -> None:
    uc = c.uc
    c.computed("DnsServers", ",".join(uc.get("undercloud_nameservers")), "undercloud_nameservers")
    if uc.get("undercloud_ntp_servers"):
        c.put("NtpServer", list(uc.get("undercloud_ntp_servers")), c.src("undercloud_ntp_servers"))
    if uc.get("overcloud_domain_name"):
        c.put("NeutronDnsDomain", uc.get("overcloud_domain_name"), c.src("overcloud_domain_name"))


def _selinux(c: _Context) -> None:
    c.put("SELinuxMode", "enforcing" if c.uc.get("undercloud_enable_selinux") else "permissive",
          f"computed from {c.src('undercloud_enable_selinux')}")


def _deployment_user(c: _Context) -> None:
    given = c.uc.get("deployment_user")
    c.put("DeploymentUser", given or c.facts.user(),
          c.src("deployment_user") if given else "computed (invoking user)")


def _registry(c: _Context) -> None:
    """tripleoclient's container registry parameters, from the text of local_ip and
    undercloud_admin_host as written (no service reads them: images are built here)."""
    uc = c.uc
    registry_ip = uc.get("local_ip").split("/")[0]
    c.computed("DockerInsecureRegistryAddress",
               [f"{registry_ip}:8787", f"{uc.get('undercloud_admin_host')}:8787",
                *uc.get("docker_insecure_registries")],
               "local_ip", "undercloud_admin_host", "docker_insecure_registries")
    c.computed("LocalContainerRegistry", registry_ip, "local_ip")
    if uc.get("docker_registry_mirror"):
        c.put("DockerRegistryMirror", uc.get("docker_registry_mirror"),
              c.src("docker_registry_mirror"))


def _validations(c: _Context) -> None:
    uc = c.uc
    if uc.get("enable_validations"):
        c.put("EnableValidations", True, c.src("enable_validations"))
        # tripleoclient's constant is the file it reads (~/undercloud.conf); the file used
        # here, absolute, wherever --config pointed
        used = c.facts.resolve(uc.path) if uc.path else \
            Path(c.facts.expanduser("~/undercloud.conf"))
        c.computed("UndercloudConfigFilePath", str(used), "enable_validations")


def _architectures(c: _Context) -> None:
    archs = c.uc.get("additional_architectures")
    for arch in archs:
        c.put(f"EnableArchitecture{arch.upper()}", True, c.src("additional_architectures"))
    if archs:
        c.computed("AdditionalArchitectures", ",".join(archs), "additional_architectures")


def _optional_services(c: _Context) -> None:
    """Parameters only an enabled option brings (novajoin, swift encryption, time zone)."""
    uc = c.uc
    if uc.get("enable_novajoin"):
        c.put("NovajoinIpaOtp", uc.get("ipa_otp"), c.src("ipa_otp"))
    if uc.get("enable_swift_encryption"):
        c.put("SwiftEncryptionEnabled", True, c.src("enable_swift_encryption"))
        c.put("BarbicanSimpleCryptoGlobalDefault", True, c.src("enable_swift_encryption"))
    if uc.get("undercloud_timezone"):
        c.put("TimeZone", uc.get("undercloud_timezone"), c.src("undercloud_timezone"))


def _ironic(c: _Context) -> None:
    uc = c.uc
    if not uc.get("enable_ironic"):
        return
    # As tripleoclient: set or not, enabled_hardware_types gives the types and the
    # interface lists (ironic.conf adapts the lists to the images' ironic: see
    # undercroft.config.hardware)
    drivers = ["enabled_hardware_types"]
    if uc.get("enable_node_discovery"):
        drivers += ["enable_node_discovery", "discovery_default_driver"]
    for name, value in hardware(uc).items():
        c.computed(name, value, *drivers)
    if uc.get("enable_node_discovery"):
        c.put("IronicInspectorEnableNodeDiscovery", True, c.src("enable_node_discovery"))
        c.put("IronicInspectorDiscoveryDefaultDriver", uc.get("discovery_default_driver"),
              c.src("discovery_default_driver"))
    args = []
    if uc.get("undercloud_debug"):
        args.append("ipa-debug=1")
    if uc.get("inspection_runbench"):
        args.append("ipa-inspection-benchmarks=cpu,mem,disk")
    if uc.get("inspection_extras"):
        args += ["ipa-inspection-dhcp-all-interfaces=1", "ipa-collect-lldp=1"]
    c.computed("IronicInspectorKernelArgs", " ".join(args), "undercloud_debug",
               "inspection_runbench", "inspection_extras")
    c.computed("IronicInspectorCollectors",
               "default,extra-hardware,numa-topology,logs" if uc.get("inspection_extras")
               else "default,logs", "inspection_extras")


def _public_tls(c: _Context) -> None:
    """The VIPs on br-ctlplane that haproxy listens on, when public TLS is on."""
    uc, iface = c.uc, c.iface
    mode = tls_mode(uc)
    c.computed("PublicTLSMode", mode, "undercloud_service_certificate",
               "generate_service_certificate")
    if mode == "off":
        return
    vips = {}
    for opt, param in (("undercloud_public_host", "PublicVirtualFixedIPs"),
                       ("undercloud_admin_host", "ControlFixedIPs")):
        vips[opt] = vip_address(uc, opt, c.facts)
        if ipaddress.ip_address(vips[opt]).version != iface.ip.version:
            # tripleoclient picks the VIP of local_ip's IP version and fails without one
            fix = "set it to an address" if uc.is_set("DEFAULT", opt) else \
                "set it (the default is IPv4) to an address"
            raise ConfigError(f"{uc.line_of('DEFAULT', opt)}: {opt} = {vips[opt]} is IPv"
                              f"{ipaddress.ip_address(vips[opt]).version} but local_ip "
                              f"({iface.ip}) is IPv{iface.ip.version}; {fix} of "
                              f"local_ip's network")
        how = c.src(opt) if vips[opt] == uc.get(opt).strip() else f"resolved from {c.src(opt)}"
        c.put(param, [{"ip_address": vips[opt]}], how)
        if opt == "undercloud_public_host" and vips[opt] != uc.get(opt).strip():
            # as tripleoclient: the name of the public VIP goes to /etc/hosts
            c.put("ExtraHostFileEntries", f"{vips[opt]} {uc.get(opt)}",
                  f"computed from {c.src(opt)} (a name, resolved)")
    if len({str(iface.ip), *vips.values()}) < 3:
        raise ConfigError(f"{uc.line_of('DEFAULT', 'undercloud_public_host')}: with TLS, "
                          f"local_ip ({iface.ip}), undercloud_admin_host "
                          f"({vips['undercloud_admin_host']}) and undercloud_public_host "
                          f"({vips['undercloud_public_host']}) must be three different "
                          f"addresses: haproxy listens on the two VIPs with the ports the "
                          f"services use on local_ip")
    c.put("PublicVirtualInterface", "br-ctlplane", "computed (TLS)")
    c.put("ControlVirtualInterface", "br-ctlplane", "computed (TLS)")


def _given_certificate(c: _Context) -> None:
    if c.pem:
        c.put("SSLCertificate", c.pem[0], c.src("undercloud_service_certificate"))
        c.put("SSLKey", c.pem[1], c.src("undercloud_service_certificate"))
        c.put("InternalTLSCAFile", "", "computed (TLS with a given certificate)")


Rule = Callable[[_Context], None]
# Applied in this order, which is the parameters' order (config show sorts them anyway).
RULES: tuple[Rule, ...] = (
    _local_ip, _hostname, _mapped, _service_workers, _undercroft_settings, _subnet_parameters,
    _home_dir, _name_and_time_servers, _selinux, _deployment_user, _registry, _validations,
    _architectures, _optional_services, _ironic, _public_tls, _given_certificate,
)


def _services(uc: UndercloudConf, warnings: list[str]) -> tuple[tuple[str, ...],
                                                                 tuple[str, ...]]:
    """(disabled, requested): the services enable_* = false switch off, and those an
    enable_* = true asks for by name (warned about when the role has no template)."""
    disabled: list[str] = []
    requested: list[str] = []
    for opt, switched in SERVICE_TOGGLES.items():
        on = uc.get(opt)
        if not on:
            disabled += [n for n in switched if n not in disabled]
        elif uc.is_set("DEFAULT", opt):
            requested += [n for n in switched if n not in requested]
    if tls_mode(uc) == "off":
        # Like tripleoclient: haproxy and keepalived only come with public TLS; without
        # it every endpoint is http://local_ip:port.
        disabled += ["haproxy", "keepalived"]
    if not uc.get("enable_ironic"):
        requested = [n for n in requested if n not in ("ironic", "ironic_inspector")]
        if uc.is_set("DEFAULT", "enable_ironic_inspector") and uc.get("enable_ironic_inspector"):
            warnings.append(f"{uc.line_of('DEFAULT', 'enable_ironic_inspector')}: "
                            f"enable_ironic_inspector = true has no effect with enable_ironic "
                            f"= false; inspection needs ironic")
    if uc.get("inspection_runbench") and not uc.get("inspection_extras"):
        warnings.append(f"{uc.line_of('DEFAULT', 'inspection_runbench')}: inspection_runbench "
                        f"= true needs inspection_extras = true; the benchmarks' results are "
                        f"not collected")
    return tuple(disabled), tuple(requested)


def _same_network(raw: str, cidr: IPNetwork) -> bool:
    try:
        return ipaddress.ip_network(raw.strip(), strict=False) == cidr
    except ValueError:
        return False
