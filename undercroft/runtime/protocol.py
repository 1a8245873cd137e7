"""What a runtime is: the verbs the step executor and the lifecycle use.

Two implementations: ``runtime/podman.py:Podman`` (containers) and
``runtime/host.py:HostRuntime`` (host processes, baremetal); the unit tests' fake
(``tests/unit/fakes.py:FakePodman``) is a third. They match structurally, nothing
inherits from ``Runtime``; mypy checks each of them against it (see
``runtime.for_settings`` and the fake's module).

Verbs only podman has (``image_refs``, ``cmd``: images and podman's own command line)
are not part of it: code that needs them narrows to ``Podman`` explicitly
(``runtime.as_podman``).

``inspect`` still answers in podman's JSON shape (``State.Status``, ``State.ExitCode``,
``State.Pid``, ``RestartCount``, ``Id``), which the host runtime fabricates; domain types
in its place are the next step (issue 21).
"""
from __future__ import annotations

from typing import Any, Mapping, Protocol, Sequence

from undercroft.plan.model import DesiredContainer, ObservedContainer


class Runtime(Protocol):
    # --- observation (read-only) -------------------------------------------------------
    def containers(self, deployment: str) -> list[ObservedContainer]:
        """The deployment's units (containers, or host processes), as the plan sees them."""
        ...

    def inspect(self, name: str) -> dict[str, Any]:
        """Podman's inspect record of one unit; ``{}`` if there is none."""
        ...

    def restart_counts(self, names: Sequence[str]) -> dict[str, int]:
        ...

    def last_exit_code(self, container_id: str, /) -> int | None:
        """Exit code of the unit's last death, if known (``container_id``: the Id that
        ``inspect`` gave, or the name; positional, as the runtimes name it differently)."""
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
