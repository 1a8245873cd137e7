"""A healthcheck that keeps failing gets the container restarted by podman
(``--health-on-failure restart``), and status counts that restart. Without systemd no
timer runs the checks: status running them is what drives it on such hosts."""
from __future__ import annotations

import dataclasses
import time

from undercroft.lifecycle import status
from undercroft.lifecycle.materialize import write_config_dir
from undercroft.render.services import labels
from tests.integration.conftest import DEPLOYMENT
from tests.integration.runtime.test_executor import container


def test_a_failing_healthcheck_restarts_the_container_and_status_counts_it(podman, base_image,
                                                                          clean, tmp_path):
    rendered = container(tmp_path, base_image, "flaky", "sleep infinity", oneshot=False,
                         healthcheck="test -f /tmp/never-there")
    # the start period is the spec's timeout: 1 s, so the first checks already count
    d = dataclasses.replace(rendered.desired, spec={**rendered.desired.spec, "timeout": 1})
    write_config_dir(dataclasses.replace(rendered, desired=d))
    (tmp_path / "logs").mkdir()
    podman.launch(d, labels(d, DEPLOYMENT))
    time.sleep(2)
    assert podman.restart_counts([d.name]) == {d.name: 0}

    reports = [status.collect(podman, DEPLOYMENT) for _ in range(3)]  # each runs the check once
    assert reports[0][0].containers[0].health == "unhealthy"
    deadline = time.monotonic() + 30
    while podman.restart_counts([d.name])[d.name] < 1:
        assert time.monotonic() < deadline, "podman never restarted the unhealthy container"
        time.sleep(0.5)
    again = status.collect(podman, DEPLOYMENT)[0].containers[0]
    assert again.restarts >= 1 and again.state == "running"
