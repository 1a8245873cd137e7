"""The images a containerized deployment runs: built, listed and checked with podman.

``images build``, ``images list`` and ``plan`` ask here rather than holding podman
themselves (the CLI reaches runtimes only through lifecycle). A baremetal deployment has
no images: its host runtime installs what they would contain. ``images build --deploy``
builds the deploy images ironic boots on bare metal (images/deploy.py) instead.
"""
from __future__ import annotations

from pathlib import Path

from undercroft.config.translate import Settings
from undercroft.errors import DeployError
from undercroft.images import deploy_catalog
from undercroft.images.builder import ImageBuilder
from undercroft.images.catalog import REPO, ImageDef
from undercroft.images.deploy import DeployImageBuilder
from undercroft.lifecycle.deployment import Deployment, package_epoch
from undercroft.report import Reporter
from undercroft.runtime import as_podman
from undercroft.runtime.podman import Podman
from undercroft.runtime.protocol import Runtime


def build(settings: Settings, images: list[ImageDef], reporter: Reporter) -> None:
    """Build whichever of ``images`` (build order) podman does not have yet."""
    ImageBuilder(Podman(), reporter, settings.state.build, settings.debian_mirror).ensure(images)


def build_deploy(settings: Settings, names: list[str], reporter: Reporter) -> dict[str, Path]:
    """Build whichever of the named deploy images (all when ``names`` is empty) has no
    output for its recipe's hash yet; return name -> output directory."""
    images = deploy_catalog.load(settings.debian_mirror, package_epoch(settings))
    unknown = sorted(set(names) - set(images))
    if unknown:
        raise DeployError(f"unknown deploy image(s): {', '.join(unknown)}",
                          hint=f"choose from: {', '.join(images)}")
    chosen = [img for name, img in images.items() if not names or name in names]
    return DeployImageBuilder(Podman(), reporter, settings.state.build,
                              settings.state.deploy_images, settings.debian_mirror).ensure(chosen)


def present_refs() -> set[str]:
    """The image references podman has under Undercroft's repository."""
    return Podman().image_refs(REPO)


def to_build(dep: Deployment, runtime: Runtime) -> list[str]:
    """The names of the images install would build first (none for baremetal)."""
    if dep.settings.baremetal:
        return []
    refs = as_podman(runtime, "the images to build").image_refs(REPO)
    return [i.name for i in dep.needed_images if i.ref not in refs]
