"""The images a containerized deployment runs: built, listed and checked with podman.

``images build``, ``images list`` and ``plan`` ask here rather than holding podman
themselves (the CLI reaches runtimes only through lifecycle). A baremetal deployment has
no images: its host runtime installs what they would contain.
"""
from __future__ import annotations

from undercroft.config.translate import Settings
from undercroft.images.builder import ImageBuilder
from undercroft.images.catalog import REPO, ImageDef
from undercroft.lifecycle.deployment import Deployment
from undercroft.report import Reporter
from undercroft.runtime import as_podman
from undercroft.runtime.podman import Podman
from undercroft.runtime.protocol import Runtime


def build(settings: Settings, images: list[ImageDef], reporter: Reporter) -> None:
    """Build whichever of ``images`` (build order) podman does not have yet."""
    ImageBuilder(Podman(), reporter, settings.state.build, settings.debian_mirror).ensure(images)


def present_refs() -> set[str]:
    """The image references podman has under Undercroft's repository."""
    return Podman().image_refs(REPO)


def to_build(dep: Deployment, runtime: Runtime) -> list[str]:
    """The names of the images install would build first (none for baremetal)."""
    if dep.settings.baremetal:
        return []
    refs = as_podman(runtime, "the images to build").image_refs(REPO)
    return [i.name for i in dep.needed_images if i.ref not in refs]
