"""systemd as the host runtime's process manager, where systemd is PID 1.

The same verbs as runtime/supervisor.py, so HostRuntime does not care which one runs
its long-running processes. One unit per process,
``/etc/systemd/system/undercroft-<name>.service``, never enabled: ``undercroft start``
(itself the deployment's boot unit, lifecycle/systemd.py) starts them in step order
behind the same health gates as containers.

What systemd gives that supervisor cannot: ``NetworkNamespacePath=`` puts the process
in the deployment's namespace without ``ip netns exec``, and ``KillMode=control-group``
stops everything the service forked, daemons included (rabbitmq's epmd), as a
container's cgroup does.

Unit-tested against a fake ``systemctl``; run for real by the baremetal e2e tier on a
machine container with systemd as PID 1 (tests/e2e/machines.py, docs/testing.md).
"""
from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Callable, Mapping, Sequence

from undercroft.errors import DeployError

UNIT_DIR = Path("/etc/systemd/system")
PREFIX = "undercroft-"
STOP_TIMEOUT = 15
SHOWN = ("Id", "LoadState", "ActiveState", "SubState", "MainPID", "ExecMainStatus",
         "ExecMainStartTimestampMonotonic")

Run = Callable[[list[str]], subprocess.CompletedProcess]


def systemd_is_pid1() -> bool:
    """systemd's own test (sd_booted): it runs this host when /run/systemd/system exists."""
    return Path("/run/systemd/system").is_dir()


def _systemctl(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(["systemctl", *argv], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def _escape(value: str) -> str:
    """A value inside a double-quoted systemd word: backslash, quote, and the
    specifier and variable characters systemd would expand."""
    return (value.replace("\\", "\\\\").replace('"', '\\"')
            .replace("%", "%%").replace("$", "$$"))


def statename(props: Mapping[str, str]) -> str:
    """supervisor's state names, which HostRuntime reads, from systemd's states."""
    active = props.get("ActiveState", "")
    return {"active": "RUNNING", "reloading": "RUNNING", "activating": "STARTING",
            "deactivating": "STOPPING", "failed": "FATAL"}.get(active, "STOPPED")


def started_at(props: Mapping[str, str]) -> int:
    """Unix time the main process started (supervisor's ``start``), from systemd's
    monotonic stamp: CLOCK_MONOTONIC is the kernel's, the same for systemd and us."""
    mono = int(props.get("ExecMainStartTimestampMonotonic") or 0)
    if not mono:
        return 0
    return int(time.time() - (time.clock_gettime(time.CLOCK_MONOTONIC) - mono / 1e6))


def parse_show(text: str) -> list[dict[str, str]]:
    """``systemctl show`` output of several units: blank-line separated KEY=VALUE blocks."""
    units: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines() + [""]:
        if not line.strip():
            if current:
                units.append(current)
            current = {}
            continue
        key, _, value = line.partition("=")
        current[key] = value
    return units


class SystemdUnits:
    def __init__(self, unit_dir: Path = UNIT_DIR, run: Run = _systemctl):
        self.unit_dir = unit_dir
        self.run = run

    def call(self, *argv: str) -> subprocess.CompletedProcess:
        proc = self.run(list(argv))
        if proc.returncode != 0:
            raise DeployError(f"systemctl {' '.join(argv)} failed (exit {proc.returncode})",
                              detail=(proc.stderr or proc.stdout or "").strip()[-1500:],
                              hint=f"journalctl -u {argv[-1]} -n 50")
        return proc

    def unit(self, name: str) -> str:
        return f"{PREFIX}{name}.service"

    def conf_path(self, name: str) -> Path:
        return self.unit_dir / self.unit(name)

    def ensure_running(self) -> None:
        if not systemd_is_pid1():
            raise DeployError("systemd is not PID 1 here: its units cannot run",
                              hint="the host runtime uses supervisor on such hosts")

    def render(self, name: str, argv: Sequence[str], env: Mapping[str, str], log_path: str,
               netns: str | None = None) -> str:
        """One service unit. Only non-secret environment: secrets stay in the unit's
        config directory, read by undercroft-start as in a container."""
        command = " ".join(f'"{_escape(a)}"' for a in argv)
        lines = ["# written by undercroft; removed by 'undercroft destroy'",
                 "[Unit]", f"Description=Undercroft {name}",
                 *(["After=network.target"] if not netns else []),
                 "", "[Service]", "Type=simple", f"ExecStart={command}"]
        lines += [f'Environment="{_escape(k)}={_escape(v)}"' for k, v in sorted(env.items())]
        if netns:
            lines.append(f"NetworkNamespacePath=/run/netns/{netns}")
        # 143 = 128 + SIGTERM: how a wrapper that forwards the stop signal exits
        lines += ["Restart=on-failure", "RestartSec=1", "StartLimitBurst=3", "SuccessExitStatus=143",
                  f"TimeoutStopSec={STOP_TIMEOUT}", "KillMode=control-group",
                  f"StandardOutput=append:{log_path}", "StandardError=inherit", ""]
        return "\n".join(lines)

    def add(self, name: str, text: str) -> None:
        path = self.conf_path(name)
        if path.exists() and path.read_text() == text:
            return
        if path.exists():
            self.stop(name)
        self.unit_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o600)
        self.call("daemon-reload")

    def start(self, name: str) -> None:
        self.call("start", self.unit(name))

    def stop(self, name: str) -> None:
        self.stop_many([name])

    def stop_many(self, names: Sequence[str]) -> None:
        """One ``systemctl stop`` for all: systemd stops them in parallel and blocks
        until each control group is gone (TERM, KILL after the timeout)."""
        units = [self.unit(n) for n in names if self.conf_path(n).exists()]
        if units:
            self.call("stop", *units)
            # a deliberate stop is no failure, even where TERM needed KILL after the
            # timeout: stopped units read "inactive", as a stopped container "exited"
            self.run(["reset-failed", *units])

    def remove(self, name: str) -> None:
        path = self.conf_path(name)
        if not path.exists():
            return
        self.stop(name)
        path.unlink()
        self.run(["reset-failed", self.unit(name)])  # forget a failed state; may not exist
        self.call("daemon-reload")

    def _show(self, names: list[str]) -> dict[str, dict]:
        if not names:
            return {}
        proc = self.call("show", "-p", ",".join(SHOWN), *(self.unit(n) for n in names))
        out = {}
        for props in parse_show(proc.stdout):
            name = props.get("Id", "")[len(PREFIX):-len(".service")]
            if props.get("LoadState") == "not-found" or name not in names:
                continue
            out[name] = {"name": name, "statename": statename(props),
                         "pid": int(props.get("MainPID") or 0),
                         "exitstatus": int(props.get("ExecMainStatus") or 0),
                         "start": started_at(props)}
        return out

    def info(self, name: str) -> dict:
        """supervisor-shaped process info (statename, pid, exitstatus), {} if unknown."""
        if not self.conf_path(name).exists():
            return {}
        return self._show([name]).get(name, {})

    def all_info(self) -> dict[str, dict]:
        names = [p.name[len(PREFIX):-len(".service")] for p in sorted(self.unit_dir.glob(f"{PREFIX}*.service"))]
        return self._show(names)
