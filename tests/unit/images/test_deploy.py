"""Deploy images: recipe hashing, output naming, reuse of a built recipe, CLI arguments.

No real build here: debootstrap, podman and the packing tools are never run.
"""
from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from undercroft.cli.images import ImagesBuild, OvercloudImageBuild, deploy_image_names
from undercroft.errors import DeployError
from undercroft.images import deploy, deploy_catalog
from undercroft.images.deploy import DeployImageBuilder, is_built, ramdisk_compressor, root_uuid
from undercroft.images.deploy_catalog import IPA, OS_IMAGE
from undercroft.podman_cli import PodmanCLI
from undercroft.report import Reporter

MIRROR = "http://deb.debian.org/debian"


@pytest.fixture
def recipes(tmp_path) -> Path:
    """A copy of templates/deploy-images to edit."""
    root = tmp_path / "deploy-images"
    shutil.copytree(deploy_catalog.ROOT, root)
    return root


def tags(root: Path, mirror: str = MIRROR, epoch: str = "") -> dict[str, str]:
    return {n: i.tag for n, i in deploy_catalog.load(mirror, epoch, root).items()}


def test_both_images_with_their_outputs_and_a_hash_in_the_directory_name():
    images = deploy_catalog.load(MIRROR)
    assert list(images) == [IPA, OS_IMAGE]
    ipa, disk = images[IPA], images[OS_IMAGE]
    assert ipa.outputs == ("ironic-python-agent.kernel", "ironic-python-agent.initramfs")
    assert disk.outputs == ("overcloud-full.qcow2",)
    for img in images.values():
        assert len(img.tag) == 16 and int(img.tag, 16) >= 0
        assert img.dirname == f"{img.name}-{img.tag}"
        assert img.suite == "trixie"
        assert (img.context / "configure.sh").is_file()
    assert ipa.tag != disk.tag


def test_the_tag_is_stable_for_the_same_recipe(recipes):
    assert tags(recipes) == tags(recipes) == tags(deploy_catalog.ROOT)


def test_editing_one_images_script_changes_only_its_tag(recipes):
    before = tags(recipes)
    with open(recipes / IPA / "configure.sh", "a") as f:
        f.write("# one more line\n")
    after = tags(recipes)
    assert after[IPA] != before[IPA]
    assert after[OS_IMAGE] == before[OS_IMAGE]


def test_a_new_file_in_an_image_directory_changes_its_tag(recipes):
    before = tags(recipes)
    (recipes / OS_IMAGE / "extra.network").write_text("[Match]\n")
    assert tags(recipes)[OS_IMAGE] != before[OS_IMAGE]


def test_the_shared_script_mirror_and_package_epoch_change_every_tag(recipes):
    before = tags(recipes)
    with open(recipes / deploy_catalog.SHARED, "a") as f:
        f.write("# shared change\n")
    shared = tags(recipes)
    assert all(shared[n] != before[n] for n in before)
    assert all(v != before[n] for n, v in tags(recipes, "http://mirror.example/debian").items())
    assert all(v != shared[n] for n, v in tags(recipes, epoch="20260101T000000Z").items())


def test_the_recipe_names_what_the_tag_hashes():
    img = deploy_catalog.load(MIRROR, "E1")[IPA]
    recipe = dict(img.recipe)
    assert recipe["suite"] == "trixie" and recipe["mirror"] == MIRROR
    assert recipe["package_epoch"] == "E1"
    assert recipe["compression"].startswith("zstd")
    assert recipe["builder"] == deploy_catalog.BUILDER_VERSION


# --- output directory: built or not ---------------------------------------------------

def fake_outputs(out_dir: Path, img, tag: str | None = None, skip: str = "") -> Path:
    dest = out_dir / img.dirname
    dest.mkdir(parents=True)
    for name in img.outputs:
        if name != skip:
            (dest / name).write_bytes(b"x" * 1024)
    (dest / deploy.MANIFEST).write_text(json.dumps({"tag": tag or img.tag}))
    return dest


