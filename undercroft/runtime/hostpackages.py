"""Baremetal host prep: the services' Debian packages and helper scripts on the host.

What gets installed is what the images would contain (images/recipe.py reads their
Containerfiles), plus supervisor to run the long-running processes. Maintainer
scripts must not start anything: like the image builds, the install runs the base
image's ``undercroft-apt-install`` (debconf answers: no database setup, no endpoint
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

from undercroft.errors import DeployError
from undercroft.images.recipe import HostRecipe
from undercroft.model.loader import TEMPLATES
from undercroft.report import Reporter

HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
APT_HELPER = TEMPLATES / "images" / "base" / "undercroft-apt-install"
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
HOST_ONLY = ["supervisor", "iproute2"]  # the process manager, and ip netns exec
INSTALLED_FILES = "host-files"  # in state_dir: helper files written, for destroy


def missing_packages(packages: list[str]) -> list[str]:
    proc = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\n", *packages],
                          capture_output=True, text=True)
    ok = {line.split()[0] for line in proc.stdout.splitlines() if line.endswith(" installed")}
    return [p for p in packages if p not in ok]


@contextlib.contextmanager
def no_service_starts(reporter: Reporter):
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


def install(recipe: HostRecipe, state_dir: Path, reporter: Reporter) -> None:
    packages = recipe.packages + [p for p in HOST_ONLY if p not in recipe.packages]
    missing = missing_packages(packages)
    if missing:
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
        state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(state_dir / INSTALLED_FILES, "a") as f:
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
