"""make_plan edge cases and the Plan/hashing helpers the runtime relies on."""
from __future__ import annotations

import pytest

from undercroft.plan import ActionKind, ObservedContainer, make_plan
from undercroft.plan.hashing import changed_inputs, config_hash, digest, short
from undercroft.plan.model import STEP_LABEL

from ..fakes import desired, observed_like


def test_duplicate_desired_names_are_refused():
    with pytest.raises(ValueError, match="duplicate container names in desired set: mysql"):
        make_plan([desired("mysql", "mariadb", 2), desired("mysql", "other", 3)], [])


def test_second_run_after_converging_is_all_keep():
    want = [desired("mysql_bootstrap", "mariadb", 2, 1, oneshot=True),
            desired("mysql", "mariadb", 2, 2), desired("keystone", "keystone", 4)]
    first = make_plan(want, [])
    assert [a.kind for a in first.actions] == [ActionKind.CREATE] * 3
    after = [observed_like(d, state="exited" if d.oneshot else "running") for d in want]
    again = make_plan(want, after)
    assert again.writes == []
    assert again.summary() == "3 keep"


def test_plan_chains_group_by_service_in_order_and_exclude_removals():
    want = [desired("keystone", "keystone", 4), desired("mysql", "mariadb", 2, 2),
            desired("mysql_bootstrap", "mariadb", 2, 1, oneshot=True),
            desired("memcached", "memcached", 2)]
    orphan = observed_like(desired("gone", "old", 2))
    plan = make_plan(want, [orphan])
    assert plan.steps() == [2, 4]
    chains = plan.chains(2)
    assert list(chains) == ["mariadb", "memcached"]
    assert [a.name for a in chains["mariadb"]] == ["mysql_bootstrap", "mysql"]
    assert [a.name for a in plan.removals()] == ["gone"]
    assert plan.summary() == "4 create, 1 remove"
    assert make_plan([], []).summary() == "nothing to do"


def test_observed_step_label_garbage_reads_as_zero():
    o = ObservedContainer("x", {STEP_LABEL: "four"}, "running")
    assert o.step == 0 and o.config_hash == "" and not o.oneshot


def test_config_hash_is_stable_and_key_order_independent():
    a = {"image": "i", "spec": {"volumes": "1", "network": "2"}}
    b = {"spec": {"network": "2", "volumes": "1"}, "image": "i"}
    assert config_hash(a) == config_hash(b)
    assert config_hash(a) != config_hash({**a, "image": "j"})
    assert len(short(digest("x"))) == 12
    assert digest("abc") == digest(b"abc")


def test_changed_inputs_names_nested_keys_and_whole_groups():
    old = {"image": "a", "spec": {"volumes": "1", "env": "2"}, "config": {"/etc/x": "1"}}
    new = {"image": "b", "spec": {"volumes": "1", "env": "3", "cap_add": "4"},
           "config": {"/etc/y": "1"}}
    assert changed_inputs(old, new) == [
        "config:/etc/x", "config:/etc/y", "image", "spec:cap_add", "spec:env"]
    assert changed_inputs(old, old) == []
    assert changed_inputs({}, {"image": "a"}) == ["image"]