def test_is_built_needs_every_output_and_a_manifest_with_the_tag(tmp_path):
    img = deploy_catalog.load(MIRROR)[IPA]
    assert not is_built(tmp_path, img)
    fake_outputs(tmp_path / "a", img)
    assert is_built(tmp_path / "a", img)
    fake_outputs(tmp_path / "b", img, skip="ironic-python-agent.initramfs")
    assert not is_built(tmp_path / "b", img)
    fake_outputs(tmp_path / "c", img, tag="0" * 16)
    assert not is_built(tmp_path / "c", img)


class Recorder(Reporter):
    def __init__(self):
        super().__init__(quiet=True)
        self.lines: list[tuple[str, str, str]] = []

    def line(self, status, name, detail="", seconds=None):
        self.lines.append((status, name, detail))


def builder(tmp_path: Path, reporter: Reporter) -> DeployImageBuilder:
    return DeployImageBuilder(PodmanCLI("false"), reporter, tmp_path / "build",
                              tmp_path / "deploy-images", MIRROR)


def test_an_unchanged_recipe_is_reused_and_nothing_runs(tmp_path, monkeypatch):
    images = list(deploy_catalog.load(MIRROR).values())
    for img in images:
        fake_outputs(tmp_path / "deploy-images", img)
    monkeypatch.setattr(DeployImageBuilder, "_build",
                        lambda self, img: pytest.fail(f"{img.name} rebuilt"))
    rep = Recorder()
    b = builder(tmp_path, rep)
    out = b.ensure(images)
    assert b.podman.writes == []
    assert out == {i.name: tmp_path / "deploy-images" / i.dirname for i in images}
    kept = [(s, n) for s, n, d in rep.lines if "reused" in d]
    assert kept == [("keep", IPA), ("keep", OS_IMAGE)]
    assert ("keep", "ironic-python-agent.initramfs", "0.0 MiB") in rep.lines
    for img in images:  # <name> -> the directory of this recipe
        assert (tmp_path / "deploy-images" / img.name).resolve() == out[img.name].resolve()


def test_a_changed_recipe_is_built_and_the_link_follows(tmp_path, monkeypatch):
    old = deploy_catalog.load(MIRROR)[IPA]
    new = deploy_catalog.load(MIRROR, "E2")[IPA]
    fake_outputs(tmp_path / "deploy-images", old)
    built = []

    def fake_build(self, img):
        built.append(img.name)
        fake_outputs(self.out_dir, img)

    monkeypatch.setattr(DeployImageBuilder, "_build", fake_build)
    b = builder(tmp_path, Recorder())
    b.ensure([old])
    assert built == []
    b.ensure([new])
    assert built == [IPA]
    assert (tmp_path / "deploy-images" / IPA).resolve().name == new.dirname
    assert (tmp_path / "deploy-images" / old.dirname).is_dir()  # the old one stays


def test_a_missing_host_tool_is_named_with_its_package(tmp_path, monkeypatch):
    monkeypatch.setattr(deploy.shutil, "which", lambda t: None if t == "cpio" else "/bin/" + t)
    img = deploy_catalog.load(MIRROR)[IPA]
    with pytest.raises(DeployError) as err:
        builder(tmp_path, Recorder())._build(img)
    assert "cpio" in err.value.message and "apt-get install cpio" in (err.value.hint or "")


# --- packing decisions ------------------------------------------------------------------

def test_zstd_only_when_the_kernel_unpacks_it():
    assert ramdisk_compressor("zstd-12", "CONFIG_RD_GZIP=y\nCONFIG_RD_ZSTD=y\n") \
        == "zstd -q -T0 -12"
    assert ramdisk_compressor("zstd-12", "CONFIG_RD_GZIP=y\n# CONFIG_RD_ZSTD is not set\n") \
        == "gzip -9"
    assert ramdisk_compressor("gzip", "CONFIG_RD_ZSTD=y\n") == "gzip -9"


