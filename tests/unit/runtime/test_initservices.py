"""The distribution's init services, against fake sysv scripts and a fake systemctl."""
from __future__ import annotations

import subprocess

import pytest

from undercroft.errors import DeployError
from undercroft.runtime.initservices import SystemdServices, SysvServices


class FakeHost:
    """init scripts' LSB answers and update-rc.d, kept in memory."""

    def __init__(self, running=(), stubborn=()):
        self.running, self.stubborn, self.calls, self.enabled = set(running), set(stubborn), [], {}

    def __call__(self, argv):
        self.calls.append(argv)
        if argv[0] == "update-rc.d":
            self.enabled[argv[1]] = argv[2] == "enable"
            return subprocess.CompletedProcess(argv, 0, "", "")
        name, verb = argv[0].rsplit("/", 1)[1], argv[1]
        if verb == "status":
            return subprocess.CompletedProcess(argv, 0 if name in self.running else 3, "", "")
        if verb == "stop" and name not in self.stubborn:
            self.running.discard(name)
        if verb == "start":
            self.running.add(name)
        return subprocess.CompletedProcess(argv, 0, "", "")


@pytest.fixture
def init_d(tmp_path):
    for name in ("nova-api", "tftpd-hpa"):
        (tmp_path / name).write_text("#!/bin/sh\n")
    return tmp_path


def test_sysv_disable_stops_then_keeps_it_from_starting_at_boot(init_d):
    host = FakeHost(running={"nova-api"})
    sysv = SysvServices(init_d, run=host)
    assert sysv.present("nova-api") and not sysv.present("nova-compute")
    sysv.disable("nova-api")
    assert [f"{init_d}/nova-api", "stop"] in host.calls and host.enabled == {"nova-api": False}
    assert not sysv.active("nova-api")
    sysv.disable("tftpd-hpa")  # not running: only disabled
    assert [f"{init_d}/tftpd-hpa", "stop"] not in host.calls and host.enabled["tftpd-hpa"] is False


def test_sysv_a_service_that_survives_stop_is_named(init_d):
    sysv = SysvServices(init_d, run=FakeHost(running={"nova-api"}, stubborn={"nova-api"}))
    with pytest.raises(DeployError, match="nova-api still runs after"):
        sysv.disable("nova-api")


def test_sysv_enable_is_the_rollback(init_d):
    host = FakeHost()
    SysvServices(init_d, run=host).enable("nova-api")
    assert host.enabled == {"nova-api": True} and "nova-api" in host.running


def test_systemd_disable_now_and_enable_now(tmp_path):
    (tmp_path / "nova-api.service").write_text("[Service]\n")
    calls = []
    units = SystemdServices((tmp_path,), run=lambda argv: calls.append(argv) or
                            subprocess.CompletedProcess(argv, 0, "", ""))
    assert units.present("nova-api") and not units.present("nova-compute")
    units.disable("nova-api")
    units.enable("nova-api")
    assert calls == [["systemctl", "disable", "--now", "nova-api.service"],
                     ["systemctl", "enable", "--now", "nova-api.service"]]


def test_a_failing_systemctl_is_one_message_with_its_output(tmp_path):
    units = SystemdServices((tmp_path,), run=lambda argv: subprocess.CompletedProcess(
        argv, 1, "", "Failed to disable unit: Access denied"))
    with pytest.raises(DeployError, match="systemctl disable --now nova-api failed") as err:
        units.disable("nova-api")
    assert "Access denied" in err.value.detail
