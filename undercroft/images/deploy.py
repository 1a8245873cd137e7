"""Build the deploy images: the ironic-python-agent ramdisk and the whole-disk OS image.

Each one: debootstrap a minimal trixie root (builder.debootstrap, as for the container
images' base), run its configure.sh inside that root (``podman run --rootfs``: apt
installs packages with the mounts and DNS a package install expects, and nothing is
left mounted on the host), then pack it:

- ramdisk: the kernel from /boot, the rest of the root as a newc cpio, compressed with
  what the kernel's config says it unpacks (zstd, else gzip). systemd is the ramdisk's
  /init.
- disk: the root as an ext4 file system made by ``mkfs.ext4 -d`` into a file, an MBR
  partition table written by sfdisk onto the disk file, the file system copied into
  partition 1, and GRUB's boot sector and core image (made in the root by trixie's
  grub-mkimage) written into the MBR and the gap before partition 1 the way
  grub-bios-setup would: no loop device, no mount, no device to probe. Then
  qemu-img convert.

Outputs go to ``<state_dir>/deploy-images/<name>-<tag>/`` with manifest.json; a
``<name>`` symlink there points to the newest. An existing directory with every output
and its manifest is kept: a rebuild of an unchanged recipe does nothing.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from undercroft.errors import DeployError
from undercroft.images.builder import debootstrap, run_logged
from undercroft.images.deploy_catalog import SHARED, DeployImageDef
from undercroft.podman_cli import ULIMITS, PodmanCLI
from undercroft.report import Reporter

MANIFEST = "manifest.json"
BUILD_CONTEXT = "undercroft-build"  # where the recipe files sit inside the root while it runs
# host tools per step, with the Debian package that has them
TOOLS = {"debootstrap": "debootstrap", "cpio": "cpio", "zstd": "zstd", "gzip": "gzip",
         "mkfs.ext4": "e2fsprogs", "sfdisk": "fdisk", "qemu-img": "qemu-utils"}
NEEDS = {"ramdisk": ("debootstrap", "cpio", "zstd"),
         "disk": ("debootstrap", "mkfs.ext4", "sfdisk", "qemu-img")}
MIB = 1024 * 1024
PART_START = 2048  # sectors: partition 1 at 1 MiB leaves the MBR gap for GRUB's core image


def human(size: int) -> str:
    return f"{size / MIB:.1f} MiB"


def is_built(out_dir: Path, img: DeployImageDef) -> bool:
    """The image's output directory holds every output and a manifest with its tag."""
    dest = out_dir / img.dirname
    try:
        manifest = json.loads((dest / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return manifest.get("tag") == img.tag and all((dest / f).is_file() for f in img.outputs)


def root_uuid(img: DeployImageDef) -> str:
    """The OS image's root file system UUID: fixed by its tag, so the recipe (fstab,
    grub.cfg) and the file system agree without a device to probe."""
    return str(uuid.UUID(img.tag.ljust(32, "0")[:32]))


def missing_tools(kind: str) -> list[str]:
    return [t for t in NEEDS[kind] if shutil.which(t) is None]


class DeployImageBuilder:
    def __init__(self, podman: PodmanCLI, reporter: Reporter, build_dir: Path, out_dir: Path,
                 mirror: str):
        self.podman = podman
        self.reporter = reporter
        self.build_dir = build_dir
        self.out_dir = out_dir
        self.mirror = mirror

    def ensure(self, images: list[DeployImageDef]) -> dict[str, Path]:
        """Make every image present; return name -> its output directory."""
        self.reporter.phase("Deploy images")
        out = {}
        for img in images:
            dest = self.out_dir / img.dirname
            if is_built(self.out_dir, img):
                self.reporter.line("keep", img.name, f"{img.tag} present, reused: {dest}")
                for name in img.outputs:
                    self.reporter.line("keep", name, human((dest / name).stat().st_size))
            else:
                self._build(img)
            self._link_current(img)
            out[img.name] = dest
        return out

    def _link_current(self, img: DeployImageDef) -> None:
        link = self.out_dir / img.name
        tmp = self.out_dir / f".{img.name}.link"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(img.dirname)
        os.replace(tmp, link)

    def _build(self, img: DeployImageDef) -> None:
        missing = missing_tools(img.kind)
        if missing:
            pkgs = sorted({TOOLS[t] for t in missing})
            raise DeployError(f"cannot build {img.name}: {', '.join(missing)} not installed",
                              hint=f"apt-get install {' '.join(pkgs)}")
        self.build_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        log = self.build_dir / f"deploy-{img.name}.log"
        log.write_text("")
        self.reporter.line("run", img.name, f"building {img.tag} (log: {log})")
        self.reporter.event("deploy_image_build_start", image=img.name, tag=img.tag)
        t0 = time.monotonic()
        for stale in self.build_dir.glob(f"deploy-{img.name}-*"):  # a build killed midway
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix=f"deploy-{img.name}-", dir=self.build_dir))
        try:
            root = work / "root"
            steps = {}
            t = time.monotonic()
            debootstrap(img.suite, root, self.mirror, log, what=f"the {img.name} root")
            steps["debootstrap"] = time.monotonic() - t
            t = time.monotonic()
            self._configure(img, root, log)
            steps["configure"] = time.monotonic() - t
            staging = work / "out"
            staging.mkdir()
            t = time.monotonic()
            if img.kind == "ramdisk":
                extra = self._pack_ramdisk(img, root, staging, log)
            else:
                extra = self._make_disk(img, root, work, staging, log)
            steps["pack"] = time.monotonic() - t
            took = time.monotonic() - t0
            sizes = {name: (staging / name).stat().st_size for name in img.outputs}
            manifest = {"name": img.name, "tag": img.tag, "recipe": dict(img.recipe),
                        "packages": key_packages(root / "var/lib/dpkg/status"),
                        "outputs": sizes, "build_seconds": round(took, 1),
                        "step_seconds": {k: round(v, 1) for k, v in steps.items()},
                        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **extra}
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            dest = self.out_dir / img.dirname
            if dest.exists():  # an incomplete earlier build
                shutil.rmtree(dest)
            staging.rename(dest)
        except DeployError:
            self.reporter.line("fail", img.name, f"build failed, log: {log}")
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self.reporter.event("deploy_image_build_done", image=img.name, seconds=round(took, 1))
        self.reporter.line("ok", img.name, f"{img.tag}: {dest}", took)
        for name, size in sizes.items():
            self.reporter.line("ok", name, human(size))

    def _configure(self, img: DeployImageDef, root: Path, log: Path) -> None:
        """Run the image's configure.sh inside its root (network: the host's, for apt)."""
        ctx = root / BUILD_CONTEXT
        shutil.copytree(img.context, ctx / img.name)
        shutil.copy2(img.context.parent / SHARED, ctx / SHARED)
        env = ["-e", f"ROOT_UUID={root_uuid(img)}"] if img.kind == "disk" else []
        self.podman.writes.append(f"run --rootfs {img.name}")
        run_logged(self.podman.cmd("run", "--rm", "--network=host", *ULIMITS, *env,
                                   "--rootfs", str(root),
                                   "/bin/sh", f"/{BUILD_CONTEXT}/{img.name}/configure.sh"),
                   log, f"configure of {img.name} (its configure.sh)")
        shutil.rmtree(ctx)
        # debootstrap copied this host's resolv.conf; podman only mounted over it
        resolv = root / "etc/resolv.conf"
        resolv.unlink(missing_ok=True)
        if (root / "usr/lib/systemd/resolv.conf").exists() or \
                (root / "usr/lib/systemd/systemd-resolved").exists():
            resolv.symlink_to("/run/systemd/resolve/stub-resolv.conf")
        else:
            resolv.write_text("")

    @staticmethod
    def _kernel(root: Path) -> tuple[Path, str]:
        kernels = sorted(root.glob("boot/vmlinuz-*"))
        if len(kernels) != 1:
            raise DeployError(f"expected one kernel in {root / 'boot'}, found {len(kernels)}")
        return kernels[0], kernels[0].name.removeprefix("vmlinuz-")

    def _pack_ramdisk(self, img: DeployImageDef, root: Path, staging: Path, log: Path) -> dict:
        kernel, kver = self._kernel(root)
        kernel_out, initramfs_out = (staging / name for name in img.outputs)
        shutil.copy2(kernel, kernel_out)
        config = root / "boot" / f"config-{kver}"
        compressor = ramdisk_compressor(img.compression, config.read_text())
        for f in (root / "boot").iterdir():  # the kernel is outside; nothing boots from here
            shutil.rmtree(f) if f.is_dir() and not f.is_symlink() else f.unlink()
        run_logged(["bash", "-o", "pipefail", "-c",
                    'cd "$1" && find . -mindepth 1 -print0 | cpio --null -o -H newc --quiet'
                    f' | {compressor} > "$2"', "pack", str(root), str(initramfs_out)],
                   log, f"packing the {img.name} initramfs")
        return {"kernel_version": kver, "initramfs_compression": compressor,
                "root_bytes": tree_size(root)}

    def _make_disk(self, img: DeployImageDef, root: Path, work: Path, staging: Path,
                   log: Path) -> dict:
        _, kver = self._kernel(root)
        used = tree_size(root)
        # room to boot and for cloud-init's growpart to take the rest of the real disk
        fs_mib = (int(used * 1.25) // MIB) + 256
        part, disk = work / "root.ext4", work / "disk.raw"
        uid = root_uuid(img)
        run_logged(["mkfs.ext4", "-q", "-F", "-L", "root", "-U", uid,
                    "-O", "^orphan_file,^metadata_csum_seed", "-d", str(root),
                    str(part), f"{fs_mib}M"], log, "mkfs.ext4 of the OS image's root")
        disk_bytes = (PART_START * 512) + fs_mib * MIB
        with open(disk, "wb") as f:
            f.truncate(disk_bytes)
        run_logged(["sfdisk", "--no-reread", "--no-tell-kernel", str(disk)], log,
                   "sfdisk of the OS image", stdin=_text_stdin(
                       f"label: dos\nstart={PART_START}, type=83, bootable\n"))
        run_logged(["dd", f"if={part}", f"of={disk}", "bs=1M", f"seek={PART_START * 512}",
                    "oflag=seek_bytes", "conv=notrunc,sparse", "status=none"], log,
                   "copy of the root file system into partition 1")
        part.unlink()
        self._grub(img, root, disk, log)
        out = staging / img.outputs[0]
        run_logged(["qemu-img", "convert", "-c", "-O", img.disk_format, str(disk), str(out)],
                   log, f"qemu-img convert to {img.disk_format}")
        return {"kernel_version": kver, "root_uuid": uid, "root_bytes": used,
                "disk_bytes": disk_bytes}

    def _grub(self, img: DeployImageDef, root: Path, disk: Path, log: Path) -> None:
        """GRUB onto the disk file: the image's own boot.img and core.img (configure.sh
        made them with trixie's grub-mkimage)."""
        grub = root / "boot/grub/i386-pc"
        embed_grub(disk, grub / "boot.img", grub / "core.img")
        with open(log, "a") as f:
            f.write(f"\nGRUB: {grub / 'boot.img'} into the MBR, {grub / 'core.img'} "
                    f"({(grub / 'core.img').stat().st_size} bytes) at sector 1 of {disk}\n")


MBR_CODE = 440  # boot code; the disk signature and partition table follow


def embed_grub(disk: Path, boot_img: Path, core_img: Path, part_start: int = PART_START) -> None:
    """What grub-bios-setup does for an MBR disk, on a file (it wants a device).

    boot.img's code goes into the MBR, keeping the partition table; core.img goes to
    sector 1, where boot.img looks for it by default (its kernel sector is 1, and the
    core's own block list starts at sector 2, both as grub-mkimage left them). Like
    grub-bios-setup for a hard disk, the boot drive check becomes two NOPs: some BIOSes
    pass a wrong drive number. The core image has no Reed-Solomon codes
    (grub-bios-setup --no-rs-codes).
    """
    boot = bytearray(boot_img.read_bytes())
    core = core_img.read_bytes()
    if len(boot) != 512:
        raise DeployError(f"{boot_img}: {len(boot)} bytes, a boot sector has 512")
    if 1 + -(-len(core) // 512) > part_start:
        raise DeployError(f"{core_img} ({len(core)} bytes) does not fit before sector "
                          f"{part_start}, where partition 1 starts")
    boot[0x66:0x68] = b"\x90\x90"  # GRUB_BOOT_MACHINE_DRIVE_CHECK: jmp -> nop nop
    with open(disk, "r+b") as f:
        f.write(boot[:MBR_CODE])
        f.seek(512)
        f.write(core)


def ramdisk_compressor(compression: str, kernel_config: str) -> str:
    """The compressor command for the initramfs: the recipe's (``zstd-<level>``) when the
    kernel unpacks it (CONFIG_RD_ZSTD), else gzip, which every kernel unpacks."""
    algo, _, level = compression.partition("-")
    if algo == "zstd" and "CONFIG_RD_ZSTD=y" in kernel_config.splitlines():
        return f"zstd -q -T0 -{level or 3}"
    return "gzip -9"


KEY_PACKAGES = ("ironic-python-agent", "linux-image-", "systemd", "cloud-init",
                "openssh-server", "grub-pc-bin", "python3")


def key_packages(status: Path) -> dict[str, str]:
    """Versions of the packages that say what an image is, from its dpkg status file."""
    out: dict[str, str] = {}
    try:
        stanzas = status.read_text().split("\n\n")
    except OSError:
        return out
    for stanza in stanzas:
        fields = dict(line.split(": ", 1) for line in stanza.splitlines()
                      if ": " in line and not line.startswith(" "))
        name = fields.get("Package", "")
        if "installed" in fields.get("Status", "").split() and \
                any(name == k or (k.endswith("-") and name.startswith(k)) for k in KEY_PACKAGES):
            out[name] = fields.get("Version", "")
    return dict(sorted(out.items()))


def tree_size(root: Path) -> int:
    """Bytes of the regular files under ``root`` (hard links once)."""
    seen, total = set(), 0
    for dirpath, _, files in os.walk(root):
        for name in files:
            st = os.lstat(os.path.join(dirpath, name))
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
    return total


def _text_stdin(text: str):
    """A readable file holding ``text``, for a child's standard input."""
    f = tempfile.TemporaryFile()
    f.write(text.encode())
    f.seek(0)
    return f
