"""Host preparation: the only code that changes the host outside podman.

It installs missing host packages, creates directories, and (in namespace placement)
the network namespace with a ``br-ctlplane`` bridge holding local_ip. It makes
/run/netns a shared mount point, as ``ip netns add`` does. Every change it makes is
reported; nothing global (/etc/containers, sysctl.conf) is written.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable

from undercroft.config.translate import Settings
from undercroft.errors import DeployError
from undercroft.report import Reporter
from undercroft.state import StateDir

HOST_PACKAGES = {"podman": "podman", "runc": "runc", "debootstrap": "debootstrap",
                 "ip": "iproute2", "iptables": "iptables"}
BRIDGE = "br-ctlplane"
NETNS_DIR = "/run/netns"


def _run(argv: list[str], what: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise DeployError(f"host prep: {what} failed (exit {proc.returncode})",
                          detail=(proc.stderr or proc.stdout).strip()[-2000:])
    return proc


def ensure_packages(reporter: Reporter) -> None:
    missing = sorted({pkg for cmd, pkg in HOST_PACKAGES.items() if shutil.which(cmd) is None})
    if not missing:
        return
    if os.geteuid() != 0:
        raise DeployError(f"missing host packages: {', '.join(missing)}; run as root or install them")
    reporter.line("run", "packages", f"installing {' '.join(missing)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
    proc = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise DeployError(f"host prep: apt-get install {' '.join(missing)} failed",
                          detail=proc.stdout[-1500:] + proc.stderr[-1500:])
    reporter.line("ok", "packages", f"installed {' '.join(missing)}")


def ensure_dirs(dirs: Iterable[tuple[Path | str, str]], reporter: Reporter) -> list[Path]:
    created = []
    for path, mode in dirs:
        p = Path(path)
        if not p.is_dir():
            p.mkdir(parents=True, exist_ok=True)
            os.chmod(p, int(mode, 8))
            reporter.event("host_dir_created", path=str(p))
            created.append(p)
    return created


def record_created(state: StateDir, created: Iterable[Path]) -> None:
    """Remember what host prep made, so ``destroy --purge-data`` removes only that."""
    paths = [str(p) for p in created]
    if paths:
        with open(state.created_dirs, "a") as f:
            f.write("".join(f"{p}\n" for p in paths))


def created_dirs(state: StateDir) -> list[Path]:
    try:
        lines = state.created_dirs.read_text().splitlines()
    except OSError:
        return []
    return [Path(p) for p in dict.fromkeys(lines) if p.strip()]


def _ns(ns: str, *argv: str) -> list[str]:
    return ["ip", "netns", "exec", ns, *argv]


def namespace_exists(ns: str) -> bool:
    return Path(NETNS_DIR, ns).exists()


def ensure_namespace(settings: Settings, reporter: Reporter) -> list[str]:
    """Create the namespace, lo and br-ctlplane with local_ip; return what changed."""
    ns = settings.network_namespace
    changes = []
    if not namespace_exists(ns):
        _run(["ip", "netns", "add", ns], f"creating network namespace {ns}")
        changes.append(f"created network namespace {ns}")
    _run(_ns(ns, "ip", "link", "set", "lo", "up"), "bringing up lo")
    links = _run(_ns(ns, "ip", "-o", "link", "show"), "listing links").stdout
    if f" {BRIDGE}:" not in links and f" {BRIDGE}@" not in links:
        _run(_ns(ns, "ip", "link", "add", BRIDGE, "type", "bridge"), f"creating {BRIDGE}")
        changes.append(f"created bridge {BRIDGE} in {ns}")
    _run(_ns(ns, "ip", "link", "set", BRIDGE, "up"), f"bringing up {BRIDGE}")
    cidr = f"{settings.local_ip}/{settings.local_prefix}"
    addrs = _run(_ns(ns, "ip", "-o", "addr", "show", "dev", BRIDGE), "listing addresses").stdout
    if f" {cidr} " not in addrs:
        _run(_ns(ns, "ip", "addr", "add", cidr, "dev", BRIDGE), f"adding {cidr} to {BRIDGE}")
        changes.append(f"added {cidr} to {BRIDGE} in {ns}")
    return changes


def netns_dir_is_shared(mountinfo: str) -> bool:
    """/run/netns is a mount point with shared propagation (the last mount on it wins)."""
    shared = False
    for line in mountinfo.splitlines():
        fields = line.split(" - ")[0].split()
        if len(fields) > 4 and fields[4] == NETNS_DIR:
            shared = any(f.startswith("shared:") for f in fields[6:])
    return shared


def ensure_netns_dir() -> list[str]:
    """Make /run/netns a shared mount point, as ``ip netns add`` does on first use.

    neutron_dhcp bind-mounts it with shared propagation: the qdhcp-* namespaces its
    agent makes then appear on the host (and survive the container, so a new agent
    reuses them). On a plain directory they would stay inside the container and leave
    empty files behind."""
    if netns_dir_is_shared(Path("/proc/self/mountinfo").read_text()):
        return []
    Path(NETNS_DIR).mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "--make-shared", NETNS_DIR], capture_output=True).returncode:
        _run(["mount", "--bind", NETNS_DIR, NETNS_DIR], f"bind-mounting {NETNS_DIR}")
        _run(["mount", "--make-shared", NETNS_DIR], f"making {NETNS_DIR} a shared mount")
    return [f"made {NETNS_DIR} a shared mount point"]


def parse_veths(ip_link_output: str) -> dict[str, tuple[int, int]]:
    """Veth name -> (own ifindex, peer ifindex) from ``ip -o link show type veth``, which
    names a peer in another namespace as ``name@ifN``."""
    found = {}
    for line in ip_link_output.splitlines():
        index, dev = line.split(": ")[:2]
        if "@if" in dev:
            dev, peer = dev.split("@if", 1)
            found[dev] = (int(index), int(peer))
    return found


def _veths(netns: str | None) -> dict[str, tuple[int, int]]:
    where = ["-n", netns] if netns else []
    proc = subprocess.run(["ip", *where, "-o", "link", "show", "type", "veth"],
                          capture_output=True, text=True)
    return parse_veths(proc.stdout)


def dhcp_namespaces(netns: str | None) -> list[str]:
    """The qdhcp-* namespaces made by the DHCP agent of the deployment whose containers
    use ``netns`` (None: the host network).

    Every deployment's neutron_dhcp shares the host's /run/netns, so a name does not
    tell whose a namespace is. Ours hold ``ns-X``, whose veth peer ``tapX`` (same
    suffix, each end naming the other's ifindex) is in ``netns``. Deleting ``netns``
    first destroys that veth and leaves an empty namespace nobody can attribute, so
    find them before. An empty one is never claimed."""
    if netns and not namespace_exists(netns):
        return []
    taps = {dev[3:]: ids for dev, ids in _veths(netns).items() if dev.startswith("tap")}
    ours = []
    for path in sorted(Path(NETNS_DIR).glob("qdhcp-*")):
        for dev, (index, peer) in _veths(path.name).items():
            if dev.startswith("ns-") and taps.get(dev[3:]) == (peer, index):
                ours.append(path.name)
                break
    return ours


def ensure_host_network(settings: Settings) -> list[str]:
    """Host placement: local_ip must be on br-ctlplane (created like os-net-config would)."""
    cidr = f"{settings.local_ip}/{settings.local_prefix}"
    addrs = _run(["ip", "-o", "addr", "show"], "listing addresses").stdout
    if f" {cidr} " in addrs:
        return []
    changes = []
    links = _run(["ip", "-o", "link", "show"], "listing links").stdout
    if f" {BRIDGE}:" not in links:
        _run(["ip", "link", "add", BRIDGE, "type", "bridge"], f"creating {BRIDGE}")
        changes.append(f"created bridge {BRIDGE}")
        if f" {settings.local_interface}:" in links or f" {settings.local_interface}@" in links:
            _run(["ip", "link", "set", settings.local_interface, "master", BRIDGE],
                 f"adding {settings.local_interface} to {BRIDGE}")
            changes.append(f"added {settings.local_interface} to {BRIDGE}")
    _run(["ip", "link", "set", BRIDGE, "up"], f"bringing up {BRIDGE}")
    _run(["ip", "addr", "add", cidr, "dev", BRIDGE], f"adding {cidr} to {BRIDGE}")
    changes.append(f"added {cidr} to {BRIDGE}")
    return changes


def prepare(settings: Settings, dirs: Iterable[tuple[str, str]], reporter: Reporter) -> None:
    reporter.phase("Host preparation")
    if not settings.baremetal:  # the host runtime installs its own packages (hostpackages.py)
        ensure_packages(reporter)
    base = [(settings.state.root, "0700"), (settings.state.configs, "0700"),
            (settings.log_dir, "0750"), (settings.log_dir / "containers", "0750"),
            (settings.output_dir, "0755")]
    record_created(settings.state, ensure_dirs(base + [(Path(p), m) for p, m in dirs], reporter))
    if settings.network_namespace:
        changes = ensure_namespace(settings, reporter)
        where = f"namespace {settings.network_namespace}"
    else:
        changes = ensure_host_network(settings)
        where = "host network"
    changes += ensure_netns_dir()
    for c in changes:
        reporter.event("host_changed", change=c)
        reporter.line("ok", "network", c)
    if not changes:
        reporter.line("keep", "network", f"{BRIDGE} with {settings.local_ip} ready ({where})")
