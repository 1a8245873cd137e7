"""``start`` and ``stop``: an installed undercloud down and back up, without re-rendering.

After a reboot the network namespace (or br-ctlplane) is gone and every container is
stopped; ``start`` recreates the network as host prep does, then starts the containers as
installed (plan/restart.py), step by step, each gated on its healthcheck.
"""
from __future__ import annotations

import time

from undercroft.config.translate import Settings
from undercroft.errors import DeployError
from undercroft.lifecycle import watch
from undercroft.lifecycle.deployment import STEP_NAMES
from undercroft.plan.restart import start_plan, stop_order
from undercroft.report import Reporter
from undercroft.runtime import hostprep
from undercroft.runtime.executor import StepExecutor
from undercroft.runtime.protocol import Runtime


def start(settings: Settings, runtime: Runtime, reporter: Reporter) -> int:
    """Start every stopped container of the deployment; return how many were started."""
    t0 = time.monotonic()
    observed = runtime.containers(settings.deployment_name)
    if not observed:
        raise DeployError(f"deployment '{settings.deployment_name}' has no containers",
                          hint="run 'undercroft install' first")
    reporter.phase("Network")
    if settings.network_namespace:
        changes = hostprep.ensure_namespace(settings, reporter)
    else:
        changes = hostprep.ensure_host_network(settings)
    for c in changes:
        reporter.line("ok", "network", c)
    plan = start_plan(observed, settings.log_dir)
    executor = StepExecutor(runtime, reporter, labels_for=lambda d: {})
    executor.execute(plan, STEP_NAMES)
    started = len(plan.writes)
    report_watcher(watch.start(settings), reporter)
    reporter.phase("Summary")
    reporter.info(f"Started {started} containers, {len(plan.unchanged)} unchanged "
                  f"({time.monotonic() - t0:.1f}s).")
    return started


def report_watcher(pid: int | None, reporter: Reporter) -> None:
    if pid:
        reporter.line("ok", "health watcher", f"pid {pid} runs the healthchecks every "
                      f"{watch.INTERVAL:.0f} s (no systemd here to run them)")


def stop(settings: Settings, runtime: Runtime, reporter: Reporter, timeout: int = 10) -> int:
    """Stop the running services, last step first (APIs before the database)."""
    watch.stop(settings)  # or it would count the stopped services as failing
    groups = stop_order(runtime.containers(settings.deployment_name))
    for names in groups:
        reporter.line("run", ", ".join(names), "stopping")
        runtime.stop_many(names, timeout)
    n = sum(len(g) for g in groups)
    reporter.info(f"Stopped {n} containers." if n else "Nothing is running.")
    return n
