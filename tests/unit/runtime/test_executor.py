"""StepExecutor against FakePodman: order, failures, and no writes for keep."""
from __future__ import annotations

import io
import json
import os
import subprocess

import pytest
from rich.console import Console

from undercroft.errors import DeployError
from undercroft.plan import ActionKind, make_plan
from undercroft.report import Reporter
from undercroft.runtime.executor import StepExecutor
from undercroft.runtime.podman import run_args
from undercroft.runtime.protocol import UnitState

from ..fakes import FakePodman, observed_like
from ..fakes import desired as _desired

STEP_NAMES = {2: "database", 3: "bootstrap", 4: "services"}
LOG_DIR = None  # set per test by the autouse fixture below: every log path is in tmp_path


@pytest.fixture(autouse=True)
def _log_dir(tmp_path):
    global LOG_DIR
    LOG_DIR = tmp_path / "log"


def desired(*args, **kw):
    kw.setdefault("log_dir", LOG_DIR)
    return _desired(*args, **kw)


def stack():
    """The undercloud's shape: 3 chains in step 2, keystone's chain in 3, API in 4."""
    return [
        desired("keystone", "keystone", 4, 1),
        desired("keystone_bootstrap", "keystone", 3, 2, oneshot=True),
        desired("keystone_db_sync", "keystone", 3, 1, oneshot=True),
        desired("keystone_db_create", "keystone", 3, 0, oneshot=True),
        desired("rabbitmq", "rabbitmq", 2, 1),
        desired("memcached", "memcached", 2, 1),
        desired("mysql", "mariadb", 2, 2),
        desired("mysql_bootstrap", "mariadb", 2, 1, oneshot=True),
    ]


@pytest.fixture
def reporter(tmp_path):
    r = Reporter(console=Console(file=io.StringIO(), width=200), event_log=tmp_path / "events.jsonl")
    yield r
    r.close()


def events(tmp_path):
    return [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]


def executor(podman, reporter, **kw):
    kw.setdefault("poll", 0.001)
    return StepExecutor(podman, reporter, lambda d: {"undercroft.managed": "true"}, **kw)


def test_fresh_plan_runs_every_container_in_step_order(reporter):
    want = stack()
    step = {d.name: d.step for d in want}
    podman = FakePodman()
    prepared = []
    executor(podman, reporter, before_start=lambda d: prepared.append(d.name)).execute(
        make_plan(want, []), STEP_NAMES)
    runs = podman.names("run_detached")
    assert sorted(runs) == sorted(step)
    assert [step[n] for n in runs] == sorted(step[n] for n in runs)
    # step 3 starts only after every step-2 container is healthy / exited
    first_step3 = podman.index("run_detached", "keystone_db_create")
    for name in ("mysql", "rabbitmq", "memcached"):
        assert podman.index("healthcheck", name) < first_step3
    # chain order inside a service, each link finished before the next starts
    assert podman.index("wait", "mysql_bootstrap") < podman.index("run_detached", "mysql")
    assert (podman.index("wait", "keystone_db_create") < podman.index("run_detached", "keystone_db_sync")
            < podman.index("wait", "keystone_db_sync") < podman.index("run_detached", "keystone_bootstrap"))
    assert set(podman.names("wait")) == {n for n in step if "bootstrap" in n or "db_" in n}
    assert prepared and sorted(prepared) == sorted(runs)
    assert podman.names("remove") == [] and podman.names("start") == []


def test_run_arguments_carry_name_labels_and_spec(reporter):
    podman = FakePodman()
    d = desired("mysql", "mariadb", 2, cap_add=["SYS_NICE"], privileged=True)
    executor(podman, reporter).execute(make_plan([d], []), STEP_NAMES)
    args = podman.run_args["mysql"]
    assert args == run_args(d, {"undercroft.managed": "true"})
    assert args[:2] == ["--name", "mysql"] and args[-1] == d.image
    for flag in (["--network", "ns:/run/netns/ucunit"], ["--label", "undercroft.managed=true"],
                 ["--cap-add", "SYS_NICE"], ["--health-cmd", "true"],
                 ["--hostname", "undercloud.unit.test"], ["--restart", "always"]):
        i = args.index(flag[0])
        assert args[i:i + 2] == flag or flag[1] in args[i:], flag
    assert "--privileged" in args


