"""The deploy images (what ironic boots on bare metal) and the content hash of each.

Like the container images (catalog.py), each is built here from Debian packages and
named by the hash of its recipe: the Debian suite and mirror, the package epoch of
``update --refresh-packages``, the files of its directory under templates/deploy-images/
(its configure.sh and the shared common.sh), what it outputs and how it is packed. An
output directory whose name carries the hash is never rebuilt.

The deploy images come from Debian 13 (trixie), whatever release the undercloud runs:
trixie ships ironic-python-agent 10.2.0 and a kernel the agent supports.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from undercroft.config.releases import SUITES
from undercroft.images.catalog import _dir_digest
from undercroft.model.loader import TEMPLATES
from undercroft.plan.hashing import digest

ROOT = TEMPLATES / "deploy-images"
SHARED = "common.sh"  # sourced by every image's configure.sh
SUITE = SUITES["epoxy"]
# Bump when the builder's own steps change what comes out (packing, disk layout):
# those are in Python (images/deploy.py), not in the hashed template files.
BUILDER_VERSION = 1

IPA = "ironic-python-agent"
OS_IMAGE = "overcloud-full"

Kind = Literal["ramdisk", "disk"]


@dataclass(frozen=True)
class DeployImageDef:
    name: str
    kind: Kind
    context: Path  # templates/deploy-images/<name>: configure.sh runs inside the root
    outputs: tuple[str, ...]  # file names in the output directory
    tag: str  # content hash of the recipe (16 hex digits)
    suite: str = SUITE
    compression: str = ""  # ramdisk: the initramfs compressor and level
    disk_format: str = ""  # disk: the output format of qemu-img convert
    recipe: tuple[tuple[str, object], ...] = ()  # what the tag hashes, for the manifest

    @property
    def dirname(self) -> str:
        """The output directory's name: the image's name and its tag."""
        return f"{self.name}-{self.tag}"


# name: (kind, outputs, how it is packed)
DEFINITIONS: dict[str, dict] = {
    IPA: {"kind": "ramdisk",
          "outputs": (f"{IPA}.kernel", f"{IPA}.initramfs"),
          "compression": "zstd-12"},
    OS_IMAGE: {"kind": "disk",
               "outputs": (f"{OS_IMAGE}.qcow2",),
               "disk_format": "qcow2"},
}


def recipe_of(name: str, mirror: str, package_epoch: str = "", root: Path = ROOT,
              suite: str = SUITE) -> dict[str, object]:
    """Everything that goes into one deploy image, as the tag hashes it."""
    spec = DEFINITIONS[name]
    shared = root / SHARED
    recipe: dict[str, object] = {
        "name": name, "kind": spec["kind"], "suite": suite, "variant": "minbase",
        "mirror": mirror, "files": _dir_digest(root / name),
        "shared": digest(shared.read_bytes()) if shared.is_file() else "",
        "outputs": list(spec["outputs"]), "compression": spec.get("compression", ""),
        "disk_format": spec.get("disk_format", ""), "builder": BUILDER_VERSION,
    }
    if package_epoch:
        recipe["package_epoch"] = package_epoch
    return recipe


def load(mirror: str, package_epoch: str = "", root: Path = ROOT) -> dict[str, DeployImageDef]:
    """Every deploy image, with its content-hash tag."""
    out = {}
    for name, spec in DEFINITIONS.items():
        recipe = recipe_of(name, mirror, package_epoch, root)
        out[name] = DeployImageDef(
            name, spec["kind"], root / name, tuple(spec["outputs"]), digest(recipe)[:16],
            compression=spec.get("compression", ""), disk_format=spec.get("disk_format", ""),
            recipe=tuple(sorted(recipe.items())))
    return out
