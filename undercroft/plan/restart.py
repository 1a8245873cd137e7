"""Plans that work from what podman holds alone: start after a reboot, stop for one.

``undercroft start`` must bring an installed undercloud back even when its templates or
undercloud.conf changed since (or no longer render): it starts each container exactly as
it was installed, in step order, honouring ``after:``, using only the containers' labels.
One-shots are never re-run; changing anything is ``install``'s job.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from undercroft.plan.model import (
    AFTER_LABEL, ORDER_LABEL, TIMEOUT_LABEL, Action, ActionKind, DesiredContainer,
    ObservedContainer, Plan,
)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


def as_installed(o: ObservedContainer, log_dir: Path) -> DesiredContainer:
    """The container as its labels describe it (enough to start and wait for it)."""
    after = tuple(n for n in o.labels.get(AFTER_LABEL, "").split(",") if n)
    return DesiredContainer(
        name=o.name, service=o.service, step=o.step, order=_int(o.labels.get(ORDER_LABEL), 0),
        image="", oneshot=o.oneshot, after=after,
        spec={"timeout": _int(o.labels.get(TIMEOUT_LABEL), 300),
              "log_path": str(log_dir / "containers" / f"{o.name}.log")})


def start_plan(observed: Iterable[ObservedContainer], log_dir: Path) -> Plan:
    actions = []
    for o in sorted(observed, key=lambda o: (o.step, o.service, _int(o.labels.get(ORDER_LABEL), 0),
                                             o.name)):
        d = as_installed(o, log_dir)
        if o.oneshot:
            kind, reason = ActionKind.KEEP, "one-shot: not re-run by start"
        elif o.state == "running":
            kind, reason = ActionKind.KEEP, "already running"
        else:
            kind, reason = ActionKind.START, f"{o.state}: start as installed"
        actions.append(Action(kind, o.name, o.service, o.step, reason, d, o))
    return Plan(tuple(actions))


def stop_order(observed: Iterable[ObservedContainer]) -> list[list[str]]:
    """Running long-running containers, grouped by step, last step first."""
    by_step: dict[int, list[str]] = {}
    for o in observed:
        if not o.oneshot and o.state == "running":
            by_step.setdefault(o.step, []).append(o.name)
    return [sorted(by_step[s]) for s in sorted(by_step, reverse=True)]
