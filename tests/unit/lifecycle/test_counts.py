"""Row counts: what changed between before and after an upgrade."""
from __future__ import annotations

from undercroft.lifecycle.counts import compare, row_counts


def test_compare_names_changed_new_and_gone_tables():
    before = {"keystone.user": 5, "glance.images": 2, "nova.instances": 0}
    after = {"keystone.user": 5, "glance.images": 1, "heat.stack": 0}
    assert compare(before, after) == ["glance.images: 2 -> 1", "heat.stack: - -> 0",
                                      "nova.instances: 0 -> -"]
    assert compare(before, dict(before)) == []


def test_row_counts_of_nothing_asks_nothing():
    assert row_counts(("false",), ()) == {}
