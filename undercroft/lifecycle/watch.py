"""The health watcher: podman's healthcheck timer where systemd is not PID 1.

Where systemd runs, podman runs each container's healthcheck from a systemd timer, and
``--health-on-failure restart`` restarts a container after three failed checks. Without
systemd nothing runs the checks, so a hung service (SIGSTOP, a deadlock) would stay
"healthy" until someone ran ``status``. This process is that timer: one per deployment,
started by ``install`` and ``start``, stopped by ``stop`` and ``destroy``, and ending by
itself once the deployment has no containers left or its pid file names another
process (destroyed, or wiped and installed again).

Every ``INTERVAL`` seconds it probes each running service container the cheap way
(runtime/health.Prober: a socket in the container's network namespace). A failing
probe, or a check only podman can run (every ``CONFIRM_EVERY`` rounds), goes to
``podman healthcheck run``, which counts the failure and restarts the container after
three in a row.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from undercroft.runtime import health
from undercroft.runtime.podman import Podman
from undercroft.state import StateDir

INTERVAL = 30.0
CONFIRM_EVERY = 10  # rounds between podman runs of checks that have no cheap probe
MODULE = "undercroft.lifecycle.watch"


class Watcher:
    def __init__(self, podman: Podman, deployment: str, prober: health.Prober | None = None):
        self.podman = podman
        self.deployment = deployment
        self.prober = prober or health.Prober()
        self.rounds = 0
        # a container as started (name@start time) -> (network, healthcheck command)
        self._checks: dict[str, tuple[str, str]] = {}

    def _check_of(self, name: str, ident: str) -> tuple[str, str]:
        """Read once per start: a recreated or restarted container is asked again."""
        if ident not in self._checks:
            info = self.podman.inspect_json(name)
            test = ((info.get("Config") or {}).get("Healthcheck") or {}).get("Test") or []
            command = test[1] if len(test) == 2 and test[0] == "CMD-SHELL" else ""
            self._checks[ident] = ((info.get("HostConfig") or {}).get("NetworkMode", ""), command)
        return self._checks[ident]

    def round(self) -> int:
        """One pass over the running containers; returns how many the deployment has."""
        self.rounds += 1
        observed = self.podman.containers(self.deployment)
        for c in observed:
            if c.state != "running" or c.oneshot:
                continue
            network, command = self._check_of(c.name, f"{c.name}@{c.started_at}")
            if not command:
                continue
            probe = health.parse(command)
            ok = self.prober.ready(network, probe) if probe else None
            if ok or (ok is None and self.rounds % CONFIRM_EVERY):
                continue
            self.podman.healthcheck(c.name)  # counts; the third failure restarts it
        return len(observed)


def run(state: StateDir, deployment: str, interval: float = INTERVAL,
        stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    watcher = Watcher(Podman(), deployment)
    empty = 0
    while not stop.wait(interval):
        if _running(state.watcher_pidfile, deployment) != os.getpid():
            return  # the deployment was removed, or another watcher took over
        empty = 0 if watcher.round() else empty + 1
        if empty >= 2:  # destroyed (or wiped) without telling us
            return


# --- the detached process ----------------------------------------------------------------

def _running(pidfile: Path, deployment: str) -> int | None:
    """The watcher's pid if the pid file names a live watcher of ``deployment``."""
    try:
        pid = int(pidfile.read_text().strip())
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    return pid if MODULE.encode() in argv and deployment.encode() in argv else None


def start(settings) -> int | None:
    """Start the deployment's watcher unless it runs (or systemd's timers do the job);
    returns its pid, or None where it is not needed."""
    from undercroft.runtime.systemd_units import systemd_is_pid1

    if settings.baremetal or systemd_is_pid1():
        return None
    pidfile = settings.state.watcher_pidfile
    pid = _running(pidfile, settings.deployment_name)
    if pid:
        return pid
    log = settings.log_dir / "health-watch.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", MODULE, "--deployment", settings.deployment_name,
             "--state-dir", str(settings.state.root)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd="/",
            start_new_session=True, close_fds=True)
    pidfile.write_text(f"{proc.pid}\n")
    for _ in range(50):  # until it has exec'd (before that its cmdline is ours)
        if _running(pidfile, settings.deployment_name) == proc.pid or proc.poll() is not None:
            break
        time.sleep(0.1)
    return proc.pid


def stop(settings) -> None:
    pidfile = settings.state.watcher_pidfile
    pid = _running(pidfile, settings.deployment_name)
    if pid:
        os.kill(pid, signal.SIGTERM)
    pidfile.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.splitlines()[0])
    parser.add_argument("--deployment", required=True)
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--interval", type=float, default=INTERVAL)
    args = parser.parse_args(argv)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    run(StateDir(args.state_dir), args.deployment, args.interval, done)
    return 0


if __name__ == "__main__":
    sys.exit(main())
