"""Integration tier: real podman, real images (rootfs + base, built once and reused)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from undercroft.images import catalog
from undercroft.images.builder import ImageBuilder
from undercroft.report import Reporter
from undercroft.runtime.podman import Podman

DEPLOYMENT = "uctest-int"
MIRROR = os.environ.get("UNDERCROFT_TEST_MIRROR", "http://deb.debian.org/debian")
BUILD_DIR = Path("/var/tmp/undercroft-test-build")


@pytest.fixture(scope="session")
def podman() -> Podman:
    assert os.geteuid() == 0, "the integration tier needs root (podman, namespaces)"
    p = Podman()
    assert p.available(), "podman is missing: run scripts/host-deps.sh"
    return p


@pytest.fixture(scope="session")
def images():
    return catalog.load(MIRROR)


@pytest.fixture(scope="session")
def base_image(podman, images) -> str:
    """The base image ref (built here if its content hash is not present)."""
    needed = catalog.closure(images, ["base"])
    ImageBuilder(podman, Reporter(quiet=True), BUILD_DIR, MIRROR).ensure(needed)
    return images["base"].ref


@pytest.fixture
def clean(podman):
    """Remove this tier's labelled containers before and after each test."""
    def wipe():
        for c in podman.containers(DEPLOYMENT):
            podman.remove(c.name)
    wipe()
    yield
    wipe()
