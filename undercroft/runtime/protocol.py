"""What a runtime is: the verbs the step executor and the lifecycle use, and the domain
type its observation answers in.

Two implementations: ``runtime/podman.py:Podman`` (containers) and
``runtime/host.py:HostRuntime`` (host processes, baremetal); the unit tests' fake
(``tests/unit/fakes.py:FakePodman``) is a third. They match structurally, nothing
inherits from ``Runtime``; mypy checks each of them against it (see
``runtime.for_settings`` and the fake's module).

A unit's state is a ``UnitState``, whichever runtime runs it: ``Podman`` converts
podman's inspect record into one (``runtime/podman.py:unit_state``, the one place that
reads that record), ``HostRuntime`` builds it from its process manager and its record.
A deployment's units as a whole are ``plan.model.ObservedContainer`` (``containers``).

Verbs only podman has (``image_refs``, ``cmd``: images and podman's own command line;
``inspect_json``: podman's whole inspect record) are not part of it: code that needs
them narrows to ``Podman`` explicitly (``runtime.as_podman``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Protocol, Sequence

from undercroft.plan.model import DesiredContainer, ObservedContainer


@dataclass(frozen=True)
class UnitState:
    """One unit (a container, or a host process) as its runtime sees it now.

    ``status`` is podman's word for a container's state (``running``, ``exited``,
    ``created``, ``stopping``, ...), or ``lost``: podman lists it running but its process
    is gone (``runtime/podman.py:_state``), so it is not running. The host runtime says
    ``running`` or ``exited``. ``""`` is no such unit (``NO_UNIT``).
    """

    status: str
    exit_code: int | None = None  # its last exit as recorded (0 if none yet); None: no unit
    pid: int = 0  # its main process while it runs, else 0
    restarts: int = 0  # by the runtime itself (restart policy, process manager)
    id: str = ""  # for last_exit_code: podman's container id, the host unit's name

    @property
    def exists(self) -> bool:
        return self.status != ""

    @property
    def running(self) -> bool:
        """Its process is up (``lost`` is not)."""
        return self.status == "running"


NO_UNIT = UnitState("")


class Runtime(Protocol):
    # --- observation (read-only) -------------------------------------------------------
    def containers(self, deployment: str) -> list[ObservedContainer]:
        """The deployment's units (containers, or host processes), as the plan sees them."""
        ...

    def inspect(self, name: str) -> UnitState:
        """One unit's state now; ``NO_UNIT`` if there is none."""
        ...

    def restart_counts(self, names: Sequence[str]) -> dict[str, int]:
        """Restarts of each unit, for ``status`` (all in one go; podman also counts the
        restarts its failing healthchecks made, which ``UnitState.restarts`` does not)."""
        ...

    def last_exit_code(self, unit_id: str, /) -> int | None:
        """Exit code of the unit's last death, if known (``unit_id``: ``UnitState.id``,
        or the name; positional, as the runtimes name it differently)."""
        ...

    def healthcheck(self, name: str) -> int:
        """0 healthy, 1 unhealthy, 125 not running (podman's codes)."""
        ...

    def logs_tail(self, name: str, lines: int = 30) -> str:
        ...

    def exists(self, name: str) -> bool:
        ...

    # --- changes -----------------------------------------------------------------------
    def launch(self, d: DesiredContainer, labels: Mapping[str, str]) -> None:
        """Start a desired unit (a one-shot or a long-running one) with these labels."""
        ...

    def wait(self, name: str, timeout: float) -> int:
        """A one-shot's exit code; ``subprocess.TimeoutExpired`` after ``timeout``."""
        ...

    def start(self, name: str) -> None:
        ...

    def stop(self, name: str, timeout: int = 10) -> None:
        ...

    def stop_many(self, names: Sequence[str], timeout: int = 10) -> None:
        ...

    def remove(self, name: str) -> None:
        ...

    def rename(self, name: str, new_name: str) -> None:
        ...
