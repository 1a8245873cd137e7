"""The host (baremetal) runtime: the plan's containers run as host processes.

Same templates, same rendered config directories, same entrypoint: each unit runs
``/usr/local/bin/undercroft-start`` (installed from the base image's recipe) with
``UNDERCROFT_CONFIG`` pointing at its config directory, so config files are copied
into place, permissions fixed and secrets read from files exactly as in a container.
In namespace placement the command runs under ``ip netns exec``.

- one-shots are child processes of undercroft, waited for like ``podman wait``;
- long-running units are systemd units where systemd is PID 1
  (runtime/systemd_units.py), supervisor programs elsewhere (runtime/supervisor.py);
- a unit's processes are all gone after it stops, as a container's cgroup ensures:
  daemons a service forks off (rabbitmq's epmd) escape supervisor's process group, so
  whatever still carries the unit's ``UNDERCROFT_CONFIG`` in its environment is killed;
- what podman keeps in labels (service, step, config hash, inputs) is kept in
  ``<state_dir>/host-units.json``, so the pure plan core sees the same observed state.

Volumes are not mounted: a process on the host uses the container-side paths
(/var/lib/mysql, /var/log/keystone, /var/lib/ironic/httpboot, /srv/node), the distro's standard layout.
This class implements ``runtime.protocol.Runtime`` (the verbs the step executor and the
lifecycle use), ``rename`` included, so a minor update keeps the unit it replaces as
``<name>-previous`` and can put it back.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from undercroft.errors import DeployError
from undercroft.fileio import write_atomic
from undercroft.plan.model import DEPLOYMENT_LABEL, DesiredContainer, ObservedContainer, mounts
from undercroft.render.services import CONFIG_MOUNT
from undercroft.runtime.hostpackages import HOST_PATH as PATH
from undercroft.runtime.protocol import NO_UNIT, UnitState
from undercroft.runtime.supervisor import Supervisor
from undercroft.runtime.systemd_units import SystemdUnits, systemd_is_pid1
from undercroft.state import StateDir

ENTRYPOINT = "/usr/local/bin/undercroft-start"
RUNNING = {"RUNNING", "STARTING", "STOPPING"}


def _netns(network: str) -> str | None:
    return Path(network[3:]).name if network.startswith("ns:") else None


def _netns_prefix(network: str) -> list[str]:
    ns = _netns(network)
    return ["ip", "netns", "exec", ns] if ns else []


def process_manager() -> SystemdUnits | Supervisor:
    """systemd where it is PID 1, Debian's supervisor elsewhere."""
    return SystemdUnits() if systemd_is_pid1() else Supervisor()


def processes_with_env(marker: bytes, proc: Path = Path("/proc")) -> Iterator[int]:
    """Pids whose environment holds the exact ``KEY=value`` entry ``marker``."""
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in env.split(b"\0"):
            yield int(entry.name)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"  # a zombie is gone, only unreaped


def kill_leftovers(marker: bytes, grace: float = 5.0) -> list[int]:
    """TERM, then KILL after ``grace`` seconds, every process carrying ``marker``."""
    pids = list(processes_with_env(marker))
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while sig == signal.SIGTERM and time.monotonic() < deadline and \
                any(_alive(p) for p in pids):
            time.sleep(0.1)
        pids = [p for p in pids if _alive(p)]
        if not pids:
            break
    return pids


def _config_dir(d: DesiredContainer) -> str:
    for host, path in mounts(d.spec.get("volumes", [])):
        if path == CONFIG_MOUNT:
            return host
    raise DeployError(f"{d.name}: no config directory among its volumes")


def unit_env(d: DesiredContainer) -> dict[str, str]:
    env = {k: v for k, v in d.spec.get("environment", {}).items()}
    env["UNDERCROFT_CONFIG"] = f"{_config_dir(d)}/config.json"
    env["PATH"] = PATH
    env["LANG"] = "C.UTF-8"
    return env


