"""The container runtime: podman's container verbs over the shared podman command line.

``Podman`` implements ``runtime.protocol.Runtime``; ``image_refs`` and ``cmd`` (from
``undercroft.podman_cli``, with the host flags and the write counting) are its own
(images, and podman's command line for ``logs -f`` and ``exec``), and so is
``inspect_json``, podman's whole inspect record. ``unit_state`` is the one place that
turns that record into the runtime's ``UnitState``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from undercroft.errors import DeployError
from undercroft.plan.model import DEPLOYMENT_LABEL, DesiredContainer, ObservedContainer
from undercroft.podman_cli import ULIMITS, PodmanCLI
from undercroft.runtime.protocol import NO_UNIT, UnitState


def _health(status: str) -> str:
    for word in ("unhealthy", "healthy", "starting"):
        if f"({word})" in status:
            return word
    return ""


# A container's output file is cut back (by conmon) once it reaches this; the services'
# own log files rotate themselves (oslo.log, see templates/config/common/openstack.j2).
CONTAINER_LOG_MAX = "50mb"


def run_args(d: DesiredContainer, labels: Mapping[str, str]) -> list[str]:
    """``podman run`` arguments for a desired container (the command is in config.json)."""
    s = d.spec
    args = ["--name", d.name, "--network", s["network"], "--log-driver", "k8s-file",
            "--log-opt", f"path={s['log_path']}", "--log-opt", f"max-size={CONTAINER_LOG_MAX}",
            "--restart", s["restart"]]
    if s.get("network") == "host":
        args += ["--uts", "host"]
    elif s.get("hostname"):
        args += ["--hostname", s["hostname"]]
    for k, v in sorted(labels.items()):
        args += ["--label", f"{k}={v}"]
    for k, v in sorted(s["environment"].items()):
        args += ["--env", f"{k}={v}"]
    for v in s["volumes"]:
        args += ["--volume", v]
    for cap in s["cap_add"]:
        args += ["--cap-add", cap]
    if s["privileged"]:
        args.append("--privileged")
    if s["healthcheck"]:
        # Three failed checks in a row after the start period -> podman restarts it. Checks
        # run from systemd timers where systemd exists, and from every `undercroft status`.
        args += ["--health-cmd", s["healthcheck"], "--health-interval", "30s",
                 "--health-retries", "3", "--health-timeout", "10s",
                 "--health-start-period", f"{int(s.get('timeout', 300))}s",
                 "--health-on-failure", "restart"]
    args.append(d.image)
    return args


PROC = Path("/proc")  # where a container's process is looked for (tests point it elsewhere)


def _state(status: str, pid: int, container_id: str = "") -> str:
    """podman's state, or ``lost``: podman lists a container running whose process is gone
    (its conmon was killed with it, so nobody recorded the exit; measured after a machine's
    processes were killed). Podman cannot start it again; the plan recreates it.
    The pid alone does not tell: hours later another process has it (measured: a quick
    start's dead keystone "alive" under a reused pid), so the process must also sit in the
    container's cgroup (``libpod-<id>``, podman's cgroupfs and systemd layouts alike)."""
    if status != "running" or pid <= 0:
        return status
    try:
        cgroups = (PROC / str(pid) / "cgroup").read_text()
    except OSError:
        return "lost"
    if container_id and container_id not in cgroups:
        return "lost"
    return status


def unit_state(record: Mapping[str, Any]) -> UnitState:
    """The runtime's view of a container from podman's inspect record (``{}``: none)."""
    if not record:
        return NO_UNIT
    state = record.get("State") or {}
    pid = int(state.get("Pid") or 0)
    status = _state(state.get("Status", ""), pid, record.get("Id", ""))
    code = state.get("ExitCode")
    return UnitState(status, None if code is None else int(code),
                     pid if status == "running" else 0, int(record.get("RestartCount") or 0),
                     record.get("Id", ""))


class Podman(PodmanCLI):
    """Containers, driven through the verbs the step executor and the lifecycle use."""

    # --- observation (read-only) -------------------------------------------------------
    def containers(self, deployment: str) -> list[ObservedContainer]:
        out = self.call("ps", "-a", "--format", "json", "--filter",
                        f"label={DEPLOYMENT_LABEL}={deployment}").stdout
        result = []
        for c in json.loads(out or "[]"):
            result.append(ObservedContainer(
                name=c["Names"][0], labels=c.get("Labels") or {},
                state=_state(c.get("State", ""), int(c.get("Pid") or 0), c.get("Id", "")),
                exit_code=int(c.get("ExitCode") or 0), health=_health(c.get("Status", "")),
                started_at=max(int(c.get("StartedAt") or 0), 0), image=c.get("Image", "")))
        return result

    def logs_tail(self, name: str, lines: int = 30) -> str:
        proc = self.call("logs", "--tail", str(lines), name, check=False)
        return (proc.stdout + proc.stderr).strip()

    def inspect(self, name: str) -> UnitState:
        return unit_state(self.inspect_json(name))

    def inspect_json(self, name: str) -> dict[str, Any]:
        """podman's own inspect record (``{}`` if there is no such container), for what
        only podman has: a container's healthcheck and network (the health watcher)."""
        proc = self.call("inspect", "--format", "json", name, check=False)
        if proc.returncode != 0:
            return {}
        data = json.loads(proc.stdout or "[]")
        return data[0] if data else {}

    def restart_counts(self, names: Sequence[str]) -> dict[str, int]:
        """Restarts of each container: by its restart policy (RestartCount) plus by a
        failing healthcheck (``--health-on-failure restart`` only emits a restart event)."""
        if not names:
            return {}
        proc = self.call("inspect", "--format", "json", *names, check=False)
        data = json.loads(proc.stdout or "[]") if proc.stdout.strip() else []
        events = self.call("events", "--stream=false", "--filter", "event=restart",
                           "--format", "json", check=False).stdout
        by_id: dict[str, int] = {}
        for line in events.splitlines():
            try:
                cid = json.loads(line).get("ID", "")
            except ValueError:
                continue
            by_id[cid] = by_id.get(cid, 0) + 1
        units = {d.get("Name", ""): unit_state(d) for d in data}
        return {name: u.restarts + by_id.get(u.id, 0) for name, u in units.items()}

    def last_exit_code(self, container_id: str) -> int | None:
        """Exit code of the container's last death (survives a restart by podman)."""
        out = self.call("events", "--stream=false", "--filter", f"container={container_id}",
                        "--filter", "event=died", "--format", "json", check=False).stdout
        codes = [json.loads(line).get("ContainerExitCode") for line in out.splitlines() if line.strip()]
        return codes[-1] if codes else None

    def healthcheck(self, name: str) -> int:
        """0 healthy, 1 unhealthy, 125 not running (podman's codes)."""
        return self.call("healthcheck", "run", name, check=False, timeout=30).returncode

    # --- changes -------------------------------------------------------------------------
    def remove(self, name: str) -> None:
        """Remove a container and make sure it is gone (a restart policy can race rm)."""
        for _ in range(3):
            proc = self.call("rm", "-f", "-t", "10", name, check=False)
            if not self.exists(name):
                return
        err = [ln for ln in proc.stderr.strip().splitlines() if "systemd" not in ln]
        raise DeployError(f"could not remove container {name}", detail="\n".join(err[-10:]))

    def start(self, name: str) -> None:
        """Idempotent, as the plan assumes: a container running by now is started. An
        interrupted run's ``podman run`` (it outlives a killed undercroft) may bring the
        container up between the resumed run's observation and this start."""
        try:
            self.call("start", name)
        except DeployError:
            if not self.inspect(name).running:
                raise

    def stop(self, name: str, timeout: int = 10) -> None:
        self.call("stop", "-t", str(timeout), name, check=False)

    def rename(self, name: str, new_name: str) -> None:
        self.call("rename", name, new_name)

    def exists(self, name: str) -> bool:
        return self.call("container", "exists", name, check=False).returncode == 0

    def stop_many(self, names: Sequence[str], timeout: int = 10) -> None:
        """One ``podman stop`` for several containers: podman stops them in parallel."""
        if names:
            self.call("stop", "-t", str(timeout), *names, check=False)

    def run_detached(self, args: Sequence[str]) -> None:
        self.call("run", "-d", *ULIMITS, *args)

    def launch(self, d: DesiredContainer, labels: Mapping[str, str]) -> None:
        """Start a desired container (runtime/protocol.py's verb; see runtime/host.py)."""
        self.run_detached(run_args(d, labels))

    def wait(self, name: str, timeout: float) -> int:
        proc = self.call("wait", name, check=False, timeout=timeout)
        try:
            return int(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise DeployError(f"podman wait {name} failed", detail=proc.stderr.strip())
