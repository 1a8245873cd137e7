"""Content-hash tags: an image whose tag exists is not rebuilt; a change makes a new tag."""
from __future__ import annotations

import shutil

from undercroft.images import catalog
from undercroft.images.builder import ImageBuilder
from undercroft.report import Reporter
from tests.integration.conftest import BUILD_DIR, MIRROR


def test_present_images_are_not_rebuilt(podman, base_image, images):
    podman.writes.clear()
    ImageBuilder(podman, Reporter(quiet=True), BUILD_DIR, MIRROR).ensure(catalog.closure(images, ["base"]))
    assert podman.writes == []


def test_changed_context_builds_a_new_tag(podman, base_image, images, tmp_path):
    root = tmp_path / "images"
    shutil.copytree(catalog.TEMPLATES / "images", root)
    (root / "tiny").mkdir()
    (root / "tiny" / "Containerfile").write_text("ARG BASE\nFROM ${BASE}\nRUN echo v1 > /etc/tiny\n")
    with open(root / "images.yaml", "a") as f:
        f.write("  tiny: {parent: base}\n")
    first = catalog.load(MIRROR, root)
    assert first["base"].tag == images["base"].tag
    (root / "tiny" / "Containerfile").write_text("ARG BASE\nFROM ${BASE}\nRUN echo v2 > /etc/tiny\n")
    second = catalog.load(MIRROR, root)
    assert first["tiny"].tag != second["tiny"].tag
    builder = ImageBuilder(podman, Reporter(quiet=True), BUILD_DIR, MIRROR)
    try:
        builder.ensure(catalog.closure(second, ["tiny"]))
        assert second["tiny"].ref in podman.image_refs(catalog.REPO)
        out = podman.call("run", "--rm", "--ulimit", "nofile=16384:16384", "--ulimit",
                          "nproc=8192:8192", "--entrypoint", "cat", second["tiny"].ref, "/etc/tiny").stdout
        assert out.strip() == "v2"
    finally:
        podman.call("rmi", "-f", second["tiny"].ref, check=False)


def test_failed_build_shows_the_failing_step(podman, base_image, tmp_path):
    root = tmp_path / "images"
    shutil.copytree(catalog.TEMPLATES / "images", root)
    (root / "bad").mkdir()
    (root / "bad" / "Containerfile").write_text(
        "ARG BASE\nFROM ${BASE}\nRUN echo about-to-fail && false\n")
    with open(root / "images.yaml", "a") as f:
        f.write("  bad: {parent: base}\n")
    imgs = catalog.load(MIRROR, root)
    import pytest
    from undercroft.errors import DeployError
    with pytest.raises(DeployError) as err:
        ImageBuilder(podman, Reporter(quiet=True), BUILD_DIR, MIRROR).ensure(catalog.closure(imgs, ["bad"]))
    assert "build of image bad failed" in err.value.message
    assert "about-to-fail" in err.value.detail
