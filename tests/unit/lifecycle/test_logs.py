"""``logs``: which containers a name means, and podman's command for them."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from undercroft.errors import DeployError
from undercroft.lifecycle import logs
from undercroft.podman_cli import GLOBAL_FLAGS
from undercroft.runtime.podman import Podman

from ..fakes import desired, observed_like

SETTINGS = SimpleNamespace(deployment_name="uc", container_prefix="uc-")


class Listed(Podman):
    """Real podman argv; the containers are given (nothing runs)."""

    def containers(self, deployment):
        return [observed_like(desired("uc-keystone_db_sync", "keystone", 3, oneshot=True)),
                observed_like(desired("uc-keystone", "keystone", 3, 2)),
                observed_like(desired("uc-mysql", "mariadb", 2))]


def test_a_service_means_all_its_containers():
    names, argv = logs.command(SETTINGS, Listed(), "keystone", 50, follow=True)
    assert names == ["uc-keystone_db_sync", "uc-keystone"]
    assert argv == ["podman", *GLOBAL_FLAGS, "logs", "--tail", "50", "--names", "-f", *names]


def test_a_container_by_its_name_without_the_prefix():
    names, argv = logs.command(SETTINGS, Listed(), "mysql", 10, follow=False)
    assert names == ["uc-mysql"] and argv[-4:] == ["logs", "--tail", "10", "uc-mysql"]


def test_an_unknown_name_lists_the_services():
    with pytest.raises(DeployError) as err:
        logs.command(SETTINGS, Listed(), "nova", 50, follow=False)
    assert "'nova'" in err.value.message and "keystone, mariadb" in err.value.hint
