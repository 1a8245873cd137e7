"""The deployment record: defaults, migration from the older files, what configure does
with it."""
from __future__ import annotations

import json
import stat

import pytest

from undercroft.errors import ConfigError
from undercroft.lifecycle import deployment, role_choice
from undercroft.state import StateDir, records
from undercroft.state.records import DeploymentRecord


@pytest.fixture
def state(tmp_path) -> StateDir:
    return StateDir(tmp_path / "state")


def test_a_new_state_dir_reads_as_a_containerized_zed_deployment_and_stays_unwritten(state):
    assert records.load(state) == DeploymentRecord(
        version=1, runtime="containers", layout="data_root", roles_file=None, env_files=(),
        release="zed")
    assert not state.root.exists()  # plan and status write nothing


def test_a_baremetal_install_from_before_the_record_stays_baremetal(state):
    state.ensure()
    state.host_units.write_text("{}\n")
    assert records.load(state).runtime == "baremetal"


def test_an_upgrade_from_before_the_record_keeps_the_host_layout(state):
    """Mid-upgrade both files exist: the marker wins, as it did."""
    state.ensure()
    state.host_units.write_text("{}\n")
    state.host_layout_marker.write_text("upgraded from baremetal\n")
    record = records.load(state)
    assert (record.runtime, record.layout) == ("containers", "host")


def test_deploys_role_choice_from_before_the_record_is_carried_over(state, tmp_path):
    state.ensure()
    state.role_choice.write_text(json.dumps(
        {"roles_file": "Standalone", "env_files": [str(tmp_path / "e.yaml")]}))
    record = records.update(state, release="zed")  # any write keeps what was derived
    assert (record.roles_file, record.env_files) == ("Standalone", (tmp_path / "e.yaml",))
    assert records.load(state) == record
    assert state.role_choice.exists()  # the older file is left where it was


def test_once_written_the_record_is_what_counts(state):
    state.ensure()
    state.host_units.write_text("{}\n")
    records.update(state, runtime="containers", layout="host")
    state.host_units.unlink()  # as the end of an upgrade does
    assert records.load(state).layout == "host"
    saved = json.loads(state.deployment_record.read_text())
    assert saved == {"version": 1, "runtime": "containers", "layout": "host",
                     "roles_file": None, "env_files": [], "release": "zed"}
    assert stat.S_IMODE(state.deployment_record.stat().st_mode) == 0o600


@pytest.mark.parametrize("text,hint", [
    ('{"version": 2, "runtime": "containers"}', "Undercroft that installed"),
    ('{"runtime": "vms"}', "fix the JSON"),
    ('{"runtime": "containers", "colour": "blue"}', "fix the JSON"),
    ("not json", "fix the JSON"),
])
def test_a_record_this_version_cannot_read_is_refused_with_a_way_out(state, text, hint):
    state.ensure()
    state.deployment_record.write_text(text)
    with pytest.raises(ConfigError, match="deployment.json") as err:
        records.load(state)
    assert hint in err.value.hint


def test_an_unreadable_older_role_choice_says_how_to_recover(state):
    state.ensure()
    state.role_choice.write_text("{")
    with pytest.raises(ConfigError, match="deploy-role.json: unreadable") as err:
        records.load(state)
    assert f"remove {state.role_choice}" in err.value.hint


def test_role_choice_lives_in_the_record(state, tmp_path):
    choice = role_choice.RoleChoice("Standalone", (tmp_path / "e.yaml",))
    role_choice.save(state, choice)
    assert role_choice.load(state) == choice
    assert not state.role_choice.exists()  # only the record is written now
    assert records.load(state).roles_file == "Standalone"


@pytest.mark.parametrize("runtime,layout,baremetal,host_layout", [
    ("containers", "data_root", False, False),
    ("baremetal", "data_root", True, False),
    ("containers", "host", False, True),
])
def test_configure_follows_the_record(write_conf, runtime, layout, baremetal, host_layout):
    conf = write_conf()
    records.update(deployment.settings(conf).state, runtime=runtime, layout=layout)
    s = deployment.settings(conf)
    assert (s.baremetal, s.host_layout) == (baremetal, host_layout)


def test_undercloud_conf_still_chooses_the_runtime_of_a_containerized_record(write_conf):
    """containers is the default, not a choice to keep: as before the record, a
    deployment becomes baremetal only by being installed so."""
    conf = write_conf(undercroft="baremetal = true\n")
    records.update(deployment.settings(conf).state, runtime="containers")
    assert deployment.settings(conf).baremetal


def test_a_deployment_converged_on_the_host_runtime_stays_there(write_conf, monkeypatch):
    """install --baremetal once; start, stop, plan and update later without the flag."""
    from tests.unit.fakes import FakePodman
    from undercroft.report import Reporter
    from undercroft.runtime.executor import StepExecutor

    monkeypatch.setattr(deployment.hostprep, "prepare", lambda *a: None)
    monkeypatch.setattr(deployment.hostpackages, "install", lambda *a: None)
    monkeypatch.setattr(deployment.hostpackages, "run_setup", lambda *a: None)
    dep = deployment.load(write_conf(), {"baremetal": True})
    runtime, reporter = FakePodman(), Reporter(quiet=True)
    deployment.converge(dep, runtime, reporter, StepExecutor(runtime, reporter, dep.labels_for),
                        steps=frozenset())  # no step: only what converge records
    assert records.load(dep.settings.state).runtime == "baremetal"
    assert deployment.settings(write_conf()).baremetal


def test_the_installed_release_is_the_records_else_zed_for_an_older_deployment(tmp_path):
    from undercroft.state import records
    from undercroft.state.layout import StateDir
    state = StateDir(tmp_path / "state")
    assert records.installed_release(state) is None  # nothing installed yet
    records.update(state, roles_file="Standalone")  # deploy records its role first
    assert records.installed_release(state) is None  # still nothing installed
    state.deployment_record.unlink()
    (state.configs / "keystone").mkdir(parents=True)
    assert records.installed_release(state) == "zed"  # from before the record
    records.update(state, release="epoxy")
    assert records.installed_release(state) == "epoxy"
