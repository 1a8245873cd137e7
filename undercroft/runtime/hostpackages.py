"""Baremetal host prep: the services' Debian packages and helper scripts on the host.

What gets installed is what the images would contain, plus supervisor to run the
long-running processes. images/recipe.py reads that from their Containerfiles and
lifecycle hands it in (``WhatToInstall``): runtime and images import neither each other.
Maintainer scripts must not start anything: like the image builds, the install runs the
base image's ``undercroft-apt-install`` (debconf answers: no database setup, no endpoint
registration) under a ``/usr/sbin/policy-rc.d`` that exits 101. That file is created
only if the host has none, and removed again afterwards; both are reported.
"""
from __future__ import annotations

import contextlib
import filecmp
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

from undercroft.errors import DeployError
from undercroft.model.loader import TEMPLATES
from undercroft.report import Reporter
from undercroft.runtime.systemd_units import UNIT_DIR, systemd_is_pid1
from undercroft.state import StateDir

# subprocess.run, or a test's stand-in (called with run's keyword arguments)
RunCmd = Callable[..., subprocess.CompletedProcess[Any]]
HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
APT_HELPER = TEMPLATES / "images" / "base" / "undercroft-apt-install"
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
HOST_ONLY = ["supervisor", "iproute2"]  # the process manager, and ip netns exec
# general-purpose tools an image installs that the host keeps using after an upgrade
KEEP_ON_CLEANUP = {"sudo", "iptables", "iproute2", "dnsmasq-base", "procps", "ca-certificates"}


class WhatToInstall(Protocol):
    """The packages and helper files to put on the host (``images.recipe.HostRecipe``)."""
    packages: list[str]
    files: list[tuple[Path, str]]  # (source, destination path)


def missing_packages(packages: list[str]) -> list[str]:
    proc = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\n", *packages],
                          capture_output=True, text=True)
    ok = {line.split()[0] for line in proc.stdout.splitlines() if line.endswith(" installed")}
    return [p for p in packages if p not in ok]


@contextlib.contextmanager
def no_service_starts(reporter: Reporter) -> Iterator[None]:
    """Maintainer scripts ask invoke-rc.d, which asks policy-rc.d: 101 = do not start."""
    made = not POLICY_RC_D.exists()
    if made:
        POLICY_RC_D.write_text("#!/bin/sh\n# undercroft: no service starts during package install\nexit 101\n")
        POLICY_RC_D.chmod(0o755)
        reporter.line("run", "policy-rc.d", f"created {POLICY_RC_D} for the install")
    try:
        yield
    finally:
        if made:
            POLICY_RC_D.unlink(missing_ok=True)
            reporter.line("ok", "policy-rc.d", f"removed {POLICY_RC_D}")


