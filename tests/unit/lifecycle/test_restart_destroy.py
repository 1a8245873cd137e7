"""start / stop / destroy against a fake podman: order, and what is (not) touched."""
from __future__ import annotations

import pytest

from undercroft.config import loader
from undercroft.config.translate import translate
from undercroft.lifecycle import destroy, restart
from undercroft.plan.model import ObservedContainer
from undercroft.report import Reporter
from undercroft.runtime import hostprep
from tests.unit.fakes import FakePodman


def obs(name, step, state="exited", oneshot=False, after=""):
    return ObservedContainer(name, {"undercroft.step": str(step), "undercroft.service": name,
                                    "undercroft.oneshot": "true" if oneshot else "false",
                                    "undercroft.after": after, "undercroft.timeout": "5"},
                             state, exit_code=0)


@pytest.fixture
def settings(write_conf, tmp_path):
    return translate(loader.load(write_conf())).settings


def test_start_brings_up_the_network_then_steps_in_order(settings, monkeypatch):
    made = []
    monkeypatch.setattr(restart.hostprep, "ensure_namespace",
                        lambda s, r: made.append(s.network_namespace) or ["created namespace"])
    podman = FakePodman(observed=[obs("glance_api", 4), obs("keystone_db_sync", 3, oneshot=True),
                                  obs("haproxy", 1, after="keepalived"), obs("keepalived", 1),
                                  obs("mysql", 2, state="running")])
    assert restart.start(settings, podman, Reporter(quiet=True)) == 3
    assert made == ["ucunit"]
    started = podman.names("start")
    assert started == ["keepalived", "haproxy", "glance_api"]
    assert "keystone_db_sync" not in [n for _, n in podman.writes]


def test_stop_goes_last_step_first(settings):
    podman = FakePodman(observed=[obs("mysql", 2, "running"), obs("glance_api", 4, "running"),
                                  obs("keystone", 3, "running")])
    assert restart.stop(settings, podman, Reporter(quiet=True)) == 3
    assert podman.names("stop_many") == ["glance_api", "keystone", "mysql"]


def test_destroy_keeps_data_unless_purged(settings, tmp_path):
    settings.state_dir.mkdir(parents=True)
    data = tmp_path / "data" / "mysql"
    hostprep.record_created(settings.state, hostprep.ensure_dirs(
        [(settings.state.configs, "0700"), (data, "0750")], Reporter(quiet=True)))
    foreign = tmp_path / "data" / "not-ours"
    foreign.mkdir()
    podman = FakePodman(observed=[obs("mysql", 2, "running"), obs("keystone_db_sync", 3,
                                                                  oneshot=True)])
    destroy.destroy(settings, podman, Reporter(quiet=True), purge_data=False)
    assert set(podman.names("remove")) == {"mysql", "keystone_db_sync"}
    assert data.is_dir() and settings.state_dir.is_dir()

    destroy.destroy(settings, FakePodman(), Reporter(quiet=True), purge_data=True)
    assert not data.exists() and not settings.state_dir.exists()
    assert foreign.is_dir()  # never created by host prep: untouched
