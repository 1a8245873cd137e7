"""The convergence rule, as one pure function.

missing -> create; hash differs -> recreate (naming the changed inputs); same hash and
running (or a one-shot that exited 0) -> keep; same hash but stopped -> start; listed
running with its process gone (``lost``) -> recreate; managed
but no longer wanted -> remove. A re-run with nothing changed yields only ``keep``.
"""
from __future__ import annotations

import json
from typing import Iterable

from undercroft.plan.hashing import changed_inputs
from undercroft.plan.model import (
    INPUTS_LABEL,
    Action,
    ActionKind,
    DesiredContainer,
    ObservedContainer,
    Plan,
)


def _recreate_reason(desired: DesiredContainer, observed: ObservedContainer) -> str:
    try:
        old_inputs = json.loads(observed.labels.get(INPUTS_LABEL, "{}"))
    except ValueError:
        old_inputs = {}
    changed = changed_inputs(old_inputs, desired.inputs) if old_inputs else []
    if not changed:
        return "config hash differs"
    shown = ", ".join(changed[:4]) + (f" (+{len(changed) - 4} more)" if len(changed) > 4 else "")
    return f"changed: {shown}"


def _plan_one(desired: DesiredContainer, observed: ObservedContainer | None) -> Action:
    def act(kind: ActionKind, reason: str) -> Action:
        return Action(kind, desired.name, desired.service, desired.step, reason, desired, observed)

    if observed is None:
        return act(ActionKind.CREATE, "no existing container")
    if observed.config_hash != desired.config_hash:
        return act(ActionKind.RECREATE, _recreate_reason(desired, observed))
    if desired.oneshot:
        if observed.state == "exited" and observed.exit_code == 0:
            return act(ActionKind.KEEP, "completed, inputs unchanged")
        if observed.state in ("running", "created", "configured", "lost"):
            return act(ActionKind.RECREATE, f"one-shot left in state {observed.state}")
        return act(ActionKind.RECREATE, f"previous run failed (exit {observed.exit_code})")
    if observed.state == "lost":
        return act(ActionKind.RECREATE, "its process is gone though podman lists it running")
    if observed.state == "running":
        if observed.health == "unhealthy":
            return act(ActionKind.RECREATE, "running but unhealthy")
        return act(ActionKind.KEEP, "running, config unchanged")
    return act(ActionKind.START, f"{observed.state} (exit {observed.exit_code}), config unchanged")


def make_plan(desired: Iterable[DesiredContainer], observed: Iterable[ObservedContainer]) -> Plan:
    """Compare desired and observed containers; deterministic order (step, service, chain)."""
    desired = sorted(desired, key=lambda d: (d.step, d.service, d.order, d.name))
    by_name = {o.name: o for o in observed}
    names = [d.name for d in desired]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"duplicate container names in desired set: {', '.join(dup)}")
    actions = [_plan_one(d, by_name.get(d.name)) for d in desired]
    wanted = set(names)
    orphans = sorted((o for o in by_name.values() if o.name not in wanted),
                     key=lambda o: (-o.step, o.service, o.name))
    actions += [Action(ActionKind.REMOVE, o.name, o.service, o.step,
                       "no longer part of the deployment", None, o) for o in orphans]
    return Plan(tuple(actions))