def test_the_root_uuid_is_a_uuid_fixed_by_the_tag():
    img = deploy_catalog.load(MIRROR)[OS_IMAGE]
    assert str(uuid.UUID(root_uuid(img))) == root_uuid(img) == root_uuid(img)
    assert root_uuid(img).replace("-", "").startswith(img.tag)
    assert root_uuid(deploy_catalog.load(MIRROR, "E")[OS_IMAGE]) != root_uuid(img)


def test_tree_size_counts_hard_links_once(tmp_path):
    (tmp_path / "a").write_bytes(b"x" * 100)
    (tmp_path / "b").hardlink_to(tmp_path / "a")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "c").write_bytes(b"y" * 10)
    assert deploy.tree_size(tmp_path) == 110


# --- CLI ------------------------------------------------------------------------------------

def parse(command, argv):
    return command(None, None).get_parser("x").parse_args(argv)


def test_images_build_deploy_arguments():
    assert parse(ImagesBuild, []).deploy is None  # container images, as before
    assert parse(ImagesBuild, ["--deploy"]).deploy == []
    assert parse(ImagesBuild, ["--deploy", OS_IMAGE]).deploy == [OS_IMAGE]
    assert deploy_image_names([]) == [IPA, OS_IMAGE]
    assert deploy_image_names(None) == [IPA, OS_IMAGE]
    assert deploy_image_names([OS_IMAGE, IPA, OS_IMAGE]) == [OS_IMAGE, IPA]


@pytest.mark.parametrize("argv", [["--deploy", "bogus"], ["--deploy", "--all"]])
def test_images_build_refuses(argv, capsys):
    with pytest.raises(SystemExit):
        parse(ImagesBuild, argv)


def test_overcloud_image_build_arguments():
    assert parse(OvercloudImageBuild, []).image_name is None
    assert parse(OvercloudImageBuild, ["--image-name", IPA]).image_name == [IPA]
    with pytest.raises(SystemExit):
        parse(OvercloudImageBuild, ["--image-name", "overcloud-hardened"])


def test_images_build_deploy_builds_only_deploy_images(monkeypatch, tmp_path):
    from undercroft.cli import images as cli

    calls = []

    class Dep:
        settings = type("S", (), {"state": type("St", (), {"deploy_images": tmp_path})()})()

    monkeypatch.setattr(cli.deployment, "load", lambda *a, **k: Dep())
    monkeypatch.setattr(cli.image_builds, "build",
                        lambda *a, **k: pytest.fail("container images built"))
    monkeypatch.setattr(cli.image_builds, "build_deploy",
                        lambda settings, names, rep: calls.append(names) or {n: tmp_path
                                                                             for n in names})
    cmd = ImagesBuild(None, None)
    assert cmd.act(cmd.get_parser("x").parse_args(["--deploy", IPA])) == 0
    assert calls == [[IPA]]


# --- GRUB onto a disk file ----------------------------------------------------------------

def test_embed_grub_keeps_the_partition_table_and_places_the_core_at_sector_1(tmp_path):
    disk = tmp_path / "disk.raw"
    table = bytes(range(64)) + b"\x55\xaa"  # 4 partition entries and the signature
    disk.write_bytes(b"\0" * 446 + table + b"\0" * 512 * 4095)
    boot = bytearray(b"\xeb\x63" + b"B" * 510)
    boot[0x66:0x68] = b"\xeb\x05"  # the boot drive check's jmp
    (tmp_path / "boot.img").write_bytes(bytes(boot))
    (tmp_path / "core.img").write_bytes(b"C" * 1000)
    deploy.embed_grub(disk, tmp_path / "boot.img", tmp_path / "core.img")
    data = disk.read_bytes()
    assert data[:2] == b"\xeb\x63" and data[0x66:0x68] == b"\x90\x90"
    assert data[0x68:440] == b"B" * (440 - 0x68)
    assert data[446:512] == table
    assert data[512:1512] == b"C" * 1000 and data[1512:1536] == b"\0" * 24
    assert len(data) == 512 * 4096


