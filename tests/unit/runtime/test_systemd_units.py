"""systemd as the host runtime's process manager: unit text and systemctl calls, against
a fake systemctl (systemd is not PID 1 on the build VM)."""
from __future__ import annotations

import stat
import subprocess

import pytest

from undercroft.errors import DeployError
from undercroft.runtime.host import HostRuntime
from undercroft.runtime.systemd_units import SystemdUnits, parse_show
from undercroft.state import StateDir
from undercroft.plan.model import labels

from .test_host import entrypoint, unit  # noqa: F401  (fixture)


class FakeSystemctl:
    """Keeps unit states the way systemctl would report them."""

    def __init__(self, fail: set[str] = frozenset()):
        self.calls: list[list[str]] = []
        self.active: dict[str, str] = {}
        self.fail = fail
        self.pid = 4000
        self.killed_on_stop: set[str] = set()

    def __call__(self, argv):
        self.calls.append(argv)
        verb, units = argv[0], argv[1:]
        if verb in self.fail:
            return subprocess.CompletedProcess(argv, 1, "", f"Job for {units[-1]} failed.")
        if verb == "start":
            self.pid += 1
            self.active[units[0]] = "active"
        elif verb == "stop":
            for u in units:  # a unit KILLed after the stop timeout ends "failed"
                self.active[u] = "failed" if u in self.killed_on_stop else "inactive"
        elif verb == "reset-failed":
            for u in units:
                if self.active.get(u) == "failed":
                    self.active[u] = "inactive"
        out = ""
        if verb == "show":
            blocks = []
            for u in units[2:]:
                state = self.active.get(u, "inactive")
                blocks.append(f"Id={u}\nLoadState=loaded\nActiveState={state}\nSubState=x\n"
                              f"MainPID={self.pid if state == 'active' else 0}\nExecMainStatus=0\n")
            out = "\n".join(blocks)
        return subprocess.CompletedProcess(argv, 0, out, "")


def test_unit_text_runs_in_the_namespace_kills_the_whole_group_and_holds_no_secret():
    units = SystemdUnits(run=FakeSystemctl())
    text = units.render("uc-rabbitmq", ["/usr/local/bin/undercroft-start"],
                        {"UNDERCROFT_CONFIG": "/var/lib/uc/config/rabbitmq/config.json",
                         "X": 'a "b" 100% $HOME'}, "/var/log/uc/rabbitmq.log", "uc")
    assert 'ExecStart="/usr/local/bin/undercroft-start"' in text
    assert "NetworkNamespacePath=/run/netns/uc" in text
    assert "KillMode=control-group" in text  # epmd -daemon goes with rabbitmq
    assert 'Environment="X=a \\"b\\" 100%% $$HOME"' in text
    assert "StandardOutput=append:/var/log/uc/rabbitmq.log" in text
    assert "[Install]" not in text  # never enabled: 'undercroft start' orders them


def test_long_running_unit_is_a_systemd_service_driven_by_the_host_runtime(tmp_path, entrypoint):  # noqa: F811
    fake = FakeSystemctl()
    units = SystemdUnits(tmp_path / "units", run=fake)
    rt = HostRuntime(StateDir(tmp_path / "state"), units, entrypoint)
    d = unit(tmp_path, "uc-api", healthcheck="true")
    rt.launch(d, labels(d, "uc"))
    path = tmp_path / "units" / "undercroft-uc-api.service"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ["daemon-reload"] in fake.calls and ["start", "undercroft-uc-api.service"] in fake.calls
    [obs] = rt.containers("uc")
    assert obs.state == "running"
    assert rt.inspect("uc-api").pid == fake.pid
    rt.stop("uc-api")
    assert rt.containers("uc")[0].state == "exited"
    rt.remove("uc-api")
    assert not path.exists() and rt.containers("uc") == []


def test_a_failing_systemctl_is_a_clear_error_naming_the_unit(tmp_path):
    units = SystemdUnits(tmp_path, run=FakeSystemctl(fail={"start"}))
    with pytest.raises(DeployError, match="systemctl start undercroft-uc-api.service failed") as err:
        units.start("uc-api")
    assert "journalctl -u undercroft-uc-api.service" in err.value.hint


def test_show_output_of_several_units_is_split_per_unit():
    text = "Id=a.service\nActiveState=active\n\nId=b.service\nActiveState=failed\n"
    assert [u["Id"] for u in parse_show(text)] == ["a.service", "b.service"]


def test_units_stop_together_in_one_systemctl_call(tmp_path):
    fake = FakeSystemctl()
    units = SystemdUnits(unit_dir=tmp_path, run=fake)
    for name in ("uc-a", "uc-b"):
        (tmp_path / f"{units.unit(name)}").write_text("[Service]\n")
    units.stop_many(["uc-a", "uc-b", "uc-never-installed"])
    assert fake.calls[0] == ["stop", units.unit("uc-a"), units.unit("uc-b")]


def test_a_deliberate_stop_leaves_units_stopped_not_failed(tmp_path):
    """heat-engine needing KILL after the timeout (or a wrapper exiting 143) leaves
    systemd's unit "failed"; after 'undercroft stop' it reads stopped, like a stopped
    container (a real systemd showed it)."""
    fake = FakeSystemctl()
    units = SystemdUnits(unit_dir=tmp_path, run=fake)
    for name in ("uc-heat", "uc-api"):
        (tmp_path / units.unit(name)).write_text("[Service]\n")
        units.start(name)
    fake.killed_on_stop = {units.unit("uc-heat")}
    units.stop_many(["uc-heat", "uc-api"])
    assert {n: i["statename"] for n, i in units.all_info().items()} == {"uc-heat": "STOPPED",
                                                                        "uc-api": "STOPPED"}
    text = units.render("uc-api", ["/bin/true"], {}, "/tmp/log", "uc")
    assert "SuccessExitStatus=143" in text


def test_start_time_is_unix_time_from_systemds_monotonic_stamp():
    """``status`` shows uptimes from supervisor's ``start``: systemd gives a monotonic
    stamp, which must become the same unix time (a real systemd reported none)."""
    import time

    from undercroft.runtime.systemd_units import started_at

    thirty_s_ago = int((time.clock_gettime(time.CLOCK_MONOTONIC) - 30) * 1e6)
    assert abs(started_at({"ExecMainStartTimestampMonotonic": str(thirty_s_ago)}) - (time.time() - 30)) < 2
    assert started_at({"ExecMainStartTimestampMonotonic": "0"}) == 0  # never started
