"""The operator's own undercloud (``make deploy``'s quick start, deployment and namespace
``undercloud``) and the suite share one machine: it runs last and checks that the
undercloud found running when the suite started still runs the same containers and
answers a real client. Skipped where no such undercloud was running (a CI machine).
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import BIN
from undercroft.errors import DeployError
from undercroft.runtime.podman import Podman

pytestmark = [pytest.mark.job("update"), pytest.mark.after_all]

NAME = "undercloud"
CLOUDS = Path(os.path.expanduser("~")) / ".config/openstack/clouds.yaml"


def running_containers() -> dict[str, str]:
    """The operator's containers whose process runs (podman lists a container whose
    monitor was killed with the machine's processes as running: ``lost``, not counted)."""
    try:
        observed = Podman().containers(NAME)
    except DeployError:  # no podman on this machine: no undercloud either
        return {}
    return {c.name: str(c.started_at) for c in observed if c.state == "running"}


# read when pytest imports this module, before any test runs
AT_START = running_containers()


def test_the_operators_undercloud_still_answers():
    if not AT_START:
        pytest.skip(f"no '{NAME}' undercloud was running when the suite started")
    assert running_containers() == AT_START, "the operator's containers changed during the suite"
    proc = subprocess.run(["ip", "netns", "exec", NAME, str(BIN / "openstack"), "--os-cloud",
                           "undercloud", "token", "issue", "-f", "value", "-c", "id"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, OS_CLIENT_CONFIG_FILE=str(CLOUDS)))
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr
