"""start/stop plans come from labels alone."""
from __future__ import annotations

from pathlib import Path

from undercroft.plan.model import ActionKind, ObservedContainer
from undercroft.plan.restart import start_plan, stop_order


def obs(name, step, state="exited", oneshot=False, order=1, after="", service=None):
    labels = {"undercroft.step": str(step), "undercroft.service": service or name,
              "undercroft.oneshot": "true" if oneshot else "false",
              "undercroft.order": str(order), "undercroft.after": after,
              "undercroft.timeout": "60"}
    return ObservedContainer(name, labels, state)


def test_start_plan_starts_stopped_services_in_step_order_and_never_reruns_oneshots():
    observed = [obs("nova_conductor", 4, after="placement_api", service="nova"),
                obs("keystone_db_sync", 3, oneshot=True, service="keystone"),
                obs("mysql", 2, order=2, service="mariadb"),
                obs("placement_api", 4, state="running", service="placement"),
                obs("keepalived", 1)]
    plan = start_plan(observed, Path("/var/log/uc"))
    kinds = {a.name: a.kind for a in plan.actions}
    assert kinds == {"keepalived": ActionKind.START, "mysql": ActionKind.START,
                     "keystone_db_sync": ActionKind.KEEP, "placement_api": ActionKind.KEEP,
                     "nova_conductor": ActionKind.START}
    assert plan.steps() == [1, 2, 3, 4]
    conductor = next(a for a in plan.actions if a.name == "nova_conductor").desired
    assert conductor.after == ("placement_api",)
    assert conductor.spec == {"timeout": 60, "log_path": "/var/log/uc/containers/nova_conductor.log"}


def test_containers_from_before_the_ordering_labels_still_start():
    old = ObservedContainer("mysql", {"undercroft.step": "2", "undercroft.service": "mariadb",
                                      "undercroft.oneshot": "false"}, "exited")
    [a] = start_plan([old], Path("/l")).actions
    assert a.kind is ActionKind.START and a.desired.spec["timeout"] == 300
    assert a.desired.after == ()


def test_stop_order_is_last_step_first_and_skips_oneshots():
    observed = [obs("mysql", 2, "running"), obs("keystone", 3, "running"),
                obs("keystone_db_sync", 3, "exited", oneshot=True), obs("glance_api", 4, "running"),
                obs("heat_api", 4, "exited")]
    assert stop_order(observed) == [["glance_api"], ["keystone"], ["mysql"]]
