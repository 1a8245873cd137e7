"""The health gate's cheap probe runs inside the container's network namespace."""
from __future__ import annotations

import subprocess

import pytest

from undercroft.runtime import health
from tests.integration.conftest import DEPLOYMENT
from tests.integration.runtime.test_executor import container, execute

NETNS = "uctest-probe"
PORT = 18080


@pytest.fixture
def netns():
    subprocess.run(["ip", "netns", "del", NETNS], capture_output=True)
    subprocess.run(["ip", "netns", "add", NETNS], check=True)
    subprocess.run(["ip", "-n", NETNS, "link", "set", "lo", "up"], check=True)
    yield f"/run/netns/{NETNS}"
    subprocess.run(["ip", "netns", "del", NETNS], capture_output=True)


def test_http_check_polled_in_the_namespace_then_confirmed_once_by_podman(
        podman, base_image, clean, netns, tmp_path, monkeypatch):
    calls = []
    real = podman.healthcheck
    monkeypatch.setattr(podman, "healthcheck", lambda name: calls.append(name) or real(name))
    # the server starts after a pause, so the gate has to poll before it passes
    server = container(tmp_path, base_image, "web",
                       f"sh -c 'sleep 2; exec python3 -m http.server --bind 127.0.0.1 {PORT}'",
                       oneshot=False, healthcheck=f"undercroft-healthcheck http http://127.0.0.1:{PORT}/")
    server.desired.spec["network"] = f"ns:{netns}"
    execute(podman, [server])
    assert calls == [f"{DEPLOYMENT}-web"]
    probe = health.parse(server.desired.spec["healthcheck"])
    assert health.Prober().ready(f"ns:{netns}", probe) is True
    assert health.check(probe) is False  # nothing listens there on the host's loopback