class HostRuntime:
    def __init__(self, state: StateDir, manager: SystemdUnits | Supervisor | None = None,
                 entrypoint: str = ENTRYPOINT):
        self.entrypoint = entrypoint
        self.state_file = state.host_units
        self.manager = manager or process_manager()
        self._procs: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()

    # --- the record that stands in for podman's labels -------------------------------
    def _units(self) -> dict[str, dict]:
        try:
            return json.loads(self.state_file.read_text())
        except FileNotFoundError:
            return {}

    def _save(self, name: str, record: dict | None) -> None:
        with self._lock:
            units = self._units()
            if record is None:
                units.pop(name, None)
            else:
                units[name] = record
            self.state_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(self.state_file, json.dumps(units, indent=1, sort_keys=True) + "\n", 0o600)

    # --- observation -------------------------------------------------------------------
    def containers(self, deployment: str) -> list[ObservedContainer]:
        units = self._units()
        info = self.manager.all_info() if units else {}
        out = []
        for name, rec in sorted(units.items()):
            if rec["labels"].get(DEPLOYMENT_LABEL) != deployment:
                continue
            if rec["oneshot"]:
                code = rec.get("exit_code")
                state = "exited" if code is not None else "unknown"
                out.append(ObservedContainer(name, rec["labels"], state, code or 0, ""))
            else:
                i = info.get(name, {})
                running = i.get("statename") in RUNNING
                out.append(ObservedContainer(name, rec["labels"], "running" if running else "exited",
                                             int(i.get("exitstatus") or 0), "",
                                             int(i.get("start") or 0) if running else 0))
        return out

    def restart_counts(self, names: Sequence[str]) -> dict[str, int]:
        """For ``status``: a program the process manager restarted after a crash."""
        return {n: self.inspect(n).restarts for n in names}

    def log_path(self, name: str) -> str | None:
        """Where the unit's output goes (the container log file's counterpart)."""
        return self._units().get(name, {}).get("log_path")

    def inspect(self, name: str) -> UnitState:
        rec = self._units().get(name)
        if rec is None:
            return NO_UNIT
        if rec["oneshot"]:
            proc = self._procs.get(name)
            live = proc if proc is not None and proc.poll() is None else None
            return UnitState("exited" if live is None else "running", rec.get("exit_code") or 0,
                             0 if live is None else live.pid, 0, name)
        i = self.manager.info(name)
        running = i.get("statename") in RUNNING
        # supervisor restarts a crashed program with a new pid: count that as a restart
        restarted = running and rec.get("pid") not in (None, i.get("pid"))
        return UnitState("running" if running else "exited", int(i.get("exitstatus") or 0),
                         int(i.get("pid") or 0) if running else 0, 1 if restarted else 0, name)

    def exists(self, name: str) -> bool:
        return name in self._units()

    def last_exit_code(self, name: str) -> int | None:
        i = self.manager.info(name)
        return int(i["exitstatus"]) if i and i.get("statename") not in RUNNING else None

    def healthcheck(self, name: str) -> int:
        rec = self._units().get(name)
        if rec is None:
            return 125
        if not rec["oneshot"] and self.manager.info(name).get("statename") not in RUNNING:
            return 125
        argv = _netns_prefix(rec["network"]) + ["sh", "-c", rec["healthcheck"]]
        try:
            return subprocess.run(argv, capture_output=True, timeout=30,
                                  env={"PATH": PATH, "LANG": "C.UTF-8"}).returncode
        except subprocess.TimeoutExpired:
            return 1

    def logs_tail(self, name: str, lines: int = 30) -> str:
        rec = self._units().get(name)
        if rec is None:
            return ""
        try:
            text = Path(rec["log_path"]).read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # --- changes -------------------------------------------------------------------------
    def launch(self, d: DesiredContainer, labels: Mapping[str, str]) -> None:
        for host, path in mounts(d.spec.get("volumes", [])):
            # a directory volume's in-container path is where the host process looks
            if path != CONFIG_MOUNT and not Path(host).is_file():
                Path(path).mkdir(parents=True, exist_ok=True)
        log_path = d.spec["log_path"]
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        network = d.spec.get("network", "host")
        env = unit_env(d)
        # env holds no secret (those stay in the config dir's files): kept so that an
        # update can give the unit back its program after a rollback (rename)
        record = {"labels": dict(labels), "oneshot": d.oneshot, "network": network,
                  "healthcheck": d.spec.get("healthcheck", ""), "log_path": log_path,
                  "config": env["UNDERCROFT_CONFIG"], "env": env, "launched_as": d.name}
        if d.oneshot:
            argv = _netns_prefix(network) + [self.entrypoint]
            log = open(log_path, "ab")
            try:
                proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
            finally:
                log.close()
            self._procs[d.name] = proc
            self._save(d.name, {**record, "exit_code": None})
            return
        self.manager.add(d.name, self.manager.render(d.name, [self.entrypoint], env, log_path,
                                                     _netns(network)))
        self.manager.start(d.name)
        self._save(d.name, {**record, "pid": self.manager.info(d.name).get("pid")})

    def wait(self, name: str, timeout: float) -> int:
        proc = self._procs.get(name)
        if proc is None:
            rec = self._units().get(name) or {}
            if rec.get("exit_code") is None:
                raise DeployError(f"{name}: no such one-shot running on this host")
            return rec["exit_code"]
        code = proc.wait(timeout=timeout)  # subprocess.TimeoutExpired, as podman wait's
        rec = self._units()[name]
        self._save(name, {**rec, "exit_code": code})
        return code

    def start(self, name: str) -> None:
        rec = self._units().get(name)
        if rec is None or rec["oneshot"]:
            raise DeployError(f"{name}: cannot start it again on this host; run install")
        self.manager.ensure_running()  # after a reboot, supervisord is not up yet
        self.manager.start(name)
        self._save(name, {**rec, "pid": self.manager.info(name).get("pid")})

    @staticmethod
    def _kill_leftovers(rec: dict) -> None:
        """What the unit forked off and its process manager missed (see module doc)."""
        if rec.get("config"):
            kill_leftovers(f"UNDERCROFT_CONFIG={rec['config']}".encode())

    def stop(self, name: str, timeout: int = 10) -> None:
        self.stop_many([name], timeout)

    def stop_many(self, names: Sequence[str], timeout: int = 10) -> None:
        """All at once, as podman stops containers: the process manager stops the
        long-running units in parallel, then each unit's leftovers go."""
        units = self._units()
        running = [n for n in names if units.get(n, {}).get("oneshot") is False]
        self.manager.stop_many(running)
        for n in running:
            self._kill_leftovers(units[n])

    def remove(self, name: str) -> None:
        rec = self._units().get(name)
        if rec is not None and not rec["oneshot"]:
            self.manager.remove(name)
            self._kill_leftovers(rec)
        proc = self._procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            proc.kill()
        self._save(name, None)

    def rename(self, name: str, new_name: str) -> None:
        """What an update does with the unit it replaces (runtime/executor.py): the stopped
        unit is kept as ``new_name`` and may come back under its own name. Its program
        goes with it, re-rendered under the new name from the kept environment. Only under
        the name it was launched as does the record name its config dir: that is how its
        leftovers are found, and the unit replacing it uses the same dir."""
        rec = self._units().get(name)
        if rec is None:
            raise DeployError(f"{name}: no such unit on this host")
        if not rec["oneshot"]:
            if "env" not in rec:
                raise DeployError(f"{name} was installed by an older Undercroft: its program "
                                  f"cannot be kept for a rollback",
                                  hint="run 'undercroft install' once, then update")
            self.manager.remove(name)
            self.manager.add(new_name, self.manager.render(
                new_name, [self.entrypoint], rec["env"], rec["log_path"], _netns(rec["network"])))
        config = (rec.get("env") or {}).get("UNDERCROFT_CONFIG", rec.get("config"))
        home = new_name == rec.get("launched_as", name)
        self._save(new_name, {**rec, "config": config if home else None})
        self._save(name, None)