def test_host_network_shares_uts_instead_of_hostname():
    d = desired("mysql", "mariadb", 2, network="host")
    args = run_args(d, {})
    assert "--uts" in args and "--hostname" not in args


def test_keep_actions_make_zero_write_calls(reporter):
    want = stack()
    observed = [observed_like(d, state="exited" if d.oneshot else "running") for d in want]
    plan = make_plan(want, observed)
    assert {a.kind for a in plan.actions} == {ActionKind.KEEP}
    podman = FakePodman()
    prepared = []
    executor(podman, reporter, before_start=prepared.append).execute(plan, STEP_NAMES)
    assert podman.writes == []
    assert prepared == []
    assert {m for m, _ in podman.calls} <= {"containers", "inspect", "healthcheck", "logs_tail"}


def test_recreate_removes_then_runs_start_only_starts_and_orphans_are_removed_last(reporter):
    mysql, memcached, keystone = (desired("mysql", "mariadb", 2), desired("memcached", "memcached", 2),
                                  desired("keystone", "keystone", 4))
    observed = [observed_like(mysql, inputs={"image": "old"}),
                observed_like(memcached, state="exited", exit_code=137),
                observed_like(keystone),
                observed_like(desired("old_api", "old", 4))]
    plan = make_plan([mysql, memcached, keystone], observed)
    assert [(a.kind.value, a.name) for a in plan.writes] == [
        ("recreate", "mysql"), ("start", "memcached"), ("remove", "old_api")]
    podman = FakePodman()
    prepared = []
    executor(podman, reporter, before_start=lambda d: prepared.append(d.name)).execute(plan, STEP_NAMES)
    assert podman.index("remove", "mysql") < podman.index("run_detached", "mysql")
    assert podman.names("start") == ["memcached"]
    assert prepared == ["mysql"]  # a plain start reuses the config dir as is
    assert podman.writes[-1] == ("remove", "old_api")
    assert "keystone" not in {n for _, n in podman.writes}


def test_oneshot_exit_1_fails_with_step_container_code_and_log_tail(reporter, tmp_path):
    podman = FakePodman(exit_codes={"keystone_db_sync": 1},
                        logs={"keystone_db_sync": "Traceback...\nOperationalError: (1045) denied"})
    with pytest.raises(DeployError) as e:
        executor(podman, reporter).execute(make_plan(stack(), []), STEP_NAMES)
    err = e.value
    assert str(err) == "step 3: container keystone_db_sync (keystone) exited with code 1"
    assert err.detail == ("last log lines of keystone_db_sync:\n"
                          "Traceback...\nOperationalError: (1045) denied")
    assert f"full logs: {LOG_DIR}/keystone_db_sync.log;" in err.hint
    # the chain stops there and later steps never start
    assert "keystone_bootstrap" not in podman.names("run_detached")
    assert "keystone" not in podman.names("run_detached")
    failed = [ev for ev in events(tmp_path) if ev["event"] == "container_failed"]
    assert failed == [{**failed[0], "container": "keystone_db_sync", "exit_code": 1, "step": 3}]


def test_failure_without_log_output(reporter):
    podman = FakePodman(exit_codes={"mysql_bootstrap": 2})
    with pytest.raises(DeployError) as e:
        executor(podman, reporter).execute(make_plan([desired("mysql_bootstrap", "mariadb", 2,
                                                              oneshot=True)], []), STEP_NAMES)
    assert "exited with code 2" in str(e.value)
    assert e.value.detail == "(no container log output)"