def install(recipe: WhatToInstall, state: StateDir, reporter: Reporter) -> None:
    """Packages and helper files; where systemd is PID 1 the distro's own units of the
    services are masked (mask_distro_units)."""
    packages = recipe.packages + [p for p in HOST_ONLY if p not in recipe.packages]
    missing = missing_packages(packages)
    if missing:
        if systemd_is_pid1():
            unmask_recorded(state, reporter)
        reporter.line("run", "packages", f"installing {len(missing)} Debian packages on the host: "
                                         f"{' '.join(missing)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", UNDERCROFT_APT_HOST="1")
        with no_service_starts(reporter):
            proc = subprocess.run(["sh", str(APT_HELPER), *missing], capture_output=True, text=True,
                                  env=env, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise DeployError(f"host prep: installing {len(missing)} packages failed "
                              f"(exit {proc.returncode})",
                              detail=(proc.stdout[-1500:] + proc.stderr[-1500:]).strip(),
                              hint="fix the apt problem shown and re-run; packages already "
                                   "installed are kept")
        reporter.line("ok", "packages", f"installed {len(missing)} packages")
    if systemd_is_pid1():
        record_masked(state, mask_distro_units(recipe.packages, reporter))
    written = []
    for src, dest in recipe.files:
        target = Path(dest)
        if target.exists() and filecmp.cmp(src, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        target.chmod(0o755)
        written.append(str(target))
    if written:
        reporter.line("ok", "helpers", f"installed {', '.join(Path(w).name for w in written)} "
                                       f"in {Path(written[0]).parent}")
        state.ensure()
        with open(state.installed_files, "a") as f:
            f.write("".join(f"{w}\n" for w in written))


def run_setup(commands: list[tuple[str, str]], reporter: Reporter) -> None:
    """Each service template's ``baremetal: setup`` commands, as root (idempotent)."""
    for service, command in commands:
        proc = subprocess.run(["sh", "-ec", command], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL,
                              env={"PATH": HOST_PATH, "LANG": "C.UTF-8"})
        if proc.returncode != 0:
            raise DeployError(f"host prep: {service}'s baremetal setup failed "
                              f"(exit {proc.returncode}): {command}",
                              detail=(proc.stderr or proc.stdout).strip()[-1500:],
                              hint=f"fix services/{service}.yaml (baremetal: setup) and re-run")
        reporter.line("ok", service, f"baremetal setup: {command.splitlines()[0][:60]}")


def installed_index(run: RunCmd = subprocess.run) -> dict[str, tuple[str, list[str]]]:
    """Every installed package: (source package, names it depends on). Removed packages
    whose configuration files remain ("rc") are not installed."""
    proc = run(["dpkg-query", "-W", "-f", "${Package}\t${source:Package}\t${Status}\t${Depends}\n"],
               capture_output=True, text=True)
    index = {}
    for line in proc.stdout.splitlines():
        name, source, status, depends = (line.split("\t") + ["", "", ""])[:4]
        if not status.endswith(" installed"):
            continue
        names = [alt.split()[0].split(":")[0] for dep in depends.split(",") if dep.strip()
                 for alt in dep.split("|") if alt.strip()]
        index[name] = (source or name, names)
    return index


def service_packages(packages: list[str], run: RunCmd = subprocess.run) -> list[str]:
    """The installed packages of ``packages``, and their dependencies built from the same
    source (nova-compute-ironic pulls nova-compute), that ship a service: an init script
    or a systemd unit. After an upgrade to containers these would start the old services
    again at boot. Libraries and general tools (KEEP_ON_CLEANUP) are not among them."""
    index = installed_index(run)
    candidates: list[str] = []
    for package in packages:
        if package not in index:
            continue
        source, depends = index[package]
        for name in [package] + [d for d in depends if index.get(d, ("",))[0] == source]:
            if name not in candidates and name not in KEEP_ON_CLEANUP:
                candidates.append(name)
    return [p for p in candidates if service_files(p, run)]


def service_files(package: str, run: RunCmd = subprocess.run) -> list[str]:
    """The init scripts and systemd service units an installed package ships."""
    proc = run(["dpkg-query", "-L", package], capture_output=True, text=True)
    files = proc.stdout.splitlines() if proc.returncode == 0 else []
    return [f for f in files if f.startswith("/etc/init.d/") or
            (f.endswith(".service") and "/systemd/system/" in f and "@" not in Path(f).name)]


def mask_distro_units(packages: list[str], reporter: Reporter, run: RunCmd = subprocess.run) -> list[str]:
    """Where systemd is PID 1, the packages' own units (enabled by their postinst even
    though policy-rc.d kept them from starting) would start the services a second time
    at boot, beside Undercroft's units: they are masked, and said so."""
    units = [Path(f).name for p in service_packages(packages, run) for f in service_files(p, run)
             if f.endswith(".service")]
    if not units:
        return []
    _systemctl(run, "mask", units, "masking", "systemctl mask them by hand, or re-run")
    reporter.line("ok", "systemd", f"masked {len(units)} distro units (Undercroft's units run "
                                   f"these services): {' '.join(units)}")
    return units


def _systemctl(run: RunCmd, verb: str, units: list[str], doing: str, hint: str) -> None:
    proc = run(["systemctl", verb, *units], capture_output=True, text=True)
    if proc.returncode != 0:
        raise DeployError(f"host prep: {doing} the packages' own systemd units failed",
                          detail=(proc.stderr or proc.stdout).strip()[-1500:], hint=hint)


def _recorded_masks(state: StateDir) -> list[str]:
    path = state.masked_units
    return path.read_text().split() if path.exists() else []


def record_masked(state: StateDir, units: list[str]) -> None:
    known = _recorded_masks(state)
    new = [u for u in units if u not in known]
    if new:
        state.ensure()
        state.masked_units.write_text("".join(f"{u}\n" for u in known + new))


def unmask_recorded(state: StateDir, reporter: Reporter, run: RunCmd = subprocess.run,
                    unit_dir: Path = UNIT_DIR) -> list[str]:
    """A package's postinst enables its unit and fails on a masked one ("Unit file
    keystone.service is masked"): before packages are installed again (a rollback after
    ``upgrade --cleanup``), the units Undercroft masked are unmasked; the install masks
    them again once the packages are in. Units masked by anyone else stay masked."""
    masked = [u for u in _recorded_masks(state)
              if (unit_dir / u).is_symlink() and os.readlink(unit_dir / u) == "/dev/null"]
    if not masked:
        return []
    _systemctl(run, "unmask", masked, "unmasking",
               f"systemctl unmask {' '.join(masked)}, then re-run")
    reporter.line("ok", "systemd", f"unmasked {len(masked)} distro units for the package "
                                   f"install (masked again after it)")
    return masked


def remove(packages: list[str], reporter: Reporter, run: RunCmd = subprocess.run) -> None:
    """``apt-get remove`` (not purge): configuration files and data stay where they are,
    and under policy-rc.d no maintainer script stops anything (the containers may share
    the old service's paths)."""
    if not packages:
        reporter.line("ok", "cleanup", "no host service package left to remove")
        return
    reporter.line("run", "cleanup", f"removing {len(packages)} host service packages: "
                                    f"{' '.join(packages)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with no_service_starts(reporter):
        proc = run(["apt-get", "remove", "-y", *packages], capture_output=True, text=True,
                   env=env, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise DeployError(f"cleanup: apt-get remove failed (exit {proc.returncode})",
                          detail=(proc.stdout[-1500:] + proc.stderr[-1500:]).strip(),
                          hint="fix the apt problem shown and re-run 'undercroft upgrade --cleanup'; "
                               "the containers are not affected")
    reporter.line("ok", "cleanup", f"removed {len(packages)} packages; their configuration "
                                   f"and data stay ('apt-get autoremove' drops unused libraries)")
