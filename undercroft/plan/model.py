"""Value types of the plan core: what we want, what is there, what to do about it."""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from undercroft.plan.hashing import config_hash

MANAGED_LABEL = "undercroft.managed"
DEPLOYMENT_LABEL = "undercroft.deployment"
SERVICE_LABEL = "undercroft.service"
STEP_LABEL = "undercroft.step"
ONESHOT_LABEL = "undercroft.oneshot"
HASH_LABEL = "undercroft.config-hash"
INPUTS_LABEL = "undercroft.inputs"
# Ordering facts for `undercroft start`, which works from podman's state alone (no render).
ORDER_LABEL = "undercroft.order"
AFTER_LABEL = "undercroft.after"
TIMEOUT_LABEL = "undercroft.timeout"


def mounts(volumes: Iterable[str]) -> list[tuple[str, str]]:
    """(host path, container path) of each ``host:container[:opts]`` volume."""
    out = []
    for v in volumes:
        host, sep, rest = v.partition(":")
        if sep:
            out.append((host, rest.split(":")[0]))
    return out


@dataclass(frozen=True)
class DesiredContainer:
    """A container the deployment wants, fully rendered (no templates left).

    ``inputs`` maps input groups to short hashes: ``{"image": tag, "spec": {field: h},
    "config": {path: h}}``; its digest is the config hash that decides recreation.
    """

    name: str
    service: str
    step: int
    order: int  # position in the service's chain within the step
    image: str
    oneshot: bool = False
    spec: dict[str, Any] = field(default_factory=dict)  # podman-level settings
    inputs: dict[str, Any] = field(default_factory=dict)
    after: tuple[str, ...] = ()  # same-step containers to wait for (ordering, not hashed)

    @property
    def config_hash(self) -> str:
        return config_hash(self.inputs)


@dataclass(frozen=True)
class ObservedContainer:
    """A managed container as the runtime reports it."""

    name: str
    labels: dict[str, str]
    state: str  # running | exited | created | stopped | lost (listed running, process gone) | ...
    exit_code: int = 0
    health: str = ""  # healthy | unhealthy | starting | ""
    started_at: int = 0  # unix time of the last start (0: never)
    image: str = ""

    @property
    def config_hash(self) -> str:
        return self.labels.get(HASH_LABEL, "")

    @property
    def service(self) -> str:
        return self.labels.get(SERVICE_LABEL, "")

    @property
    def step(self) -> int:
        try:
            return int(self.labels.get(STEP_LABEL, "0"))
        except ValueError:
            return 0

    @property
    def oneshot(self) -> bool:
        return self.labels.get(ONESHOT_LABEL) == "true"


class ActionKind(str, enum.Enum):
    CREATE = "create"
    RECREATE = "recreate"
    START = "start"
    REMOVE = "remove"
    KEEP = "keep"

    @property
    def writes(self) -> bool:
        return self is not ActionKind.KEEP


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    name: str
    service: str
    step: int
    reason: str
    desired: Optional[DesiredContainer] = None
    observed: Optional[ObservedContainer] = None

    @property
    def wanted(self) -> DesiredContainer:
        """``desired``, which every action but a removal has (what the executor runs)."""
        if self.desired is None:
            raise ValueError(f"{self.kind.value} {self.name}: no desired container")
        return self.desired

    def describe(self) -> str:
        return f"{self.kind.value:<8} {self.name:<28} step {self.step}  {self.reason}"


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]

    @property
    def writes(self) -> list[Action]:
        return [a for a in self.actions if a.kind.writes]

    @property
    def unchanged(self) -> list[Action]:
        return [a for a in self.actions if not a.kind.writes]

    def steps(self) -> list[int]:
        return sorted({a.step for a in self.actions})

    def chains(self, step: int) -> dict[str, list[Action]]:
        """Actions of one step grouped per service, in chain order (run in parallel)."""
        out: dict[str, list[Action]] = {}
        for a in self.actions:
            if a.step == step and a.kind is not ActionKind.REMOVE:
                out.setdefault(a.service, []).append(a)
        return out

    def only_steps(self, steps: "set[int] | frozenset[int]") -> "Plan":
        """The actions of some steps: a multi-host deploy runs step N on every host
        before step N+1 anywhere (the Ansible playbook calls ``install --step N``)."""
        return Plan(tuple(a for a in self.actions if a.step in steps))

    def removals(self) -> list[Action]:
        return [a for a in self.actions if a.kind is ActionKind.REMOVE]

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for a in self.actions:
            counts[a.kind.value] = counts.get(a.kind.value, 0) + 1
        order = [k.value for k in ActionKind]
        return ", ".join(f"{counts[k]} {k}" for k in order if k in counts) or "nothing to do"


def labels(desired: DesiredContainer, deployment: str) -> dict[str, str]:
    """Labels carry names and hashes only — never values. (Pure, here rather than in
    render/, so using the engine as a library does not import jinja2 and pydantic.)"""
    return {
        MANAGED_LABEL: "true",
        DEPLOYMENT_LABEL: deployment,
        SERVICE_LABEL: desired.service,
        STEP_LABEL: str(desired.step),
        ONESHOT_LABEL: "true" if desired.oneshot else "false",
        HASH_LABEL: desired.config_hash,
        INPUTS_LABEL: json.dumps(desired.inputs, sort_keys=True, separators=(",", ":")),
        ORDER_LABEL: str(desired.order),
        AFTER_LABEL: ",".join(desired.after),
        TIMEOUT_LABEL: str(desired.spec.get("timeout", 300)),
    }