def test_oneshot_wait_timeout_is_a_deploy_error(reporter):
    podman = FakePodman(exit_codes={"keystone_db_sync": subprocess.TimeoutExpired("podman", 7)})
    d = desired("keystone_db_sync", "keystone", 3, oneshot=True, timeout=7)
    with pytest.raises(DeployError, match=r"keystone_db_sync \(keystone\) did not finish within 7s "
                                          r"\(TimeoutExpired\)"):
        executor(podman, reporter).execute(make_plan([d], []), STEP_NAMES)


def test_long_running_that_exits_before_healthy(reporter):
    podman = FakePodman(health={"rabbitmq": 125},
                        units={"rabbitmq": UnitState("exited", 70)},
                        logs={"rabbitmq": "BOOT FAILED\nerl_crash.dump"})
    with pytest.raises(DeployError) as e:
        executor(podman, reporter).execute(make_plan(stack(), []), STEP_NAMES)
    assert str(e.value) == ("step 2: container rabbitmq (rabbitmq) exited with code 70 "
                            "before becoming healthy")
    assert "BOOT FAILED" in e.value.detail
    assert not any(n.startswith("keystone") for n in podman.names("run_detached"))


def test_restart_loop_reports_the_exit_code_of_the_last_death(reporter):
    """podman already restarted it (restart=always): inspect shows a running container
    with exit code 0; the real code comes from the container's last "died" event."""
    podman = FakePodman(health={"memcached": 1}, died={"c0ffee": 71}, units={
        "memcached": UnitState("running", 0, restarts=2, id="c0ffee")})
    with pytest.raises(DeployError) as e:
        executor(podman, reporter).execute(make_plan([desired("memcached", "memcached", 2)], []),
                                           STEP_NAMES)
    assert str(e.value) == ("step 2: container memcached (memcached) exited with code 71 "
                            "before becoming healthy")
    assert podman.names("last_exit_code") == ["c0ffee"]


def test_crash_without_died_event_falls_back_to_inspect_exit_code(reporter):
    podman = FakePodman(health={"memcached": 1}, units={
        "memcached": UnitState("running", 3, restarts=1)})
    with pytest.raises(DeployError, match="memcached .* exited with code 3 before becoming healthy"):
        executor(podman, reporter).execute(make_plan([desired("memcached", "memcached", 2)], []),
                                           STEP_NAMES)


def test_a_unit_lost_while_waiting_is_reported_as_vanished_without_a_made_up_code(reporter):
    podman = FakePodman(health={"memcached": 1}, units={"memcached": UnitState("lost", 0)})
    with pytest.raises(DeployError, match="memcached .* process vanished before becoming "
                                          "healthy and podman recorded no exit"):
        executor(podman, reporter).execute(make_plan([desired("memcached", "memcached", 2)], []),
                                           STEP_NAMES)


def test_log_directory_exists_before_podman_run(reporter):
    seen = []
    podman = FakePodman()
    podman.on_call = lambda m, n: seen.append(LOG_DIR.is_dir()) if m == "run_detached" else None
    executor(podman, reporter).execute(make_plan([desired("mysql", "mariadb", 2)], []), STEP_NAMES)
    assert seen == [True]


def test_starting_then_healthy_succeeds(reporter):
    podman = FakePodman(health={"mysql": [1, 1, 1, 0]})
    executor(podman, reporter).execute(make_plan([desired("mysql", "mariadb", 2)], []), STEP_NAMES)
    assert podman.names("healthcheck") == ["mysql"] * 4
    assert podman.names("inspect") == ["mysql"] * 3


def test_never_healthy_times_out(reporter):
    podman = FakePodman(health={"mysql": 1})
    d = desired("mysql", "mariadb", 2, timeout=0.2)
    with pytest.raises(DeployError, match=r"mysql \(mariadb\) did not become healthy within 0.2s"):
        executor(podman, reporter).execute(make_plan([d], []), STEP_NAMES)


