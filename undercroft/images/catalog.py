"""The image graph and the content hash (tag) of each image."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from undercroft.config.releases import DEFAULT as DEFAULT_RELEASE, SUITES
from undercroft.model.loader import TEMPLATES, read_yaml
from undercroft.plan.hashing import digest

REPO = "localhost/undercroft"
ROOTFS = "rootfs"
COMMON = "common"  # shared files, visible to every build as _common/<name>


class RootfsRecipe(TypedDict):
    """debootstrap's inputs for the base root filesystem (part of its tag)."""
    suite: str
    variant: str
    include: list[str]
    recipe: int


ROOTFS_RECIPE: RootfsRecipe = {"suite": "bookworm", "variant": "minbase", "include": ["python3"],
                               "recipe": 1}


@dataclass(frozen=True)
class ImageDef:
    name: str
    parent: str
    context: Path | None  # None for the debootstrap rootfs
    tag: str
    suite: str = "bookworm"  # the Debian suite it is built from (its rootfs')
    containerfile: str = "Containerfile"  # or Containerfile.<release> where a release differs

    @property
    def recipe(self) -> Path:
        """The Containerfile this release builds (images without a context have none)."""
        assert self.context is not None
        return self.context / self.containerfile

    @property
    def ref(self) -> str:
        return f"{REPO}/{self.name}:{self.tag}"


def containerfile_for(ctx: Path, release: str) -> str:
    """``Containerfile.<release>`` where the image differs in that release, else the
    ``Containerfile`` every release shares."""
    return f"Containerfile.{release}" if (ctx / f"Containerfile.{release}").is_file() \
        else "Containerfile"


def _dir_digest(path: Path, containerfile: str = "Containerfile") -> str:
    """The image directory's files; of the Containerfiles only the one this build uses,
    so editing one release's recipe leaves the other release's tags alone."""
    parts = []
    for f in sorted(p for p in path.rglob("*") if p.is_file()
                    if not (p.parent == path and p.name.startswith("Containerfile")
                            and p.name != containerfile)):
        parts.append([str(f.relative_to(path)), digest(f.read_bytes()), f.stat().st_mode & 0o111])
    return digest(parts)


def _common_digest(ctx: Path, common: Path, containerfile: str = "Containerfile") -> str:
    """Hash only the shared files this image's Containerfile copies (``_common/NAME``)."""
    text = (ctx / containerfile).read_text()
    used = sorted(p for p in common.glob("*") if p.is_file() and f"_common/{p.name}" in text)
    return digest([[p.name, digest(p.read_bytes()), p.stat().st_mode & 0o111] for p in used])


def load(mirror: str, root: Path = TEMPLATES / "images",
         package_epoch: str = "", release: str = DEFAULT_RELEASE) -> dict[str, ImageDef]:
    """All images of ``release`` in build order (parents first), each with its
    content-hash tag; the release's Debian suite is part of the rootfs recipe, so each
    release has its own tags.

    ``package_epoch`` (set by ``update --refresh-packages``) salts the rootfs, so every
    image is rebuilt from the archive as it is now: Debian point releases and security
    updates land, which a recipe hash alone would never notice.
    """
    graph = {k: (v or {}).get("parent", ROOTFS)
             for k, v in read_yaml(root / "images.yaml")["images"].items()}
    suite = SUITES[release]
    recipe = {**ROOTFS_RECIPE, "suite": suite, "mirror": mirror}
    if package_epoch:
        recipe["package_epoch"] = package_epoch
    out: dict[str, ImageDef] = {ROOTFS: ImageDef(ROOTFS, "", None, digest(recipe)[:16], suite)}
    pending = dict(graph)
    while pending:
        ready = [n for n, p in pending.items() if p in out]
        if not ready:
            raise ValueError(f"{root / 'images.yaml'}: unknown parent or cycle among {sorted(pending)}")
        for name in sorted(ready):
            parent = out[pending.pop(name)]
            ctx = root / name
            recipe_file = containerfile_for(ctx, release)
            inputs = {"parent": parent.ref, "files": _dir_digest(ctx, recipe_file), "mirror": mirror}
            common = _common_digest(ctx, root / COMMON, recipe_file)
            if common != digest([]):
                inputs["common"] = common
            tag = digest(inputs)[:16]
            out[name] = ImageDef(name, parent.name, ctx, tag, suite, recipe_file)
    return out


def closure(images: dict[str, ImageDef], names) -> list[ImageDef]:
    """The named images and all their ancestors, in build order."""
    need = set()
    for n in names:
        while n:
            need.add(n)
            n = images[n].parent
    return [img for name, img in images.items() if name in need]
