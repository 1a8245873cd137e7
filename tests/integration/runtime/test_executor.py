"""The podman executor against real containers of the base image."""
from __future__ import annotations

import json

import pytest

from undercroft.errors import DeployError
from undercroft.lifecycle.materialize import write_config_dir
from undercroft.plan import make_plan
from undercroft.plan.hashing import digest
from undercroft.plan.model import DesiredContainer
from undercroft.render.rendered import RenderedContainer, RenderedFile
from undercroft.render.services import CONFIG_MOUNT, labels
from undercroft.report import Reporter
from undercroft.runtime.executor import StepExecutor
from tests.integration.conftest import DEPLOYMENT


def container(tmp_path, image, name, command, *, oneshot, step=2, order=1, healthcheck="",
              files=()) -> RenderedContainer:
    cfg_dir = tmp_path / "config" / name
    config_json = {"command": command, "user": "root", "permissions": [], "secret_env": {},
                   "config_files": [{"dest": f.dest, "owner": f.owner, "mode": f.mode} for f in files]}
    spec = {"network": "host", "hostname": "", "volumes": [f"{cfg_dir}:{CONFIG_MOUNT}:ro"],
            "environment": {"UNDERCROFT_CONFIG": f"{CONFIG_MOUNT}/config.json"}, "cap_add": [],
            "privileged": False, "healthcheck": healthcheck,
            "restart": "no" if oneshot else "always",
            "log_path": str(tmp_path / "logs" / f"{name}.log"), "timeout": 30}
    inputs = {"image": image, "spec": {k: digest(v)[:12] for k, v in spec.items() if k != "timeout"},
              "config": {"config.json": digest(config_json)[:12],
                         **{f.dest: digest(f.content)[:12] for f in files}}}
    d = DesiredContainer(f"{DEPLOYMENT}-{name}", "svc-" + name, step, order, image, oneshot, spec, inputs)
    return RenderedContainer(d, cfg_dir, config_json, tuple(files))


def execute(podman, rendered):
    by_name = {r.desired.name: r for r in rendered}
    plan = make_plan([r.desired for r in rendered], podman.containers(DEPLOYMENT))
    ex = StepExecutor(podman, Reporter(quiet=True), lambda d: labels(d, DEPLOYMENT),
                        before_start=lambda d: write_config_dir(by_name[d.name]))
    ex.execute(plan, {})
    return plan


def test_oneshot_then_service_then_noop(podman, base_image, clean, tmp_path):
    f = RenderedFile("/etc/demo/message", "hello from config\n", "root", "0600")
    rendered = [
        container(tmp_path, base_image, "prepare", "cat /etc/demo/message", oneshot=True, files=[f]),
        container(tmp_path, base_image, "server", "sleep infinity", oneshot=False, order=2,
                  healthcheck="test -f /etc/demo/message", files=[f]),
    ]
    plan = execute(podman, rendered)
    assert [a.kind.value for a in plan.actions] == ["create", "create"]
    assert "hello from config" in podman.logs_tail(f"{DEPLOYMENT}-prepare")
    mode = podman.call("exec", f"{DEPLOYMENT}-server", "stat", "-c", "%a", "/etc/demo/message").stdout
    assert mode.strip() == "600"

    podman.writes.clear()
    plan = execute(podman, rendered)
    assert [a.kind.value for a in plan.actions] == ["keep", "keep"]
    assert podman.writes == []


