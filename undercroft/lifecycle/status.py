"""Per-service health, read from podman: container states plus a fresh healthcheck."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from undercroft.plan.model import INPUTS_LABEL, ObservedContainer
from undercroft.runtime.podman import Podman


@dataclass
class ContainerStatus:
    name: str
    state: str
    health: str  # healthy | unhealthy | completed | failed | missing
    image: str = ""


@dataclass
class ServiceStatus:
    service: str
    containers: list[ContainerStatus] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(c.health in ("healthy", "completed") for c in self.containers)


def _container_status(podman: Podman, o: ObservedContainer) -> ContainerStatus:
    try:
        image = json.loads(o.labels.get(INPUTS_LABEL, "{}")).get("image", "")
    except ValueError:
        image = ""
    if o.oneshot:
        ok = o.state == "exited" and o.exit_code == 0
        return ContainerStatus(o.name, o.state, "completed" if ok else "failed", image)
    if o.state != "running":
        return ContainerStatus(o.name, o.state, "unhealthy", image)
    health = "healthy" if podman.healthcheck(o.name) == 0 else "unhealthy"
    return ContainerStatus(o.name, o.state, health, image)


def collect(podman: Podman, deployment: str, expected: dict[str, list[str]] | None = None) -> list[ServiceStatus]:
    """Status per service; ``expected`` (service -> container names) adds missing ones."""
    observed = podman.containers(deployment)
    by_service: dict[str, ServiceStatus] = {}
    for o in sorted(observed, key=lambda o: (o.step, o.service, o.name)):
        st = by_service.setdefault(o.service, ServiceStatus(o.service))
        st.containers.append(_container_status(podman, o))
    for service, names in (expected or {}).items():
        st = by_service.setdefault(service, ServiceStatus(service))
        present = {c.name for c in st.containers}
        st.containers += [ContainerStatus(n, "missing", "missing") for n in names if n not in present]
    return list(by_service.values())


def as_dict(statuses: list[ServiceStatus]) -> list[dict]:
    return [{"service": s.service, "healthy": s.healthy,
             "containers": [asdict(c) for c in s.containers]} for s in statuses]
