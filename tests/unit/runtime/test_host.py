"""The host runtime: labels kept in a state file, one-shots as child processes,
long-running units as supervisor programs (a fake supervisor here)."""
from __future__ import annotations

import json
import stat
import xmlrpc.client

import pytest

from undercroft.errors import DeployError
from undercroft.plan import make_plan
from undercroft.plan.model import labels
from undercroft.render.services import CONFIG_MOUNT
from undercroft.runtime.host import HostRuntime, kill_leftovers, processes_with_env
from undercroft.runtime.protocol import NO_UNIT, UnitState
from undercroft.runtime.supervisor import Supervisor, program_conf
from undercroft.state import StateDir

from ..fakes import desired as _desired


class FakeSupervisor:
    def __init__(self):
        self.programs: dict[str, dict] = {}
        self.pid = 1000
        self.ensured = 0

    def render(self, *args):
        return Supervisor().render(*args)

    def add(self, name, text):
        self.programs[name] = {"conf": text, "statename": "STOPPED", "pid": 0, "exitstatus": 0}

    def start(self, name):
        self.pid += 1
        self.programs[name].update(statename="RUNNING", pid=self.pid)

    def stop(self, name):
        self.programs[name].update(statename="STOPPED", pid=0)

    def stop_many(self, names):
        self.stopped_together = list(names)
        for name in names:
            self.stop(name)

    def remove(self, name):
        self.programs.pop(name, None)

    def info(self, name):
        return dict(self.programs.get(name, {}))

    def all_info(self):
        return {n: dict(p) for n, p in self.programs.items()}

    def ensure_running(self):
        self.ensured += 1


def unit(tmp_path, name, oneshot=False, **kw):
    cfg = tmp_path / "config" / name
    cfg.mkdir(parents=True)
    (cfg / "config.json").write_text(json.dumps({"exit": kw.pop("exit", 0)}))
    return _desired(name, "svc", 2, oneshot=oneshot, log_dir=tmp_path / "log",
                    volumes=[f"{cfg}:{CONFIG_MOUNT}:ro", f"{tmp_path}/data:{tmp_path}/inside"],
                    environment={"UNDERCROFT_CONFIG": f"{CONFIG_MOUNT}/config.json"},
                    network="host", **kw)


