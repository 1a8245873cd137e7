"""Without systemd, the health watcher is what notices a hung service: a container whose
process is stopped (SIGSTOP) is restarted by podman after three failed checks that the
watcher ran, with nobody running 'status'."""
from __future__ import annotations

import dataclasses
import os
import signal
import time
from types import SimpleNamespace

from undercroft.lifecycle import watch
from undercroft.lifecycle.materialize import write_config_dir
from undercroft.render.services import labels
from undercroft.state import StateDir
from tests.integration.conftest import DEPLOYMENT
from tests.integration.runtime.test_executor import container

PORT = 18093


def test_a_hung_service_is_restarted_by_the_watcher(podman, base_image, clean, tmp_path):
    rendered = container(tmp_path, base_image, "hung",
                         f"python3 -m http.server --bind 127.0.0.1 {PORT}", oneshot=False,
                         healthcheck=f"undercroft-healthcheck http http://127.0.0.1:{PORT}/")
    d = dataclasses.replace(rendered.desired, spec={**rendered.desired.spec, "timeout": 1})
    write_config_dir(dataclasses.replace(rendered, desired=d))
    (tmp_path / "logs").mkdir()
    podman.launch(d, labels(d, DEPLOYMENT))
    watcher = watch.Watcher(podman, DEPLOYMENT)
    deadline = time.monotonic() + 30
    while podman.healthcheck(d.name) != 0:
        assert time.monotonic() < deadline, "the server never answered"
        time.sleep(0.5)
    watcher.round()
    assert podman.restart_counts([d.name]) == {d.name: 0}  # healthy: left alone

    pid = podman.inspect(d.name).pid
    os.kill(pid, signal.SIGSTOP)  # hung: the port accepts, nothing answers
    for _ in range(3):
        watcher.round()  # the cheap probe times out; podman's check counts each failure
    deadline = time.monotonic() + 60
    while podman.restart_counts([d.name])[d.name] < 1:
        assert time.monotonic() < deadline, "podman never restarted the hung container"
        time.sleep(0.5)
    assert podman.inspect(d.name).running


def test_the_detached_watcher_starts_once_and_stops(tmp_path, monkeypatch):
    from undercroft.runtime import systemd_units

    monkeypatch.setattr(systemd_units, "systemd_is_pid1", lambda: False)
    settings = SimpleNamespace(baremetal=False, deployment_name=f"{DEPLOYMENT}-watch",
                               state=StateDir(tmp_path / "state"), log_dir=tmp_path / "log")
    settings.state.ensure()
    pid = watch.start(settings)
    try:
        assert pid and watch.start(settings) == pid  # one per deployment
        assert f"{watch.MODULE}" in open(f"/proc/{pid}/cmdline").read()
    finally:
        watch.stop(settings)
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z":
        assert time.monotonic() < deadline, "the watcher did not stop"
        time.sleep(0.1)
    assert not settings.state.watcher_pidfile.exists()
