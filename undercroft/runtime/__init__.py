"""Runtimes execute plans: podman (default) and host (baremetal); ansible comes later.

Both offer the verbs the step executor uses (launch, wait, healthcheck, inspect, start,
stop, remove, containers), so plan, executor, health gates and reports are shared.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from undercroft.config.translate import Settings


def for_settings(settings: "Settings"):
    """The runtime a deployment's settings ask for."""
    if settings.baremetal:
        from undercroft.runtime.host import HostRuntime
        return HostRuntime(settings.state_dir)
    from undercroft.runtime.podman import Podman
    return Podman()