def test_events_record_each_container_and_step(reporter, tmp_path):
    executor(FakePodman(), reporter).execute(make_plan(stack(), []), STEP_NAMES)
    evs = events(tmp_path)
    done = [e["container"] for e in evs if e["event"] == "container_done"]
    assert sorted(done) == sorted(d.name for d in stack())
    assert [e["step"] for e in evs if e["event"] == "step_done"] == [2, 3, 4]
    assert [e["title"] for e in evs if e["event"] == "phase"] == [
        "Step 2: database", "Step 3: bootstrap", "Step 4: services"]


def test_hung_healthcheck_is_a_deploy_error(reporter):
    podman = FakePodman(health={"keystone": subprocess.TimeoutExpired("podman healthcheck run", 30)},
                        logs={"keystone": "uwsgi stuck"})
    with pytest.raises(DeployError, match=r"step 4: container keystone \(keystone\)"):
        executor(podman, reporter).execute(
            make_plan([desired("keystone", "keystone", 4, timeout=0.2)], []), STEP_NAMES)


def test_after_waits_for_another_services_container_without_deadlock(reporter):
    """nova's conductor waits for placement_api; with 2 workers and nova's chain listed
    first, placement's chain is still submitted first, so nothing deadlocks."""
    import dataclasses
    conductor = dataclasses.replace(desired("nova_conductor", "nova", 4, 2), after=("placement_api",))
    containers = [desired("nova_api", "nova", 4, 1), conductor,
                  desired("heat_api", "heat", 4, 1), desired("aaa_api", "aaa", 4, 1),
                  desired("placement_api", "placement", 4, 1)]
    podman = FakePodman()
    executor(podman, reporter).execute(make_plan(containers, []), {4: "services"})
    started = podman.names("run_detached")
    assert started.index("placement_api") < started.index("nova_conductor")
    assert podman.index("healthcheck", "placement_api") < podman.index("run_detached", "nova_conductor")


def test_waiting_cycle_is_an_error(reporter):
    import dataclasses
    a = dataclasses.replace(desired("a", "sa", 4, 1), after=("b",))
    b = dataclasses.replace(desired("b", "sb", 4, 1), after=("a",))
    with pytest.raises(DeployError, match="cycle"):
        executor(FakePodman(), reporter).execute(make_plan([a, b], []), {4: "services"})


def test_old_service_is_removed_before_its_bootstrap_reruns(reporter):
    """mysql_bootstrap must not run beside the old mysql on the same datadir."""
    boot = desired("mysql_bootstrap", "mariadb", 2, 1, oneshot=True, image="img:v2")
    mysql = desired("mysql", "mariadb", 2, 2, image="img:v2")
    old = [observed_like(boot, state="exited", inputs={"image": "img:v1"}),
           observed_like(mysql, inputs={"image": "img:v1"})]
    podman = FakePodman(observed=old)
    executor(podman, reporter).execute(make_plan([boot, mysql], old), {2: "infra"})
    assert podman.index("remove", "mysql") < podman.index("run_detached", "mysql_bootstrap")


def test_kept_service_is_not_stopped_for_an_unchanged_chain(reporter):
    boot = desired("mysql_bootstrap", "mariadb", 2, 1, oneshot=True)
    mysql = desired("mysql", "mariadb", 2, 2, image="img:v2")
    old = [observed_like(boot, state="exited"), observed_like(mysql, inputs={"image": "img:v1"})]
    podman = FakePodman(observed=old)
    executor(podman, reporter).execute(make_plan([boot, mysql], old), {2: "infra"})
    # the one-shot is kept, so the service is simply recreated in place (once)
    assert podman.names("remove") == ["mysql"]
    assert podman.names("run_detached") == ["mysql"]


