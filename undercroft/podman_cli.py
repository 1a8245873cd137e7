"""The podman command line with the flags that work on this kind of host.

runc (crun fails on cgroups v1), cgroupfs (no systemd as PID 1), file events, and explicit
nofile/nproc ulimits (runc refuses to start containers without them). Every state-changing
call is counted in ``writes`` so idempotency can be asserted.

Shared by the container runtime (``runtime/podman.py`` adds the container verbs) and the
image builder (``images/builder.py``), so that neither imports the other: the host
runtime reads the image recipes (through lifecycle), and images build with podman.
"""
from __future__ import annotations

import json
import shutil
import subprocess

from undercroft.errors import DeployError

GLOBAL_FLAGS = ("--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file")
ULIMITS = ("--ulimit", "nofile=16384:16384", "--ulimit", "nproc=8192:8192")
WRITE_VERBS = {"run", "create", "start", "stop", "rm", "restart", "build", "import", "rmi", "tag",
               "rename"}


class PodmanCLI:
    def __init__(self, binary: str = "podman"):
        self.binary = binary
        self.writes: list[str] = []

    def available(self) -> bool:
        return shutil.which(self.binary) is not None

    def cmd(self, *args: str) -> list[str]:
        return [self.binary, *GLOBAL_FLAGS, *args]

    def call(self, *args: str, check: bool = True, timeout: float | None = None,
             input: str | None = None) -> subprocess.CompletedProcess:
        if args and args[0] in WRITE_VERBS:
            self.writes.append(" ".join(args[:2]))
        try:
            proc = subprocess.run(self.cmd(*args), capture_output=True, text=True,
                                  timeout=timeout, input=input)
        except FileNotFoundError:
            raise DeployError("podman is not installed",
                              hint="run 'make deploy' or scripts/host-deps.sh to install it")
        if check and proc.returncode != 0:
            err = [ln for ln in proc.stderr.strip().splitlines() if "systemd" not in ln]
            raise DeployError(f"podman {args[0]} failed (exit {proc.returncode})",
                              detail="\n".join(err[-15:]))
        return proc

    def image_refs(self, repository: str) -> set[str]:
        """Every ``name:tag`` under ``repository`` in one call (no per-image lookups)."""
        out = self.call("images", "--format", "json", "--filter",
                        f"reference={repository}/*").stdout
        return {n for img in json.loads(out or "[]") for n in (img.get("Names") or [])}
