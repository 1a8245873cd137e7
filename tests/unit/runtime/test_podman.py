"""The podman CLI wrapper with subprocess faked out, and FakePodman's conformance."""
from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
import subprocess

import pytest

from undercroft.errors import DeployError
from undercroft import podman_cli
from undercroft.podman_cli import GLOBAL_FLAGS, ULIMITS
from undercroft.runtime.podman import Podman, unit_state
from undercroft.runtime.protocol import NO_UNIT, UnitState

from ..fakes import FakePodman

EXECUTOR_METHODS = ["run_detached", "remove", "start", "wait", "healthcheck", "inspect",
                    "logs_tail", "containers", "last_exit_code"]


@pytest.mark.parametrize("method", EXECUTOR_METHODS)
def test_fake_has_the_real_signature(method):
    if not hasattr(Podman, method):
        pytest.skip(f"Podman.{method} no longer exists")
    real = inspect.signature(getattr(Podman, method))
    fake = inspect.signature(getattr(FakePodman, method))
    assert list(fake.parameters) == list(real.parameters)


@pytest.fixture
def runs(monkeypatch):
    """Replace subprocess.run: record argv, answer from a queue of (rc, stdout, stderr)."""
    calls, answers = [], []

    def fake_run(argv, **kw):
        calls.append((argv, kw))
        rc, out, err = answers.pop(0) if answers else (0, "", "")
        return subprocess.CompletedProcess(argv, rc, out, err)

    monkeypatch.setattr(podman_cli.subprocess, "run", fake_run)
    return calls, answers


def test_containers_parses_podman_ps_json(runs):
    calls, answers = runs
    answers.append((0, json.dumps([
        {"Names": ["mysql"], "Labels": {"undercroft.service": "mariadb", "undercroft.step": "2"},
         "State": "running", "ExitCode": 0, "Status": "Up 3 minutes (healthy)"},
        {"Names": ["rabbitmq"], "Labels": None, "State": "running", "Status": "Up (unhealthy)"},
        {"Names": ["keystone_db_sync"], "Labels": {"undercroft.oneshot": "true"},
         "State": "exited", "ExitCode": 1, "Status": "Exited (1) 2 seconds ago"},
    ]), ""))
    got = Podman().containers("undercloud")
    argv = calls[0][0]
    assert argv[:1 + len(GLOBAL_FLAGS)] == ["podman", *GLOBAL_FLAGS]
    assert argv[-2:] == ["--filter", "label=undercroft.deployment=undercloud"]
    assert [(c.name, c.state, c.exit_code, c.health) for c in got] == [
        ("mysql", "running", 0, "healthy"), ("rabbitmq", "running", 0, "unhealthy"),
        ("keystone_db_sync", "exited", 1, "")]
    assert got[0].service == "mariadb" and got[0].step == 2 and got[2].oneshot
    assert got[1].labels == {}


def _dead_pid() -> int:
    pid = 1
    while Path(f"/proc/{pid}").exists():
        pid += 7919
    return pid


def test_a_container_listed_running_without_its_process_is_lost(runs):
    """Killing a machine's processes (conmon included) leaves podman listing the containers
    running: a pid that no longer exists is reported as ``lost``, a live one as running."""
    dead = _dead_pid()
    runs[1].append((0, json.dumps([
        {"Names": ["haproxy"], "State": "running", "Pid": dead, "Status": "Up 3 hours (healthy)"},
        {"Names": ["mysql"], "State": "running", "Pid": os.getpid(), "Status": "Up 3 hours"},
        {"Names": ["db_sync"], "State": "exited", "Pid": 0, "Status": "Exited (0)"},
    ]), ""))
    assert [c.state for c in Podman().containers("x")] == ["lost", "running", "exited"]


def test_a_pid_another_process_took_over_is_no_proof_of_life(tmp_path, monkeypatch):
    """Hours after a machine's processes were killed, a dead container's pid belongs to
    some other process: only a process in the container's own cgroup counts."""
    from undercroft.runtime import podman as podman_module
    from undercroft.runtime.podman import _state
    cid = "1b393df364a39e6bb11d36c628412f4fa899c3a14ae892161aa27dcd2c67441c"
    (tmp_path / "4184").mkdir()
    (tmp_path / "4184" / "cgroup").write_text(
        f"13:hugetlb:/\n9:name=systemd:/libpod_parent/libpod-{cid}\n")
    (tmp_path / "2466").mkdir()
    (tmp_path / "2466" / "cgroup").write_text("13:hugetlb:/\n9:name=systemd:/user.slice\n")
    # this test's own process, in no container's cgroup, under the real /proc
    assert _state("running", os.getpid(), cid) == "lost"
    monkeypatch.setattr(podman_module, "PROC", tmp_path)
    assert _state("running", 4184, cid) == "running"
    assert _state("running", 2466, cid) == "lost"  # the pid was reused
    assert _state("running", 9999, cid) == "lost"  # no such process
    assert _state("exited", 2466, cid) == "exited"


def test_empty_ps_output(runs):
    runs[1].append((0, "", ""))
    assert Podman().containers("x") == []