def test_embed_grub_refuses_a_core_that_reaches_partition_1(tmp_path):
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 512 * 8)
    (tmp_path / "boot.img").write_bytes(b"\0" * 512)
    (tmp_path / "core.img").write_bytes(b"C" * 512 * 4)
    with pytest.raises(DeployError):
        deploy.embed_grub(disk, tmp_path / "boot.img", tmp_path / "core.img", part_start=4)
    deploy.embed_grub(disk, tmp_path / "boot.img", tmp_path / "core.img", part_start=5)


def test_key_packages_from_the_dpkg_status(tmp_path):
    status = tmp_path / "status"
    status.write_text(
        "Package: ironic-python-agent\nStatus: install ok installed\nVersion: 10.2.0-3\n"
        "Description: agent\n multi-line: not a field\n\n"
        "Package: linux-image-6.12.1-amd64\nStatus: install ok installed\nVersion: 6.12.1-1\n\n"
        "Package: cloud-init\nStatus: deinstall ok config-files\nVersion: 1\n\n"
        "Package: zsh\nStatus: install ok installed\nVersion: 5\n")
    assert deploy.key_packages(status) == {"ironic-python-agent": "10.2.0-3",
                                           "linux-image-6.12.1-amd64": "6.12.1-1"}
    assert deploy.key_packages(tmp_path / "missing") == {}


def test_osc_overcloud_image_build_is_registered_and_resolves():
    import importlib
    import tomllib

    root = Path(__file__).resolve().parents[3]
    groups = tomllib.loads((root / "pyproject.toml").read_text())["project"]["entry-points"]
    osc = groups["openstack.undercroft.v1"]
    assert osc["overcloud_image_build"] == "undercroft.cli.images:OvercloudImageBuild"
    module, _, name = osc["overcloud_image_build"].partition(":")
    assert getattr(importlib.import_module(module), name) is OvercloudImageBuild


def test_configure_runs_the_script_inside_the_root_and_leaves_no_build_files(tmp_path):
    """podman is ``true`` here: what matters is the command and the root around it."""
    images = deploy_catalog.load(MIRROR)
    b = DeployImageBuilder(PodmanCLI("true"), Recorder(), tmp_path / "build",
                           tmp_path / "out", MIRROR)
    seen = []
    deploy_run = deploy.run_logged

    def spy(argv, log, what, stdin=None, env=None):
        seen.append(argv)
        root = Path(argv[argv.index("--rootfs") + 1])
        assert (root / "undercroft-build" / "common.sh").is_file()
        assert (root / argv[-1].lstrip("/")).is_file()  # configure.sh, as the root sees it
        deploy_run(argv, log, what, stdin, env)

    log = tmp_path / "log"
    for name, resolved in ((IPA, False), (OS_IMAGE, True)):
        root = tmp_path / name
        (root / "etc").mkdir(parents=True)
        (root / "etc/resolv.conf").write_text("nameserver 10.255.255.53\n")  # the host's
        if resolved:
            (root / "usr/lib/systemd").mkdir(parents=True)
            (root / "usr/lib/systemd/systemd-resolved").write_text("")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(deploy, "run_logged", spy)
            b._configure(images[name], root, log)
        argv = seen[-1]
        assert argv[0] == "true" and "--rm" in argv and "--network=host" in argv
        assert argv[-2:] == ["/bin/sh", f"/undercroft-build/{name}/configure.sh"]
        assert (f"ROOT_UUID={root_uuid(images[name])}" in argv) == (name == OS_IMAGE)
        assert not (root / "undercroft-build").exists()
        resolv = root / "etc/resolv.conf"
        if resolved:
            assert str(resolv.readlink()) == "/run/systemd/resolve/stub-resolv.conf"
        else:
            assert not resolv.is_symlink() and resolv.read_text() == ""
