"""Per-service health, read from the runtime (podman, or a baremetal deployment's host
processes): container states, a fresh healthcheck, uptime, restarts, image, and whether
the service's API endpoints answer where clients are.

Running a healthcheck also feeds podman's ``--health-on-failure restart``: a service
whose check keeps failing is restarted by podman, which ``restarts`` then shows.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Callable

from undercroft.plan.model import INPUTS_LABEL, ObservedContainer
from undercroft.runtime.protocol import Runtime

if TYPE_CHECKING:  # pragma: no cover
    from undercroft.lifecycle.deployment import Deployment


@dataclass
class ContainerStatus:
    name: str
    state: str
    health: str  # healthy | unhealthy | completed | failed | missing
    image: str = ""
    uptime_s: int | None = None  # running containers only
    restarts: int = 0


@dataclass
class EndpointStatus:
    interface: str
    url: str
    result: str  # HTTP status, or why it could not be reached
    reachable: bool


@dataclass
class ServiceStatus:
    service: str
    containers: list[ContainerStatus] = field(default_factory=list)
    endpoints: list[EndpointStatus] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return (all(c.health in ("healthy", "completed") for c in self.containers)
                and all(e.reachable for e in self.endpoints))


def _image(o: ObservedContainer) -> str:
    try:
        return json.loads(o.labels.get(INPUTS_LABEL, "{}")).get("image", "") or o.image
    except ValueError:
        return o.image


def _container_status(runtime: Runtime, o: ObservedContainer, restarts: int,
                      now: float) -> ContainerStatus:
    image = _image(o)
    if o.oneshot:
        ok = o.state == "exited" and o.exit_code == 0
        return ContainerStatus(o.name, o.state, "completed" if ok else "failed", image)
    if o.state != "running":
        return ContainerStatus(o.name, o.state, "unhealthy", image, restarts=restarts)
    health = "healthy" if runtime.healthcheck(o.name) == 0 else "unhealthy"
    uptime = int(now - o.started_at) if o.started_at else None
    return ContainerStatus(o.name, o.state, health, image, uptime, restarts)


def collect(runtime: Runtime, deployment: str, expected: dict[str, list[str]] | None = None,
            endpoints: dict[str, list[EndpointStatus]] | None = None,
            observed: list[ObservedContainer] | None = None) -> list[ServiceStatus]:
    """Status per service; ``expected`` (service -> container names) adds missing ones,
    ``endpoints`` (service -> probed endpoints) adds API reachability. Pass ``observed``
    when the caller already listed the containers."""
    if observed is None:
        observed = runtime.containers(deployment)
    restarts = runtime.restart_counts([o.name for o in observed if not o.oneshot])
    now = time.time()
    by_service: dict[str, ServiceStatus] = {}
    for o in sorted(observed, key=lambda o: (o.step, o.service, o.name)):
        st = by_service.setdefault(o.service, ServiceStatus(o.service))
        st.containers.append(_container_status(runtime, o, restarts.get(o.name, 0), now))
    for service, names in (expected or {}).items():
        st = by_service.setdefault(service, ServiceStatus(service))
        present = {c.name for c in st.containers}
        st.containers += [ContainerStatus(n, "missing", "missing") for n in names if n not in present]
    for service, eps in (endpoints or {}).items():
        by_service.setdefault(service, ServiceStatus(service)).endpoints = list(eps)
    return list(by_service.values())


def of_deployment(dep: "Deployment", runtime: Runtime,
                  endpoints: Callable[[], dict[str, list[EndpointStatus]]] | None = None,
                  ) -> list[ServiceStatus]:
    """``status``: every container the deployment renders (missing ones too) and, if
    ``endpoints`` is given and anything is deployed, its probed API endpoints."""
    expected: dict[str, list[str]] = {}
    for c in dep.rendered.containers:
        expected.setdefault(c.desired.service, []).append(c.desired.name)
    observed = runtime.containers(dep.settings.deployment_name)
    probed = endpoints() if endpoints is not None and observed else {}
    return collect(runtime, dep.settings.deployment_name, expected, probed, observed)


def as_dict(statuses: list[ServiceStatus]) -> list[dict]:
    return [{"service": s.service, "healthy": s.healthy,
             "containers": [asdict(c) for c in s.containers],
             "endpoints": [asdict(e) for e in s.endpoints]} for s in statuses]