def test_failure_quotes_the_errors_the_service_wrote_to_its_own_log(reporter, tmp_path):
    """nova logs to /var/log/nova/nova-scheduler.log; its container log only has warnings."""
    host_logs = tmp_path / "nova-logs"
    host_logs.mkdir()
    (host_logs / "nova-conductor.log").write_text(
        "2026-11-26 09:23:17.100 1 ERROR nova [-] not the scheduler's error\n")
    (host_logs / "nova-scheduler.log").write_text(
        "2026-11-26 09:23:17.000 1 DEBUG oslo_service.service [-] rate_limit_except_level = CRITICAL\n"
        "2026-11-26 09:23:17.223 1 CRITICAL nova [-] Unhandled error: DiscoveryFailure: no keystone\n"
        "2026-11-26 09:23:17.223 1 ERROR nova Traceback (most recent call last):\n"
        "2026-11-26 09:23:17.223 1 ERROR nova   File \"/usr/lib/python3/x.py\", line 1, in f\n"
        "2026-11-26 09:23:17.223 1 ERROR nova OSError: [Errno 113] EHOSTUNREACH\n"
        "2026-11-26 09:23:17.223 1 ERROR nova \n")
    podman = FakePodman(health={"nova_scheduler": 1},
                        units={"nova_scheduler": UnitState("exited", 1)},
                        logs={"nova_scheduler": "Modules with known eventlet monkey patching issues"})
    d = desired("nova_scheduler", "nova", 4, volumes=[f"{host_logs}:/var/log/nova"])
    with pytest.raises(DeployError) as e:
        executor(podman, reporter).execute(make_plan([d], []), STEP_NAMES)
    detail = e.value.detail.splitlines()
    assert detail[:2] == ["last log lines of nova_scheduler:",
                          "Modules with known eventlet monkey patching issues"]
    assert detail[2] == f"errors it wrote to {host_logs / 'nova-scheduler.log'}:"
    assert [ln.split(" 1 ", 1)[1] for ln in detail[3:]] == [
        "CRITICAL nova [-] Unhandled error: DiscoveryFailure: no keystone",
        "ERROR nova OSError: [Errno 113] EHOSTUNREACH"]
    assert str(host_logs / "nova-scheduler.log") in e.value.hint


class FakeProber:
    """Answers the cheap probe from a script (the last value repeats)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0

    def ready(self, network, probe):
        self.calls += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def api(timeout=5):
    return desired("keystone", "keystone", 4, timeout=timeout,
                   healthcheck="undercroft-healthcheck http http://192.0.2.1:5000/v3")


def test_declarative_check_is_polled_cheaply_and_podman_confirms_once(reporter):
    podman = FakePodman(units={"keystone": UnitState("running", 0, pid=os.getpid())})
    prober = FakeProber(False, False, False, True)
    executor(podman, reporter, prober=prober).execute(make_plan([api()], []), STEP_NAMES)
    assert prober.calls == 4
    assert podman.names("healthcheck") == ["keystone"]  # once, after the probe passed


def test_cheap_probe_failing_while_the_process_died_reports_the_crash(reporter):
    podman = FakePodman(units={"keystone": UnitState("exited", 3)}, logs={"keystone": "boom"})
    with pytest.raises(DeployError, match="exited with code 3 before becoming healthy"):
        executor(podman, reporter, prober=FakeProber(False)).execute(make_plan([api()], []), STEP_NAMES)
    assert podman.names("healthcheck") == []


def test_cheap_probe_that_cannot_run_falls_back_to_podman(reporter):
    podman = FakePodman(health={"keystone": [1, 1, 0]})
    executor(podman, reporter, prober=FakeProber(None)).execute(make_plan([api()], []), STEP_NAMES)
    assert podman.names("healthcheck") == ["keystone"] * 3


def test_podman_still_decides_when_the_cheap_probe_never_passes(reporter, monkeypatch):
    """A probe that can never pass (say, the namespace was swapped) costs time, not the
    deploy: podman's own check is asked at least every PODMAN_EVERY seconds."""
    import undercroft.runtime.executor as ex
    monkeypatch.setattr(ex, "PODMAN_EVERY", 0.0)
    podman = FakePodman(health={"keystone": 0})
    executor(podman, reporter, prober=FakeProber(False)).execute(make_plan([api()], []), STEP_NAMES)
    assert podman.names("healthcheck") == ["keystone"]
