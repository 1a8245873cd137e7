"""Build missing images; skip any whose content-hash tag already exists.

The rootfs comes from debootstrap + ``podman import``; every other image from
``podman build --network=host`` of its directory with ``BASE`` = the parent's tag.
Build output goes to a log file; on failure the error shows its last lines.

Builds go through ``undercroft.podman_cli`` (this host's podman flags, write counting),
not through the container runtime: images and runtime import neither each other
(docs/architecture.md, "Allowed imports").
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from undercroft.errors import DeployError
from undercroft.images.catalog import COMMON, REPO, ROOTFS, ROOTFS_RECIPE, ImageDef
from undercroft.podman_cli import ULIMITS, PodmanCLI
from undercroft.report import Reporter


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def run_logged(argv: list[str], log: Path, what: str, stdin=None, env=None) -> None:
    """Run ``argv`` with its output appended to ``log``; a failure names the log and
    shows its last lines."""
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        proc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, stdin=stdin, env=env)
    if proc.returncode != 0:
        raise DeployError(f"{what} failed (exit {proc.returncode}); full log: {log}",
                          detail=_tail(log))


def debootstrap(suite: str, target: Path, mirror: str, log: Path, variant: str = "minbase",
                include: list[str] | None = None, what: str = "the base root filesystem") -> None:
    """A minimal Debian ``suite`` root in ``target``: the base of the container images
    (then ``podman import``) and of the deploy images (images/deploy.py)."""
    if shutil.which("debootstrap") is None:
        raise DeployError("debootstrap is not installed",
                          hint="run scripts/host-deps.sh (make deploy does) to install it")
    argv = ["debootstrap", f"--variant={variant}"]
    if include:
        argv.append("--include=" + ",".join(include))
    run_logged([*argv, suite, str(target), mirror], log, f"debootstrap of {what}")


class ImageBuilder:
    def __init__(self, podman: PodmanCLI, reporter: Reporter, build_dir: Path, mirror: str,
                 parallel: int = 2):
        self.podman = podman
        self.reporter = reporter
        self.build_dir = build_dir
        self.mirror = mirror
        self.parallel = parallel

    def ensure(self, images: list[ImageDef]) -> dict[str, str]:
        """Make every image in ``images`` (build order) present; return name -> ref."""
        self.reporter.phase("Images")
        refs = self.podman.image_refs(REPO)
        present = {img.name for img in images if img.ref in refs}
        for img in images:
            if img.name in present:
                self.reporter.line("keep", img.name, f"{img.ref} present")
        todo = [img for img in images if img.name not in present]
        built: set[str] = set(present)
        while todo:
            wave = [img for img in todo if not img.parent or img.parent in built]
            if not wave:
                raise DeployError("image graph is inconsistent: "
                                  + ", ".join(i.name for i in todo))
            with ThreadPoolExecutor(max_workers=self.parallel) as pool:
                for img in pool.map(self._build_one, wave, [images] * len(wave)):
                    built.add(img.name)
            todo = [img for img in todo if img.name not in built]
        return {img.name: img.ref for img in images}

    def _build_one(self, img: ImageDef, images: list[ImageDef]) -> ImageDef:
        self.build_dir.mkdir(parents=True, exist_ok=True)
        log = self.build_dir / f"{img.name}.log"
        self.reporter.line("run", img.name, "building")
        self.reporter.event("image_build_start", image=img.name, ref=img.ref)
        t0 = time.monotonic()
        try:
            if img.name == ROOTFS:
                self._build_rootfs(img, log)
            else:
                parent = next(i for i in images if i.name == img.parent)
                self._build_layer(img, parent, log)
        except DeployError:
            self.reporter.line("fail", img.name, f"build failed, log: {log}")
            raise
        took = time.monotonic() - t0
        self.reporter.event("image_build_done", image=img.name, seconds=round(took, 2))
        self.reporter.line("ok", img.name, img.ref, took)
        return img

    def _run_logged(self, argv: list[str], log: Path, what: str, stdin=None) -> None:
        run_logged(argv, log, what, stdin)

    def _build_rootfs(self, img: ImageDef, log: Path) -> None:
        log.write_text("")
        tmp = Path(tempfile.mkdtemp(prefix="rootfs-", dir=self.build_dir))
        try:
            debootstrap(img.suite, tmp, self.mirror, log, variant=ROOTFS_RECIPE["variant"],
                        include=ROOTFS_RECIPE["include"])
            tar = subprocess.Popen(["tar", "-C", str(tmp), "-c", "."], stdout=subprocess.PIPE)
            assert tar.stdout is not None  # stdout=PIPE
            try:
                self.podman.writes.append("import rootfs")
                self._run_logged(self.podman.cmd("import", "--change", "ENV LANG=C.UTF-8", "-",
                                                  img.ref),
                                 log, "podman import of the rootfs", stdin=tar.stdout)
            finally:
                tar.stdout.close()
                tar.wait()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _build_layer(self, img: ImageDef, parent: ImageDef, log: Path) -> None:
        """Build from a scratch context: the image's directory plus ``_common/``."""
        assert img.context is not None  # only the rootfs (built by debootstrap) has none
        log.write_text("")
        self.podman.writes.append(f"build {img.name}")
        ctx = Path(tempfile.mkdtemp(prefix=f"ctx-{img.name}-", dir=self.build_dir))
        try:
            shutil.copytree(img.context, ctx, dirs_exist_ok=True)
            common = img.context.parent / COMMON
            if common.is_dir():
                shutil.copytree(common, ctx / "_common")
            self._podman_build(img, parent, ctx, log)
        finally:
            shutil.rmtree(ctx, ignore_errors=True)

    def _podman_build(self, img: ImageDef, parent: ImageDef, ctx: Path, log: Path) -> None:
        self._run_logged(self.podman.cmd(
            "build", "--network=host", "--pull=never",
            *ULIMITS, "--build-arg", f"BASE={parent.ref}", "--build-arg", f"MIRROR={self.mirror}",
            "--label", f"undercroft.image={img.name}", "--label", f"undercroft.image-hash={img.tag}",
            "-t", img.ref, "-f", str(ctx / img.containerfile), str(ctx),
        ), log, f"build of image {img.name}")


