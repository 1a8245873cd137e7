"""Runtimes execute plans on this host: podman (default) and host processes (baremetal).

Both implement ``runtime.protocol.Runtime``, the verbs the step executor and the
lifecycle use (launch, wait, healthcheck, inspect, start, stop, remove, containers, ...),
so plan, executor, health gates and reports are shared.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from undercroft.runtime.protocol import Runtime

if TYPE_CHECKING:  # pragma: no cover
    from undercroft.config.translate import Settings
    from undercroft.runtime.podman import Podman


def for_settings(settings: "Settings") -> Runtime:
    """The runtime a deployment's settings ask for. (Returning both as ``Runtime`` is
    where mypy checks that Podman and HostRuntime implement the protocol.)"""
    if settings.baremetal:
        from undercroft.runtime.host import HostRuntime
        return HostRuntime(settings.state)
    from undercroft.runtime.podman import Podman
    return Podman()


def as_podman(rt: Runtime, needed_for: str) -> "Podman":
    """``rt`` where only podman will do: images (``image_refs``, builds) and podman's own
    command line (``cmd``). The host runtime has neither; reaching here with it is a bug
    (callers take this branch for containerized deployments only)."""
    from undercroft.runtime.podman import Podman
    if not isinstance(rt, Podman):
        raise TypeError(f"{needed_for} needs podman, not the {type(rt).__name__} runtime")
    return rt
