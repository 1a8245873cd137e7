"""``logs``: which containers a name means, and the command that prints their output.

Containers are shown with ``podman logs``; a baremetal deployment's host processes write
their output to files, which ``tail`` shows (a header per file). The CLI runs the
command and masks secrets in what it prints.
"""
from __future__ import annotations

from pathlib import Path

from undercroft.config.translate import Settings
from undercroft.errors import DeployError
from undercroft.runtime import as_podman
from undercroft.runtime.host import HostRuntime
from undercroft.runtime.protocol import Runtime


def command(settings: Settings, runtime: Runtime, name: str, tail: int,
            follow: bool) -> tuple[list[str], list[str]]:
    """(container names, argv): ``name`` is a service (all its containers) or one
    container, with or without the deployment's prefix."""
    observed = runtime.containers(settings.deployment_name)
    full = f"{settings.container_prefix}{name}"
    names = [o.name for o in observed if o.service == name] or \
        [o.name for o in observed if o.name in (name, full)]
    if not names:
        services = sorted({o.service for o in observed})
        raise DeployError(f"no service or container '{name}' in deployment "
                          f"'{settings.deployment_name}'",
                          hint=f"services: {', '.join(services) or 'none (not installed)'}")
    if isinstance(runtime, HostRuntime):  # host processes' files: tail prints a header per file
        paths = [p for p in (runtime.log_path(n) for n in names) if p and Path(p).exists()]
        if not paths:
            raise DeployError(f"no output file yet for {', '.join(names)}")
        return names, ["tail", "-n", str(tail), *(["-F"] if follow else []), *paths]
    podman = as_podman(runtime, "logs of containers")
    return names, podman.cmd("logs", "--tail", str(tail), *(["--names"] if len(names) > 1 else []),
                             *(["-f"] if follow else []), *names)