@pytest.fixture
def entrypoint(tmp_path):
    """Stands in for undercroft-start: exits with the code in its config.json."""
    script = tmp_path / "undercroft-start"
    script.write_text('#!/bin/sh\necho "config at $UNDERCROFT_CONFIG"\n'
                      'exit $(sed -n \'s/.*"exit": \\([0-9]*\\).*/\\1/p\' "$UNDERCROFT_CONFIG")\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_oneshot_runs_with_its_config_dir_and_its_exit_code_is_kept(tmp_path, entrypoint):
    rt = HostRuntime(StateDir(tmp_path / "state"), FakeSupervisor(), entrypoint)
    d = unit(tmp_path, "uc-db_sync", oneshot=True, exit=3)
    rt.launch(d, labels(d, "uc"))
    assert rt.wait(d.name, timeout=10) == 3
    assert rt.inspect(d.name) == UnitState("exited", 3, pid=0, restarts=0, id=d.name)
    assert f"config at {tmp_path}/config/uc-db_sync/config.json" in rt.logs_tail(d.name)
    assert (tmp_path / "inside").is_dir()  # the in-container path of a volume exists on the host
    [obs] = rt.containers("uc")
    assert (obs.name, obs.state, obs.exit_code) == (d.name, "exited", 3)
    assert stat.S_IMODE((tmp_path / "state" / "host-units.json").stat().st_mode) == 0o600


def test_long_running_unit_is_a_supervisor_program_and_converges_like_a_container(tmp_path, entrypoint):
    sup = FakeSupervisor()
    rt = HostRuntime(StateDir(tmp_path / "state"), sup, entrypoint)
    d = unit(tmp_path, "uc-api", healthcheck="true")
    rt.launch(d, labels(d, "uc"))
    conf = sup.programs["uc-api"]["conf"]
    assert f"command={entrypoint}" in conf and "autostart=false" in conf
    assert "directory=/" in conf  # never the caller's (maybe deleted) working directory
    assert f'UNDERCROFT_CONFIG="{tmp_path}/config/uc-api/config.json"' in conf
    assert rt.inspect("uc-api") == UnitState("running", 0, sup.programs["uc-api"]["pid"], 0, "uc-api")
    # the pure plan sees the same hash: nothing to do on a re-run
    assert [a.kind.value for a in make_plan([d], rt.containers("uc")).actions] == ["keep"]
    # supervisor restarted it (new pid): a crash, as podman's RestartCount would say
    sup.programs["uc-api"]["pid"] += 7
    assert rt.inspect("uc-api").restarts == 1
    rt.stop("uc-api")
    assert rt.containers("uc")[0].state == "exited"
    assert not rt.inspect("uc-api").running and rt.inspect("uc-api").pid == 0
    rt.remove("uc-api")
    assert rt.containers("uc") == [] and "uc-api" not in sup.programs
    assert rt.inspect("uc-api") == NO_UNIT and not NO_UNIT.exists


def test_other_deployments_units_are_not_observed(tmp_path, entrypoint):
    rt = HostRuntime(StateDir(tmp_path / "state"), FakeSupervisor(), entrypoint)
    d = unit(tmp_path, "other-api", healthcheck="true")
    rt.launch(d, labels(d, "other"))
    assert rt.containers("uc") == []


def test_an_update_keeps_the_replaced_unit_and_can_give_it_back(tmp_path, entrypoint):
    """The UpdateExecutor's verbs: stop, rename to -previous, launch the new one; on a
    failed healthcheck remove it, rename the previous back and start it."""
    sup = FakeSupervisor()
    rt = HostRuntime(StateDir(tmp_path / "state"), sup, entrypoint)
    d = unit(tmp_path, "uc-api", healthcheck="true")
    rt.launch(d, labels(d, "uc"))
    rt.stop("uc-api")
    rt.rename("uc-api", "uc-api-previous")
    assert "uc-api" not in sup.programs
    assert "[program:uc-api-previous]" in sup.programs["uc-api-previous"]["conf"]
    # its config dir is the replacement's: removing the kept unit looks for no leftovers there
    assert rt._units()["uc-api-previous"]["config"] is None
    rt.launch(d, labels(d, "uc"))
    rt.remove("uc-api")
    rt.rename("uc-api-previous", "uc-api")
    rt.start("uc-api")
    assert sup.programs["uc-api"]["statename"] == "RUNNING" and "uc-api-previous" not in sup.programs
    assert rt._units()["uc-api"]["config"] == f"{tmp_path}/config/uc-api/config.json"
    assert [o.name for o in rt.containers("uc")] == ["uc-api"]


def test_a_unit_recorded_by_an_older_version_cannot_be_kept_and_says_what_to_do(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "host-units.json").write_text(json.dumps({"uc-api": {
        "labels": {}, "oneshot": False, "network": "host", "healthcheck": "", "log_path": "x",
        "config": "/c/config.json"}}))
    with pytest.raises(DeployError, match="older Undercroft") as err:
        HostRuntime(StateDir(state), FakeSupervisor()).rename("uc-api", "uc-api-previous")
    assert "undercroft install" in err.value.hint


def test_program_conf_quotes_and_escapes():
    text = program_conf("uc-x", ["ip", "netns", "exec", "uc", "/usr/local/bin/undercroft-start"],
                        {"A": 'say "100%"', "PATH": "/bin"}, "/var/log/x.log", 30)
    assert "command=ip netns exec uc /usr/local/bin/undercroft-start" in text
    assert 'environment=A="say \\"100%%\\"",PATH="/bin"' in text
    assert "stopwaitsecs=30" in text and "stdout_logfile=/var/log/x.log" in text


def test_stop_many_stops_the_long_running_units_together(tmp_path, entrypoint):
    sup = FakeSupervisor()
    rt = HostRuntime(StateDir(tmp_path / "state"), sup, entrypoint)
    for name in ("uc-api", "uc-worker"):
        d = unit(tmp_path, name, healthcheck="true")
        rt.launch(d, labels(d, "uc"))
    once = unit(tmp_path, "uc-db-sync", oneshot=True)
    rt.launch(once, labels(once, "uc"))
    rt.stop_many(["uc-api", "uc-worker", "uc-db-sync", "uc-unknown"])
    assert sup.stopped_together == ["uc-api", "uc-worker"]
    assert {sup.info(n)["statename"] for n in ("uc-api", "uc-worker")} == {"STOPPED"}


class FakeRpcSupervisor(Supervisor):
    """Supervisor's XML-RPC answers, kept in memory: programs stop a few polls later."""

    def __init__(self, states):
        super().__init__()
        self.states, self.asked, self.polls = states, [], 0

    def call(self, method, *args):
        assert method == "stopProcess" and args[1] is False  # never wait per program
        if self.states.get(args[0]) != "RUNNING":
            raise xmlrpc.client.Fault(70, "NOT_RUNNING")
        self.asked.append(args[0])
        self.states[args[0]] = "STOPPING"

    def all_info(self):
        self.polls += 1
        if self.polls > 2:
            self.states = {n: "STOPPED" if s == "STOPPING" else s for n, s in self.states.items()}
        return {n: {"statename": s} for n, s in self.states.items()}


def test_supervisor_asks_all_to_stop_before_waiting_for_any():
    sup = FakeRpcSupervisor({"uc-a": "RUNNING", "uc-b": "RUNNING", "uc-c": "STOPPED"})
    sup.stop_many(["uc-a", "uc-b", "uc-c"])
    assert sup.asked == ["uc-a", "uc-b"] and sup.polls == 3
    assert set(sup.states.values()) == {"STOPPED"}


def test_supervisor_names_the_programs_that_did_not_stop():
    sup = FakeRpcSupervisor({"uc-a": "RUNNING"})
    sup.all_info = lambda: {"uc-a": {"statename": "STOPPING"}}
    with pytest.raises(DeployError, match="uc-a did not stop within 0s"):
        sup.stop_many(["uc-a"], timeout=0)


def test_start_after_a_reboot_brings_the_process_manager_up_first(tmp_path, entrypoint):
    sup = FakeSupervisor()
    rt = HostRuntime(StateDir(tmp_path / "state"), sup, entrypoint)
    d = unit(tmp_path, "uc-api", healthcheck="true")
    rt.launch(d, labels(d, "uc"))
    rt.stop("uc-api")
    before = sup.ensured
    rt.start("uc-api")
    assert sup.ensured == before + 1 and rt.inspect("uc-api").running


def test_program_in_a_namespace_runs_under_ip_netns_exec(tmp_path, entrypoint):
    sup = FakeSupervisor()
    rt = HostRuntime(StateDir(tmp_path / "state"), sup, entrypoint)
    d = unit(tmp_path, "uc-api", healthcheck="true")
    d.spec["network"] = "ns:/run/netns/uc"
    rt.launch(d, labels(d, "uc"))
    assert f"command=ip netns exec uc {entrypoint}" in sup.programs["uc-api"]["conf"]


def test_a_daemon_the_service_forked_off_goes_when_the_unit_stops(tmp_path, entrypoint):
    """What supervisor's process group misses (rabbitmq's epmd -daemon): a process in its
    own session that still carries the unit's UNDERCROFT_CONFIG."""
    import subprocess

    rt = HostRuntime(StateDir(tmp_path / "state"), FakeSupervisor(), entrypoint)
    d = unit(tmp_path, "uc-api", healthcheck="true")
    rt.launch(d, labels(d, "uc"))
    marker = f"UNDERCROFT_CONFIG={tmp_path}/config/uc-api/config.json"
    daemon = subprocess.Popen(["sleep", "300"], env={"PATH": "/usr/bin:/bin", marker.split("=")[0]:
                                                     marker.split("=", 1)[1]},
                              start_new_session=True)
    other = subprocess.Popen(["sleep", "300"], env={"UNDERCROFT_CONFIG": marker.split("=", 1)[1] + "x"})
    try:
        assert daemon.pid in processes_with_env(marker.encode())
        rt.stop("uc-api")
        assert daemon.wait(timeout=10) == -15  # TERM first
        assert other.poll() is None  # a different unit's process is left alone
    finally:
        daemon.kill()
        other.kill()
    assert kill_leftovers(marker.encode()) == []


def test_status_verbs_uptime_restarts_and_log_path(tmp_path, entrypoint):
    sup = FakeSupervisor()
    rt = HostRuntime(StateDir(tmp_path / "state"), sup, entrypoint)
    d = unit(tmp_path, "uc-api", healthcheck="true")
    rt.launch(d, labels(d, "uc"))
    sup.programs["uc-api"]["start"] = 1_700_000_000
    [o] = rt.containers("uc")
    assert o.state == "running" and o.started_at == 1_700_000_000
    assert rt.restart_counts(["uc-api"]) == {"uc-api": 0}
    sup.start("uc-api")  # supervisor restarted it after a crash: a new pid
    assert rt.restart_counts(["uc-api"]) == {"uc-api": 1}
    assert rt.log_path("uc-api") == d.spec["log_path"] and rt.log_path("uc-nope") is None
