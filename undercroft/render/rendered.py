"""What rendering produces: containers with their config files, as plain values.

In a module of their own so that the renderer's helpers (databases.py,
keystone_registry.py) build them without importing the Renderer (services.py), which
imports them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from undercroft.model.schema import ContainerTemplate, ServiceTemplate
from undercroft.plan.model import DesiredContainer


@dataclass(frozen=True)
class RenderedFile:
    dest: str
    content: str
    owner: str
    mode: str


@dataclass(frozen=True)
class RenderedContainer:
    desired: DesiredContainer
    config_dir: Path
    config_json: dict
    files: tuple[RenderedFile, ...]
    secret_files: dict[str, str] = field(default_factory=dict)  # relpath -> value


@dataclass(frozen=True)
class RenderedPort:
    """A port an enabled service listens on (its template's ``ports`` and catalog
    entries), which the preflight check wants free (config/validations.py)."""

    service: str
    protocol: str  # tcp | udp
    port: int
    bind: str  # local_ip | loopback (model/schema.py PORT_BINDS)


@dataclass(frozen=True)
class Rendered:
    containers: tuple[RenderedContainer, ...]
    host_dirs: tuple[tuple[str, str], ...]  # (path, mode)
    ports: tuple[RenderedPort, ...] = ()

    @property
    def desired(self) -> list[DesiredContainer]:
        return [c.desired for c in self.containers]


@dataclass(frozen=True)
class Generated:
    """A one-shot the renderer adds on a service's behalf (database creation, keystone
    registration): its template, its files already rendered, and its place in the steps."""
    service: ServiceTemplate
    step: int
    order: int
    template: ContainerTemplate
    files: tuple[RenderedFile, ...]
    image: str  # a name in templates/images/images.yaml
