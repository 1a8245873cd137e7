"""UpdateExecutor: a recreate keeps the previous container until the new one is healthy,
and puts it back (with its config) when the new one is not."""
from __future__ import annotations

import io

import pytest
from rich.console import Console

from undercroft.errors import DeployError
from undercroft.plan import ActionKind, make_plan
from undercroft.report import Reporter
from undercroft.runtime.executor import UpdateExecutor

from ..fakes import FakePodman, desired, observed_like


@pytest.fixture
def reporter():
    return Reporter(console=Console(file=io.StringIO(), width=200))


def setup(tmp_path, health):
    old = desired("memcached", "memcached", 2, log_dir=tmp_path, inputs={"config": {"a": "1"}})
    new = desired("memcached", "memcached", 2, log_dir=tmp_path, inputs={"config": {"a": "2"}},
                  timeout=0.2)
    other = desired("keystone", "keystone", 4, log_dir=tmp_path, inputs={"config": {"k": "1"}})
    other_new = desired("keystone", "keystone", 4, log_dir=tmp_path, inputs={"config": {"k": "2"}})
    podman = FakePodman(observed=[observed_like(old, state="running"),
                                  observed_like(other, state="running")], health=health)
    plan = make_plan([new, other_new], podman.observed)
    assert [a.kind for a in plan.actions] == [ActionKind.RECREATE, ActionKind.RECREATE]
    log = []
    ex = UpdateExecutor(podman, Reporter(quiet=True), labels_for=lambda d: {},
                        before_start=lambda d: log.append(("write", d.name)),
                        keep_config=lambda n: log.append(("keep", n)),
                        restore_config=lambda n: log.append(("restore", n)),
                        drop_config=lambda n: log.append(("drop", n)), poll=0.001)
    return podman, plan, ex, log


def test_healthy_recreate_drops_the_previous_container(tmp_path):
    podman, plan, ex, log = setup(tmp_path, health={})
    ex.execute(plan, {})
    assert podman.writes[:4] == [("stop", "memcached"), ("rename", "memcached->memcached-previous"),
                                 ("run_detached", "memcached"), ("remove", "memcached-previous")]
    assert ("keep", "memcached") in log and ("drop", "memcached") in log
    assert ("run_detached", "keystone") in podman.writes


def test_unhealthy_recreate_rolls_back_and_stops_the_update(tmp_path):
    # the new container is never healthy; once renamed back, the previous one is
    podman, plan, ex, log = setup(tmp_path, health={"memcached": 1})

    def healthy_again(method, name):
        if method == "rename" and name == "memcached-previous->memcached":
            podman.health["memcached"] = 0
    podman.on_call = healthy_again
    with pytest.raises(DeployError) as err:
        ex.execute(plan, {})
    assert "previous memcached is back and healthy" in err.value.message
    writes = podman.writes
    assert writes[writes.index(("run_detached", "memcached")) + 1:] == [
        ("remove", "memcached"), ("rename", "memcached-previous->memcached"),
        ("start", "memcached")]
    assert ("restore", "memcached") in log and ("drop", "memcached") not in log
    assert ("run_detached", "keystone") not in writes  # later steps untouched


def test_a_container_missing_already_is_just_created(tmp_path):
    podman, plan, ex, log = setup(tmp_path, health={})
    podman.missing.add("memcached")
    ex.execute(plan, {})
    assert ("rename", "memcached->memcached-previous") not in podman.writes
