"""The host runtime installs what the images would contain, read from their Containerfiles."""
from __future__ import annotations

from pathlib import Path

from undercroft.images import catalog, recipe
from undercroft.images.catalog import ImageDef


def write_image(tmp_path: Path, name: str, text: str, files=()) -> ImageDef:
    ctx = tmp_path / name
    ctx.mkdir(parents=True)
    (ctx / "Containerfile").write_text(text)
    for f in files:
        (ctx / f).write_text("#!/bin/sh\n")
    return ImageDef(name, "rootfs", ctx, "t")


def test_packages_from_every_apt_helper_call_and_files_from_copy_lines(tmp_path):
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "undercroft-uwsgi").write_text("#!/bin/sh\n")
    img = write_image(tmp_path, "svc", """ARG BASE
FROM ${BASE}
# a comment line is not an instruction
RUN undercroft-apt-install one two \\
        three \\
    && rm -rf /var/lib/svc/*
RUN undercroft-apt-install four && sed -i s/a/b/ /etc/x
COPY helper-a helper-b /usr/local/bin/
COPY _common/undercroft-uwsgi /usr/local/bin/undercroft-uwsgi
RUN chmod 755 /usr/local/bin/*
""", files=["helper-a", "helper-b"])
    r = recipe.read(img)
    assert r.packages == ["one", "two", "three", "four"]
    assert [(src.relative_to(tmp_path).as_posix(), dest) for src, dest in r.files] == [
        ("svc/helper-a", "/usr/local/bin/helper-a"),
        ("svc/helper-b", "/usr/local/bin/helper-b"),
        ("common/undercroft-uwsgi", "/usr/local/bin/undercroft-uwsgi")]


def test_every_shipped_image_names_its_packages_and_parents_come_first():
    images = catalog.load("http://deb.debian.org/debian")
    for name, img in images.items():
        if name != catalog.ROOTFS:
            assert recipe.read(img).packages, f"{name}: no undercroft-apt-install in its Containerfile"
    keystone = recipe.for_images(images, ["keystone"])
    assert keystone.packages.index("procps") < keystone.packages.index("uwsgi-core") \
        < keystone.packages.index("keystone")
    dests = [d for _, d in keystone.files]
    assert "/usr/local/bin/undercroft-start" in dests and "/usr/local/bin/undercroft-uwsgi" in dests
    assert all(src.is_file() for src, _ in recipe.for_images(images, list(images)).files)
