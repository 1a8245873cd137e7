"""Host preparation: the only code that changes the host outside podman.

It installs missing host packages, creates directories, and (in namespace placement)
the network namespace with a ``br-ctlplane`` bridge holding local_ip. Every change it
makes is reported; nothing global (/etc/containers, sysctl.conf) is written.
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

HOST_PACKAGES = {"podman": "podman", "runc": "runc", "debootstrap": "debootstrap",
                 "ip": "iproute2", "iptables": "iptables"}
BRIDGE = "br-ctlplane"


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


def ensure_dirs(dirs: Iterable[tuple[Path | str, str]], reporter: Reporter) -> None:
    for path, mode in dirs:
        p = Path(path)
        if not p.is_dir():
            p.mkdir(parents=True, exist_ok=True)
            os.chmod(p, int(mode, 8))
            reporter.event("host_dir_created", path=str(p))


def _ns(ns: str, *argv: str) -> list[str]:
    return ["ip", "netns", "exec", ns, *argv]


def namespace_exists(ns: str) -> bool:
    return Path("/run/netns", ns).exists()


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
    ensure_packages(reporter)
    base = [(settings.state_dir, "0700"), (settings.state_dir / "config", "0700"),
            (settings.log_dir, "0750"), (settings.log_dir / "containers", "0750"),
            (settings.output_dir, "0755")]
    ensure_dirs(base + [(Path(p), m) for p, m in dirs], reporter)
    if settings.network_namespace:
        changes = ensure_namespace(settings, reporter)
        where = f"namespace {settings.network_namespace}"
    else:
        changes = ensure_host_network(settings)
        where = "host network"
    for c in changes:
        reporter.event("host_changed", change=c)
        reporter.line("ok", "network", c)
    if not changes:
        reporter.line("keep", "network", f"{BRIDGE} with {settings.local_ip} ready ({where})")
