"""Execute a plan on a runtime (podman, or the host's processes), step by step (1..5).

Within a step each service's chain runs in order (one-shots must exit 0, long-running
containers must become healthy before the next link), and chains of different services
run in parallel. The first failure stops the run with one message: step, container,
exit code and the container's last log lines.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import threading
import time
from pathlib import Path
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Callable, Mapping

from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_exponential

from undercroft.errors import DeployError
from undercroft.plan.model import Action, ActionKind, DesiredContainer, Plan
from undercroft.report import Reporter
from undercroft.runtime import health
from undercroft.runtime.protocol import Runtime
from undercroft.runtime.service_logs import recent_errors

LOG_TAIL = 30
PODMAN_EVERY = 10.0  # seconds between podman healthchecks while the cheap probe fails


def _dependency_order(chains: Mapping[str, list[Action]]) -> list[list[Action]]:
    """Chains whose containers others wait for (``after``) are submitted first, so with a
    FIFO pool a waiting chain only ever waits for one already running or done."""
    owner = {a.name: svc for svc, acts in chains.items() for a in acts}
    needs = {svc: {owner[d] for a in acts if a.desired for d in a.desired.after
                   if d in owner and owner[d] != svc}
             for svc, acts in chains.items()}
    ordered: list[str] = []

    def visit(svc: str, path: tuple[str, ...] = ()) -> None:
        if svc in ordered:
            return
        if svc in path:
            raise DeployError(f"containers wait for each other in a cycle: {' -> '.join(path + (svc,))}")
        for dep in sorted(needs[svc]):
            visit(dep, path + (svc,))
        ordered.append(svc)

    for svc in chains:
        visit(svc)
    return [chains[svc] for svc in ordered]


class StepExecutor:
    def __init__(self, runtime: Runtime, reporter: Reporter,
                 labels_for: Callable[[DesiredContainer], Mapping[str, str]],
                 before_start: Callable[[DesiredContainer], None] = lambda d: None,
                 parallel: int = 2, poll: float = 0.25, prober: health.Prober | None = None):
        self.runtime = runtime
        self.prober = prober or health.Prober()
        self.reporter = reporter
        self.labels_for = labels_for
        self.before_start = before_start
        self.parallel = parallel
        self.poll = poll
        self._started: dict[str, float] = {}  # container -> wall time its start was asked

    def execute(self, plan: Plan, step_names: Mapping[int, str]) -> None:
        for step in plan.steps():
            chains = plan.chains(step)
            if not chains:
                continue
            self.reporter.phase(f"Step {step}: {step_names.get(step, '')}".rstrip(": "))
            t0 = time.monotonic()
            abort = threading.Event()
            done_events = {a.name: threading.Event() for acts in chains.values() for a in acts}
            with ThreadPoolExecutor(max_workers=self.parallel) as pool:
                futures = [pool.submit(self._run_chain, actions, abort, done_events)
                           for actions in _dependency_order(chains)]
                done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                failed = [exc for exc in (f.exception() for f in done) if exc is not None]
                if failed:
                    abort.set()  # other chains stop before their next container
                    for other in futures:
                        other.cancel()
                    raise failed[0]
            self.reporter.event("step_done", step=step, seconds=round(time.monotonic() - t0, 2))
        removals = plan.removals()
        if removals:
            self.reporter.phase("Removing containers no longer deployed")
            for a in removals:
                self.runtime.remove(a.name)
                self.reporter.event("removed", container=a.name, reason=a.reason)
                self.reporter.line("ok", a.name, f"removed ({a.reason})")

    def _run_chain(self, actions: list[Action], abort: threading.Event,
                   done: dict[str, threading.Event]) -> None:
        self._stop_before_bootstrap(actions)
        for a in actions:
            for dep in (a.desired.after if a.desired else ()):
                if dep in done:
                    while not done[dep].wait(0.2):
                        if abort.is_set():
                            return
            if abort.is_set():
                return
            self._apply(a)
            done[a.name].set()

    def _stop_before_bootstrap(self, actions: list[Action]) -> None:
        """A chain's one-shots prepare the service containers after them (mysql_bootstrap
        needs the datadir to itself). When such a one-shot re-runs and a running service
        later in the chain is being recreated anyway, remove the old one first."""
        first_oneshot = next((i for i, a in enumerate(actions) if a.desired and a.desired.oneshot
                              and a.kind in (ActionKind.CREATE, ActionKind.RECREATE)), None)
        if first_oneshot is None:
            return
        for a in actions[first_oneshot + 1:]:
            if a.kind is ActionKind.RECREATE and not a.wanted.oneshot:
                self.reporter.line("run", a.name, "stopping the old container: a one-shot "
                                                  "before it in the chain runs again")
                self.reporter.event("removed", container=a.name, reason="bootstrap re-runs")
                self.runtime.remove(a.name)

    def _apply(self, a: Action) -> None:
        if a.kind is ActionKind.KEEP:
            self.reporter.line("keep", a.name, a.reason)
            return
        d = a.wanted
        t0 = time.monotonic()
        self._started[a.name] = time.time() - 1  # log files' mtimes have 1 s granularity at worst
        self.reporter.event("container_start", container=a.name, service=a.service, step=a.step,
                            action=a.kind.value, reason=a.reason, oneshot=d.oneshot)
        self.reporter.line("run", a.name, f"{a.kind.value}: {a.reason}")
        if a.kind is ActionKind.START:
            self.runtime.start(a.name)
        else:
            if a.kind is ActionKind.RECREATE:
                self.runtime.remove(a.name)
            self.before_start(d)
            Path(d.spec["log_path"]).parent.mkdir(parents=True, exist_ok=True)
            self.runtime.launch(d, self.labels_for(d))
        if d.oneshot:
            self._wait_exit(a)
        else:
            self._wait_healthy(a)
        took = time.monotonic() - t0
        self.reporter.event("container_done", container=a.name, service=a.service, step=a.step,
                            seconds=round(took, 2), oneshot=d.oneshot)
        self.reporter.line("ok", a.name, "completed" if d.oneshot else "healthy", took)

    def _fail(self, a: Action, what: str, code: int | None = None) -> DeployError:
        self.reporter.event("container_failed", container=a.name, service=a.service,
                            step=a.step, problem=what, exit_code=code)
        self.reporter.line("fail", a.name, what)
        spec = a.wanted.spec
        log_file, errors = recent_errors(spec.get("volumes", ()), a.name,
                                         since=self._started.get(a.name, time.time() - spec["timeout"]))
        tail = self.runtime.logs_tail(a.name, LOG_TAIL // 3 if errors else LOG_TAIL)
        detail = [f"last log lines of {a.name}:\n{tail}" if tail else "(no container log output)"]
        logs = spec["log_path"]
        if errors:
            detail.append(f"errors it wrote to {log_file}:\n" + "\n".join(errors))
            logs = f"{logs} and {log_file}"
        return DeployError(f"step {a.step}: container {a.name} ({a.service}) {what}",
                           detail="\n".join(detail),
                           hint=f"full logs: {logs}; fix and re-run — finished work is kept")

    def _wait_exit(self, a: Action) -> None:
        timeout = a.wanted.spec["timeout"]
        try:
            code = self.runtime.wait(a.name, timeout=timeout)
        except Exception as exc:  # subprocess.TimeoutExpired and podman errors
            raise self._fail(a, f"did not finish within {timeout}s ({exc.__class__.__name__})")
        if code != 0:
            raise self._fail(a, f"exited with code {code}", code)

    def _probe(self, name: str) -> str:
        """healthy | starting | crashed:<exit code> (a restart counts as a crash).

        A healthcheck that hangs past its timeout counts as "not yet healthy".
        """
        try:
            rc = self.runtime.healthcheck(name)
        except subprocess.TimeoutExpired:
            rc = 1
        if rc == 0:
            return "healthy"
        return self._state(name)

    def _state(self, name: str) -> str:
        """starting | crashed:<exit code>, from the runtime's view of the unit."""
        unit = self.runtime.inspect(name)
        if unit.status == "lost":  # no exit recorded: a code would be made up
            return "crashed:lost"
        if not unit.running or unit.restarts > 0:
            code = self.runtime.last_exit_code(unit.id or name)
            return f"crashed:{unit.exit_code if code is None else code}"
        return "starting"

    def _gate(self, a: Action, probe: health.Probe | None) -> Callable[[], str]:
        """One poll of the health gate. With a declarative check (``probe``), poll it from
        here (a socket, no podman) while the container's process lives, and ask podman's
        healthcheck once it passes, or at least every PODMAN_EVERY seconds."""
        spec = a.wanted.spec
        if probe is None:
            return lambda: self._probe(a.name)
        pid = self.runtime.inspect(a.name).pid or None
        last_podman = time.monotonic()

        def poll() -> str:
            nonlocal last_podman
            if time.monotonic() - last_podman < PODMAN_EVERY:
                ready = self.prober.ready(spec.get("network", "host"), probe)
                if ready is False:
                    return "starting" if pid and _alive(pid) else self._state(a.name)
            last_podman = time.monotonic()
            return self._probe(a.name)
        return poll

    def _wait_healthy(self, a: Action) -> None:
        timeout = a.wanted.spec["timeout"]
        probe = health.parse(a.wanted.spec.get("healthcheck", ""))
        poll = self._gate(a, probe)
        cheap = probe is not None
        retry = Retrying(stop=stop_after_delay(timeout),
                         wait=wait_exponential(multiplier=self.poll / (4 if cheap else 1),
                                               max=0.5 if cheap else 2),
                         retry=retry_if_result(lambda r: r == "starting"))
        try:
            result = retry(poll)
        except RetryError:
            raise self._fail(a, f"did not become healthy within {timeout}s")
        if result == "crashed:lost":
            raise self._fail(a, "its process vanished before becoming healthy and podman "
                                "recorded no exit (was its conmon killed?)")
        if result.startswith("crashed:"):
            code = result.split(":", 1)[1]
            raise self._fail(a, f"exited with code {code} before becoming healthy",
                             int(code) if code.lstrip("-").isdigit() else None)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


