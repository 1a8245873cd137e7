"""The distribution's init services, against fake sysv scripts and a fake systemctl."""
from __future__ import annotations

import subprocess

import pytest

from undercroft.errors import DeployError
from undercroft.runtime.initservices import SystemdServices, SysvServices


class FakeHost:
    """init scripts' LSB exit codes and update-rc.d, kept in memory."""

    def __init__(self, running=(), stubborn=()):
        self.running, self.stubborn, self.calls, self.enabled = set(running), set(stubborn), [], {}

    def __call__(self, argv):
        self.calls.append(argv)
        if "sh" in argv:  # after_stop's command
            return subprocess.CompletedProcess(argv, 1, "", "Cannot connect to local epmd")
        if argv[0] == "update-rc.d":
            self.enabled[argv[1]] = argv[2] == "enable"
            return subprocess.CompletedProcess(argv, 0, "", "")
        name, verb = argv[-2].rsplit("/", 1)[1], argv[-1]
        if verb == "stop" and name in self.stubborn:
            return subprocess.CompletedProcess(argv, 1, "", "timeout waiting for pidfile")
        if verb == "stop":
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
    assert host.calls == [[f"{init_d}/nova-api", "stop"], ["update-rc.d", "nova-api", "disable"]]
    assert host.enabled == {"nova-api": False} and not host.running


def test_sysv_a_failing_stop_is_named_and_leaves_it_enabled(init_d):
    host = FakeHost(running={"nova-api"}, stubborn={"nova-api"})
    with pytest.raises(DeployError, match="nova-api stop failed"):
        SysvServices(init_d, run=host).disable("nova-api")
    assert host.enabled == {}  # update-rc.d not run: a re-run tries the stop again


def test_sysv_enable_is_the_rollback(init_d):
    host = FakeHost()
    SysvServices(init_d, run=host).enable("nova-api")
    assert host.enabled == {"nova-api": True} and "nova-api" in host.running


def test_sysv_in_a_namespace_runs_every_script_verb_inside_it(init_d):
    host = FakeHost(running={"rabbitmq-server"})
    sysv = SysvServices(init_d, run=host, netns="ucbm")
    sysv.disable("rabbitmq-server")
    sysv.after_stop("epmd -kill")  # nothing to kill is no error
    sysv.enable("rabbitmq-server")
    ns = ["nsenter", "--net=/run/netns/ucbm"]
    assert host.calls == [[*ns, f"{init_d}/rabbitmq-server", "stop"],
                          ["update-rc.d", "rabbitmq-server", "disable"],
                          [*ns, "sh", "-c", "epmd -kill"],
                          ["update-rc.d", "rabbitmq-server", "enable"],
                          [*ns, f"{init_d}/rabbitmq-server", "start"]]


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
