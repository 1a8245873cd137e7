"""Row counts: what changed between before and after an upgrade."""
from __future__ import annotations

from undercroft.lifecycle.counts import compare, row_counts


def test_compare_tells_lost_rows_from_rows_the_services_added():
    before = {"keystone.user": 5, "glance.images": 2, "nova.instances": 0}
    after = {"keystone.user": 5, "glance.images": 1, "heat.stack": 0}
    after["keystone.password"] = 9
    before["keystone.password"] = 7
    lost, grew = compare(before, after)
    assert lost == ["glance.images: 2 -> 1", "nova.instances: 0 -> -"]
    assert grew == ["heat.stack: - -> 0", "keystone.password: 7 -> 9"]
    assert compare(before, dict(before)) == ([], [])


def test_row_counts_of_nothing_asks_nothing():
    assert row_counts(("false",), ()) == {}