PREVIOUS_SUFFIX = "-previous"


class UpdateExecutor(StepExecutor):
    """Minor update: one container at a time, each recreate gated on its healthcheck.

    The running container is stopped and renamed ``<name>-previous`` (kept, with its
    config dir, via ``keep_config``) instead of removed. If the new one fails to become
    healthy, it is removed, the previous one and its config come back and must be
    healthy again, and the update stops with one message saying so.
    """

    def __init__(self, runtime: Runtime, reporter: Reporter,
                 labels_for: Callable[[DesiredContainer], Mapping[str, str]],
                 before_start: Callable[[DesiredContainer], None],
                 keep_config: Callable[[str], None], restore_config: Callable[[str], None],
                 drop_config: Callable[[str], None], poll: float = 0.25):
        super().__init__(runtime, reporter, labels_for, before_start, parallel=1, poll=poll)
        self.keep_config = keep_config
        self.restore_config = restore_config
        self.drop_config = drop_config

    def _apply(self, a: Action) -> None:
        if a.kind is not ActionKind.RECREATE or a.wanted.oneshot or not self.runtime.exists(a.name):
            return super()._apply(a)
        previous = a.name + PREVIOUS_SUFFIX
        if self.runtime.exists(previous):  # left by an interrupted update: the current one wins
            self.runtime.remove(previous)
        self.runtime.stop(a.name)
        self.runtime.rename(a.name, previous)
        self.keep_config(a.name)
        try:
            super()._apply(dataclasses.replace(a, kind=ActionKind.CREATE))
        except DeployError as err:
            self._roll_back(a, previous, err)
        self.runtime.remove(previous)
        self.drop_config(a.name)

    def _roll_back(self, a: Action, previous: str, err: DeployError) -> None:
        self.reporter.line("run", a.name, "rolling back to the previous container")
        self.reporter.event("rollback", container=a.name, service=a.service, step=a.step)
        self.runtime.remove(a.name)
        self.restore_config(a.name)
        self.runtime.rename(previous, a.name)
        self.runtime.start(a.name)
        try:
            self._wait_healthy(a)
        except DeployError as again:
            raise DeployError(f"{err.message}; the previous container was put back but is not "
                              f"healthy either: {again.message}", detail=err.detail,
                              hint="inspect it with 'undercroft logs' and 'undercroft status'")
        self.reporter.line("ok", a.name, "previous container back and healthy")
        raise DeployError(f"update stopped: {err.message}; the previous {a.name} is back and "
                          f"healthy, later containers were not touched",
                          detail=err.detail, hint="fix the change and run update again")
