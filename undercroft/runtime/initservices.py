"""The distribution's own init services: what runs an undercloud whose Debian packages
were installed the ordinary way (not by Undercroft), and what a takeover stops.

Two backends with the same verbs, chosen like the host runtime's process manager:
systemd where it is PID 1 (``systemctl disable --now``), Debian's sysv-rc elsewhere
(``/etc/init.d/NAME``, ``update-rc.d NAME disable``). ``disable`` stops the service
and keeps it from starting at boot; its package, configuration and data stay, so
``enable`` (a rollback) brings it back as it was.

sysv trusts the scripts' exit codes (LSB: ``stop`` of a stopped service and ``start``
of a running one exit 0) rather than asking ``status`` after a ``stop``: Debian's
uwsgi-based API scripts answer ``status`` with ``status_of_proc`` on the shared uwsgi
binary, so placement-api reads "running" while keystone's uwsgi runs. In namespace
placement (``netns``) every script verb runs inside the namespace (``nsenter --net``):
rabbitmq's ``stop``/``status`` reach the node through the namespace's epmd, and a
rollback's ``start`` puts the service back where it ran.
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Callable

from undercroft.errors import DeployError
from undercroft.runtime.systemd_units import systemd_is_pid1

Run = Callable[[list[str]], subprocess.CompletedProcess]


def _run(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def _check(proc: subprocess.CompletedProcess, what: str) -> None:
    if proc.returncode != 0:
        raise DeployError(f"{what} failed (exit {proc.returncode})",
                          detail=(proc.stderr or proc.stdout).strip()[-1500:],
                          hint="fix the service by hand, then re-run: the command resumes")


class SystemdServices:
    kind = "systemd"

    def __init__(self, unit_dirs: tuple[Path, ...] = (Path("/etc/systemd/system"),
                                                      Path("/lib/systemd/system")),
                 run: Run = _run):
        self.unit_dirs = unit_dirs
        self.run = run

    def present(self, name: str) -> bool:
        return any((d / f"{name}.service").exists() for d in self.unit_dirs)

    def disable(self, name: str) -> None:
        _check(self.run(["systemctl", "disable", "--now", f"{name}.service"]),
               f"systemctl disable --now {name}")

    def enable(self, name: str) -> None:
        _check(self.run(["systemctl", "enable", "--now", f"{name}.service"]),
               f"systemctl enable --now {name}")

    def after_stop(self, command: str) -> None:
        self.run(["sh", "-c", command])  # may fail: nothing left to stop


class SysvServices:
    kind = "sysv-rc"

    def __init__(self, init_dir: Path = Path("/etc/init.d"), run: Run = _run,
                 netns: str | None = None):
        self.init_dir = init_dir
        self.run = run
        self.prefix = ["nsenter", f"--net=/run/netns/{netns}"] if netns else []

    def script(self, name: str) -> str:
        return str(self.init_dir / name)

    def _verb(self, name: str, verb: str) -> None:
        _check(self.run([*self.prefix, self.script(name), verb]), f"{self.script(name)} {verb}")

    def present(self, name: str) -> bool:
        return (self.init_dir / name).is_file()

    def disable(self, name: str) -> None:
        self._verb(name, "stop")
        _check(self.run(["update-rc.d", name, "disable"]), f"update-rc.d {name} disable")

    def enable(self, name: str) -> None:
        _check(self.run(["update-rc.d", name, "enable"]), f"update-rc.d {name} enable")
        self._verb(name, "start")

    def after_stop(self, command: str) -> None:
        self.run([*self.prefix, "sh", "-c", command])  # may fail: nothing left to stop


def init_services(run: Run = _run, netns: str | None = None) -> SystemdServices | SysvServices:
    """systemd units run where they are configured; ``netns`` only places sysv scripts."""
    return SystemdServices(run=run) if systemd_is_pid1() else SysvServices(run=run, netns=netns)
