"""Cleanup after an upgrade: which host packages go, and how (a fake dpkg/apt here)."""
from __future__ import annotations

import subprocess

import pytest

from undercroft.errors import DeployError
from undercroft.report import Reporter
from undercroft.runtime import hostpackages
from undercroft.state import StateDir

FILES = {
    "keystone": ["/.", "/etc/init.d/keystone", "/lib/systemd/system/keystone.service"],
    "mariadb-server": ["/.", "/lib/systemd/system/mariadb.service"],
    "python3-ironic": ["/.", "/usr/lib/python3/dist-packages/ironic/__init__.py"],
    "sudo": ["/.", "/etc/init.d/sudo"],  # a service, but the host's own tool
    "nova-compute": ["/.", "/lib/systemd/system/nova-compute.service"],
    "nova-compute-ironic": ["/.", "/usr/share/doc/nova-compute-ironic"],
    "iptables": ["/.", "/usr/sbin/iptables"],
    "haproxy": ["/.", "/etc/init.d/haproxy"],
}
INDEX = ("keystone\tkeystone\tinstall ok installed\tadduser, python3-keystone (= 1), debconf | debconf-2.0\n"
         "mariadb-server\tmariadb\tinstall ok installed\tmariadb-client\n"
         "python3-ironic\tironic\tinstall ok installed\tpython3-sushy\n"
         "sudo\tsudo\tinstall ok installed\tlibc6\n"
         "nova-compute-ironic\tnova\tinstall ok installed\tnova-compute, nova-common, iptables\n"
         "nova-compute\tnova\tinstall ok installed\tnova-common, iptables\n"
         "iptables\tiptables\tinstall ok installed\tlibc6\n"
         # removed earlier: only its configuration files (an init script among them) remain
         "haproxy\thaproxy\tdeinstall ok config-files\tlibc6\n")


class FakeApt:
    def __init__(self, remove_exit: int = 0):
        self.calls = []
        self.remove_exit = remove_exit
        self.policy_seen = None

    def __call__(self, argv, **kw):
        self.calls.append(argv)
        if argv[:2] == ["dpkg-query", "-W"]:
            return subprocess.CompletedProcess(argv, 0, INDEX, "")
        if argv[:2] == ["dpkg-query", "-L"]:
            files = FILES.get(argv[2])
            return subprocess.CompletedProcess(argv, 0 if files else 1, "\n".join(files or []), "")
        self.policy_seen = hostpackages.POLICY_RC_D.exists()
        return subprocess.CompletedProcess(argv, self.remove_exit, "", "E: dpkg was interrupted")


def test_only_installed_packages_that_ship_a_service_are_removed():
    apt = FakeApt()
    got = hostpackages.service_packages(["python3-ironic", "keystone", "sudo", "absent",
                                         "mariadb-server", "nova-compute-ironic", "haproxy"], run=apt)
    # nova-compute comes with nova-compute-ironic (same source); iptables does not
    assert got == ["keystone", "mariadb-server", "nova-compute"]
    assert ["dpkg-query", "-L", "sudo"] not in apt.calls  # never a candidate
    assert ["dpkg-query", "-L", "iptables"] not in apt.calls  # another source


def test_remove_is_apt_remove_not_purge(monkeypatch, tmp_path):
    monkeypatch.setattr(hostpackages, "POLICY_RC_D", tmp_path / "policy-rc.d")
    apt = FakeApt()
    hostpackages.remove(["keystone"], Reporter(quiet=True), run=apt)
    assert apt.calls == [["apt-get", "remove", "-y", "keystone"]]
    assert apt.policy_seen  # no maintainer script stops anything meanwhile
    assert not (tmp_path / "policy-rc.d").exists()


def test_a_failed_remove_says_what_to_re_run(monkeypatch, tmp_path):
    monkeypatch.setattr(hostpackages, "POLICY_RC_D", tmp_path / "policy-rc.d")
    with pytest.raises(DeployError, match="apt-get remove failed") as err:
        hostpackages.remove(["keystone"], Reporter(quiet=True), run=FakeApt(remove_exit=100))
    assert "upgrade --cleanup" in err.value.hint and "dpkg was interrupted" in err.value.detail


def test_distro_units_are_masked_where_systemd_runs_the_services(monkeypatch):
    apt = FakeApt()
    units = hostpackages.mask_distro_units(["keystone", "mariadb-server", "python3-ironic"],
                                           Reporter(quiet=True), run=apt)
    assert units == ["keystone.service", "mariadb.service"]
    assert apt.calls[-1] == ["systemctl", "mask", "keystone.service", "mariadb.service"]


def test_units_undercroft_masked_are_unmasked_before_their_packages_come_back(tmp_path):
    """A rollback after --cleanup reinstalls keystone, whose postinst enables its unit
    and fails on a masked one (found by the baremetal tier under a real systemd): the
    units Undercroft recorded as masked are unmasked first; others stay masked."""
    units, state = tmp_path / "units", StateDir(tmp_path / "state")
    units.mkdir()
    for name in ("keystone.service", "mariadb.service", "operator.service"):
        (units / name).symlink_to("/dev/null")
    hostpackages.record_masked(state, ["keystone.service", "mariadb.service", "gone.service"])
    hostpackages.record_masked(state, ["keystone.service"])  # recorded once
    assert state.masked_units.read_text().split() == [
        "keystone.service", "mariadb.service", "gone.service"]
    apt = FakeApt()
    got = hostpackages.unmask_recorded(state, Reporter(quiet=True), run=apt, unit_dir=units)
    assert got == ["keystone.service", "mariadb.service"]  # gone.service is no longer masked
    assert apt.calls == [["systemctl", "unmask", "keystone.service", "mariadb.service"]]
    assert hostpackages.unmask_recorded(StateDir(tmp_path / "nothing"), Reporter(quiet=True), run=apt,
                                        unit_dir=units) == []
