"""``upgrade --cleanup``: only after a finished upgrade from host processes."""
from __future__ import annotations

import pytest

from undercroft.errors import DeployError
from undercroft.lifecycle import deployment, upgrade
from undercroft.report import Reporter
from undercroft.state import records


@pytest.fixture
def dep(write_conf):
    return deployment.load(write_conf("upgrade_cleanup = true\n"))


def test_upgrade_cleanup_option_reaches_the_parameter(dep):
    assert dep.translated.parameters["UpgradeRemoveUnusedPackages"] is True


def test_cleanup_refuses_an_undercloud_that_was_never_on_host_packages(dep):
    with pytest.raises(DeployError, match="was not upgraded from host processes"):
        upgrade.cleanup(dep, Reporter(quiet=True))


def test_cleanup_refuses_while_the_upgrade_is_unfinished(dep):
    s = dep.settings
    records.update(s.state, runtime="containers", layout="host")
    s.state.upgrade_before.write_text("{}")
    with pytest.raises(DeployError, match="has not finished") as err:
        upgrade.cleanup(dep, Reporter(quiet=True))
    assert "then --cleanup" in err.value.hint


def test_cleanup_removes_the_service_packages_of_the_roles_images(dep, monkeypatch):
    records.update(dep.settings.state, runtime="containers", layout="host")
    asked, removed = [], []
    monkeypatch.setattr(upgrade.hostpackages, "service_packages",
                        lambda pkgs: asked.extend(pkgs) or ["keystone", "mariadb-server"])
    monkeypatch.setattr(upgrade.hostpackages, "remove", lambda pkgs, reporter: removed.extend(pkgs))
    assert upgrade.cleanup(dep, Reporter(quiet=True)) == ["keystone", "mariadb-server"]
    assert {"keystone", "mariadb-server", "rabbitmq-server", "ironic-conductor"} <= set(asked)
    assert removed == ["keystone", "mariadb-server"]


def test_a_host_process_log_moves_aside_before_its_container_logs_there(tmp_path):
    """podman 5 refuses a k8s-file log with the host process's plain lines in it."""
    from undercroft.lifecycle.upgrade import set_host_log_aside
    log = tmp_path / "ucbm-nova_flavors.log"
    log.write_text("created flavor baremetal\n")
    set_host_log_aside(str(log))
    assert not log.exists()
    assert (tmp_path / "ucbm-nova_flavors.host.log").read_text() == "created flavor baremetal\n"
    log.write_text("second run\n")  # a resumed upgrade: appended, nothing lost
    set_host_log_aside(str(log))
    assert (tmp_path / "ucbm-nova_flavors.host.log").read_text() == \
        "created flavor baremetal\nsecond run\n"
    set_host_log_aside(str(log))  # nothing there any more: nothing to do
    set_host_log_aside(None)