def test_config_change_recreates_only_its_reader(podman, base_image, clean, tmp_path):
    a = RenderedFile("/etc/demo/a", "one\n", "root", "0600")
    b = RenderedFile("/etc/demo/b", "two\n", "root", "0600")
    rendered = [container(tmp_path, base_image, "a", "sleep infinity", oneshot=False,
                          healthcheck="true", files=[a]),
                container(tmp_path, base_image, "b", "sleep infinity", oneshot=False,
                          healthcheck="true", files=[b])]
    execute(podman, rendered)
    ids = {c.name: podman.inspect(c.name).id for c in podman.containers(DEPLOYMENT)}
    b2 = RenderedFile("/etc/demo/b", "changed\n", "root", "0600")
    rendered[1] = container(tmp_path, base_image, "b", "sleep infinity", oneshot=False,
                            healthcheck="true", files=[b2])
    plan = execute(podman, rendered)
    kinds = {x.name: (x.kind.value, x.reason) for x in plan.actions}
    assert kinds[f"{DEPLOYMENT}-a"][0] == "keep"
    assert kinds[f"{DEPLOYMENT}-b"] == ("recreate", "changed: config:/etc/demo/b")
    assert podman.inspect(f"{DEPLOYMENT}-a").id == ids[f"{DEPLOYMENT}-a"]
    assert podman.inspect(f"{DEPLOYMENT}-b").id != ids[f"{DEPLOYMENT}-b"]
    out = podman.call("exec", f"{DEPLOYMENT}-b", "cat", "/etc/demo/b").stdout
    assert out == "changed\n"


def test_failing_oneshot_reports_exit_code_and_log_tail(podman, base_image, clean, tmp_path):
    rendered = [container(tmp_path, base_image, "broken",
                          "sh -c 'echo line-one; echo fatal: bad config >&2; exit 3'", oneshot=True)]
    with pytest.raises(DeployError) as err:
        execute(podman, rendered)
    assert f"container {DEPLOYMENT}-broken" in err.value.message
    assert "exited with code 3" in err.value.message
    assert "fatal: bad config" in err.value.detail
    # A re-run retries the failed one-shot instead of keeping it.
    plan = make_plan([r.desired for r in rendered], podman.containers(DEPLOYMENT))
    assert plan.actions[0].kind.value == "recreate"
    assert "previous run failed (exit 3)" in plan.actions[0].reason


def test_service_that_dies_after_start_fails_the_run(podman, base_image, clean, tmp_path):
    rendered = [container(tmp_path, base_image, "dies", "sh -c 'echo starting; sleep 1; exit 7'",
                          oneshot=False, healthcheck="false")]
    with pytest.raises(DeployError) as err:
        execute(podman, rendered)
    assert "exited with code 7" in err.value.message
    assert "starting" in err.value.detail


def test_orphan_is_removed(podman, base_image, clean, tmp_path):
    rendered = [container(tmp_path, base_image, "old", "sleep infinity", oneshot=False,
                          healthcheck="true")]
    execute(podman, rendered)
    plan = execute(podman, [])
    assert [(a.kind.value, a.name) for a in plan.actions] == [("remove", f"{DEPLOYMENT}-old")]
    assert podman.containers(DEPLOYMENT) == []


def test_no_secret_in_inspect(podman, base_image, clean, tmp_path):
    secret = "s3cr3t-value-for-test"
    r = container(tmp_path, base_image, "withsecret", "sh -c 'test \"$TOKEN\" = s3cr3t-value-for-test'",
                  oneshot=True)
    r = RenderedContainer(r.desired, r.config_dir,
                          {**r.config_json, "secret_env": {"TOKEN": "secrets/TOKEN"}},
                          r.files, {"secrets/TOKEN": secret})
    execute(podman, [r])  # exits 0 only if the secret reached the process environment
    dump = json.dumps(podman.inspect_json(r.desired.name))
    assert secret not in dump
    assert oct((tmp_path / "config" / "withsecret" / "secrets" / "TOKEN").stat().st_mode & 0o777) == "0o600"


def test_starting_a_container_that_is_already_running_is_no_error(podman, base_image, clean, tmp_path):
    """What a resumed run meets when the killed run's ``podman run`` finished after the
    resumed one observed the container as created."""
    execute(podman, [container(tmp_path, base_image, "server", "sleep infinity", oneshot=False,
                               healthcheck="true")])
    podman.start(f"{DEPLOYMENT}-server")
    assert podman.inspect(f"{DEPLOYMENT}-server").running
    with pytest.raises(DeployError, match="podman start failed"):
        podman.start(f"{DEPLOYMENT}-no-such-container")
