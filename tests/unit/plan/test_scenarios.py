"""Data-driven tests of make_plan: one YAML file per convergence scenario.

Scenario format (tests/unit/plan/scenarios/*.yaml)::

    desired:    # what the deployment wants
      - {name, service, step, order, oneshot: false, image: ..., inputs: {...}}
    observed:   # what podman reports
      - {name, service, step, oneshot, state, exit_code: 0, health: "", inputs: {...}}
    expected:   # the plan, in order
      - [kind, name, reason-substring]

Defaults keep the files short:
  * desired ``image`` is ``localhost/undercroft/<service>:v1``; desired ``inputs`` is
    ``{image: <image>, config: {config.json: <name>}}``.
  * an observed entry without ``inputs`` has the *same* inputs as the desired container of
    that name (i.e. "unchanged"); ``service``/``step``/``oneshot`` default to the desired's.
  * observed labels carry ``undercroft.config-hash`` = config_hash(inputs) and
    ``undercroft.inputs`` = the inputs as JSON, exactly as the renderer writes them;
    ``inputs_label: false`` leaves the latter out (containers from an older release).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from undercroft.plan import ActionKind, DesiredContainer, ObservedContainer, make_plan
from undercroft.plan.hashing import config_hash
from undercroft.plan.model import (
    DEPLOYMENT_LABEL, HASH_LABEL, INPUTS_LABEL, MANAGED_LABEL, ONESHOT_LABEL, SERVICE_LABEL,
    STEP_LABEL,
)

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))
DESIRED_KEYS = {"name", "service", "step", "order", "oneshot", "image", "inputs"}
OBSERVED_KEYS = {"name", "service", "step", "oneshot", "state", "exit_code", "health",
                 "inputs", "inputs_label"}


def build_desired(entry: dict) -> DesiredContainer:
    assert set(entry) <= DESIRED_KEYS, f"unknown keys in desired entry: {set(entry) - DESIRED_KEYS}"
    image = entry.get("image", f"localhost/undercroft/{entry['service']}:v1")
    inputs = entry.get("inputs", {"image": image, "config": {"config.json": entry["name"]}})
    return DesiredContainer(name=entry["name"], service=entry["service"], step=entry["step"],
                            order=entry.get("order", 1), image=image,
                            oneshot=entry.get("oneshot", False), spec={}, inputs=inputs)


def build_observed(entry: dict, desired_by_name: dict[str, DesiredContainer]) -> ObservedContainer:
    assert set(entry) <= OBSERVED_KEYS, f"unknown keys in observed entry: {set(entry) - OBSERVED_KEYS}"
    d = desired_by_name.get(entry["name"])
    inputs = entry["inputs"] if "inputs" in entry else d.inputs
    oneshot = entry.get("oneshot", d.oneshot if d else False)
    labels = {
        MANAGED_LABEL: "true",
        DEPLOYMENT_LABEL: "undercloud",
        SERVICE_LABEL: entry.get("service", d.service if d else ""),
        STEP_LABEL: str(entry.get("step", d.step if d else 0)),
        ONESHOT_LABEL: "true" if oneshot else "false",
        HASH_LABEL: config_hash(inputs),
    }
    if entry.get("inputs_label", True):
        labels[INPUTS_LABEL] = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    return ObservedContainer(name=entry["name"], labels=labels, state=entry["state"],
                             exit_code=entry.get("exit_code", 0), health=entry.get("health", ""))


def load_scenario(path: Path):
    data = yaml.safe_load(path.read_text())
    assert set(data) == {"desired", "observed", "expected"}, f"{path.name}: bad top-level keys"
    desired = [build_desired(e) for e in data["desired"] or []]
    by_name = {d.name: d for d in desired}
    observed = [build_observed(e, by_name) for e in data["observed"] or []]
    expected = [tuple(e) for e in data["expected"] or []]
    return desired, observed, expected


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path):
    desired, observed, expected = load_scenario(path)
    plan = make_plan(desired, observed)
    got = [(a.kind.value, a.name, a.reason) for a in plan.actions]
    assert [(k, n) for k, n, _ in got] == [(k, n) for k, n, _ in expected], (
        f"{path.name}: plan differs:\n" + "\n".join(a.describe() for a in plan.actions))
    for (kind, name, reason), (_, _, want) in zip(got, expected):
        assert want in reason, f"{path.name}: {kind} {name}: reason {reason!r} lacks {want!r}"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_is_independent_of_input_order(path):
    """Same plan whatever order podman lists containers or templates yield them."""
    desired, observed, _ = load_scenario(path)
    reference = make_plan(desired, observed)
    rng = random.Random(path.stem)
    for _ in range(5):
        d, o = desired[:], observed[:]
        rng.shuffle(d)
        rng.shuffle(o)
        assert make_plan(d, o) == reference


def test_scenarios_cover_every_action_kind():
    kinds = set()
    for path in SCENARIOS:
        kinds |= {e[0] for e in load_scenario(path)[2]}
    assert kinds == {k.value for k in ActionKind}


def test_there_are_scenarios():
    names = {p.stem for p in SCENARIOS}
    assert {"fresh", "noop", "config_changed", "image_changed", "stopped_start",
            "oneshot_failed", "oneshot_completed", "orphan", "unhealthy", "ordering"} <= names
