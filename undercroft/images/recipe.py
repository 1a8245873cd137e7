"""What an image puts on a machine, read from its Containerfile, for the host runtime.

The Containerfiles stay the one place where a service's Debian packages and helper
scripts are listed. Baremetal mode installs the same things on the host: the packages
of every ``undercroft-apt-install`` in the image and its parents, and the files its
``COPY`` lines place (helpers in /usr/local/bin). Other ``RUN`` tweaks are image-only
(emptying a data directory, say) and are not applied to a host; what a host needs in
their place is a service template's ``baremetal: setup``.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from undercroft.images.catalog import COMMON, ImageDef, closure

APT_HELPER = "undercroft-apt-install"


@dataclass
class HostRecipe:
    packages: list[str] = field(default_factory=list)
    files: list[tuple[Path, str]] = field(default_factory=list)  # (source, destination path)

    def merge(self, other: "HostRecipe") -> None:
        self.packages += [p for p in other.packages if p not in self.packages]
        self.files += [f for f in other.files if f not in self.files]


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        word, _, rest = current.partition(" ")
        out.append((word.upper(), rest.strip()))
        current = ""
    return out


def read(image: ImageDef) -> HostRecipe:
    """The packages and copied files of one image's own Containerfile."""
    recipe = HostRecipe()
    if image.context is None:  # the debootstrap rootfs: a minimal Debian, the host is one
        return recipe
    for word, args in _instructions(image.recipe.read_text()):
        if word == "RUN":
            for command in args.split("&&"):
                argv = shlex.split(command)
                if argv and argv[0] == APT_HELPER:
                    recipe.packages += [p for p in argv[1:] if p not in recipe.packages]
        elif word == "COPY":
            *sources, dest = shlex.split(args)
            for src in sources:
                path = (image.context.parent / COMMON / src.split("/", 1)[1]
                        if src.startswith("_common/") else image.context / src)
                target = dest + path.name if dest.endswith("/") else dest
                recipe.files.append((path, target))
    return recipe


def for_images(images: dict[str, ImageDef], names) -> HostRecipe:
    """Everything the named images (and their parents) would install, parents first."""
    total = HostRecipe()
    for image in closure(images, names):
        total.merge(read(image))
    return total