def test_writes_are_counted_reads_are_not(runs):
    calls, answers = runs
    p = Podman()
    p.containers("x")
    p.inspect("mysql")
    p.healthcheck("mysql")
    p.logs_tail("mysql")
    assert p.writes == []
    p.run_detached(["--name", "mysql", "img"])
    answers.extend([(0, "", ""), (1, "", "")])  # rm, then 'container exists' says gone
    p.remove("mysql")
    p.start("mysql")
    assert p.writes == ["run -d", "rm -f", "start mysql"]
    run_argv = runs[0][4][0]  # the 5th subprocess call is the run
    assert run_argv[-3:] == ["--name", "mysql", "img"] and list(ULIMITS)[0] in run_argv


def test_remove_retries_until_the_container_is_gone(runs):
    calls, answers = runs
    answers.extend([(0, "", ""), (0, "", ""), (0, "", ""), (1, "", "")])
    Podman().remove("mysql")
    verbs = [argv[len(GLOBAL_FLAGS) + 1] for argv, _ in calls]
    assert verbs == ["rm", "container", "rm", "container"]


def test_remove_that_never_succeeds_is_a_deploy_error(runs):
    calls, answers = runs
    answers.extend([(125, "", "Error: container is busy\n"), (0, "", "")] * 3)
    with pytest.raises(DeployError, match="could not remove container mysql") as e:
        Podman().remove("mysql")
    assert "container is busy" in e.value.detail


def test_failed_write_is_a_deploy_error_without_systemd_noise(runs):
    runs[1].append((125, "", "time=x level=warning msg=\"systemd not found\"\nError: name in use\n"))
    with pytest.raises(DeployError) as e:
        Podman().start("mysql")
    assert str(e.value) == "podman start failed (exit 125)"
    assert e.value.detail == "Error: name in use"


def test_missing_binary(monkeypatch):
    def boom(*a, **k):
        raise FileNotFoundError("podman")
    monkeypatch.setattr(podman_cli.subprocess, "run", boom)
    with pytest.raises(DeployError, match="podman is not installed"):
        Podman().containers("x")


def test_wait_returns_exit_code_and_fails_clearly(runs):
    runs[1].extend([(0, "3\n", ""), (125, "", "Error: no such container")])
    p = Podman()
    assert p.wait("job", timeout=5) == 3
    argv, kw = runs[0][0]
    assert argv[-2:] == ["wait", "job"] and kw["timeout"] == 5
    with pytest.raises(DeployError, match="podman wait job failed") as e:
        p.wait("job", timeout=5)
    assert "no such container" in e.value.detail


def test_inspect_and_healthcheck(runs, tmp_path, monkeypatch):
    from undercroft.runtime import podman as podman_module
    (tmp_path / str(os.getpid())).mkdir()  # the container's process, in its own cgroup
    (tmp_path / str(os.getpid()) / "cgroup").write_text("9:name=systemd:/libpod_parent/libpod-c0ffee\n")
    monkeypatch.setattr(podman_module, "PROC", tmp_path)
    record = {"Id": "c0ffee", "Name": "a", "RestartCount": 2, "HostConfig": {"NetworkMode": "host"},
              "State": {"Status": "running", "Running": True, "Pid": os.getpid(), "ExitCode": 0}}
    runs[1].extend([(0, json.dumps([record]), ""), (0, json.dumps([record]), ""),
                    (125, "", "gone"), (125, "", "gone"), (1, "", "")])
    p = Podman()
    assert p.inspect("a") == UnitState("running", 0, os.getpid(), 2, "c0ffee")
    assert p.inspect_json("a") == record  # podman's own record, for what only podman has
    gone = p.inspect("b")
    assert gone == NO_UNIT and not gone.exists and not gone.running
    assert p.inspect_json("b") == {}
    assert p.healthcheck("a") == 1


def test_unit_state_of_podman_records():
    dead = _dead_pid()
    exited = {"Id": "ab", "State": {"Status": "exited", "Running": False, "Pid": 0, "ExitCode": 137}}
    assert unit_state(exited) == UnitState("exited", 137, 0, 0, "ab")
    assert not unit_state(exited).running and unit_state(exited).exists
    # listed running, its process gone (conmon killed with it): lost, not running
    lost = {"Id": "cd", "RestartCount": 0,
            "State": {"Status": "running", "Running": True, "Pid": dead, "ExitCode": 0}}
    assert unit_state(lost) == UnitState("lost", 0, 0, 0, "cd") and not unit_state(lost).running
    assert unit_state({}) == NO_UNIT


def test_restart_counts_add_health_restarts_to_the_restart_policy(runs):
    records = [{"Id": "c1", "Name": "mysql", "RestartCount": 1, "State": {"Status": "running"}},
               {"Id": "c2", "Name": "rabbitmq", "RestartCount": 0, "State": {"Status": "running"}}]
    events = '{"ID": "c2"}\n{"ID": "c1"}\n{"ID": "c2"}\nnot json\n'
    runs[1].extend([(0, json.dumps(records), ""), (0, events, "")])
    assert Podman().restart_counts(["mysql", "rabbitmq"]) == {"mysql": 2, "rabbitmq": 2}
    assert Podman().restart_counts([]) == {}


def test_last_exit_code_from_died_events(runs):
    if not hasattr(Podman, "last_exit_code"):
        pytest.skip("no last_exit_code")
    runs[1].extend([(0, '{"ContainerExitCode": 1}\n{"ContainerExitCode": 137}\n', ""), (0, "", "")])
    p = Podman()
    assert p.last_exit_code("abc") == 137
    assert p.last_exit_code("abc") is None
