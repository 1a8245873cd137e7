"""The backup archive: private, complete, and refused when it does not match its manifest."""
from __future__ import annotations

import dataclasses
import io
import os
import tarfile

import pytest

from undercroft.errors import DeployError
from undercroft.lifecycle import backup
from undercroft.report import Reporter

# Stands in for "podman ... exec uc-mysql" before "mysqldump ...": prints a dump, ignores
# its arguments.
FAKE_EXEC = ("sh", "-c", "echo 'CREATE DATABASE IF NOT EXISTS keystone;'", "fake-exec")


@pytest.fixture
def sources(tmp_path):
    (tmp_path / "out").mkdir()
    pw = tmp_path / "out" / "undercloud-passwords.yaml"
    pw.write_text("parameter_defaults:\n  AdminPassword: s3cret\n")
    conf = tmp_path / "undercloud.conf"
    conf.write_text("[DEFAULT]\n")
    env = tmp_path / "env.yaml"
    env.write_text("parameter_defaults: {}\n")
    tls = tmp_path / "state" / "tls"
    tls.mkdir(parents=True)
    (tls / "ca.key").write_text("KEY")
    glance = tmp_path / "data" / "glance" / "images"
    glance.mkdir(parents=True)
    (glance / "img-1").write_bytes(b"\0" * 1000)
    return backup.Sources("uc", FAKE_EXEC, ("keystone", "glance"), conf, (env,), pw, tls,
                          tmp_path / "data")


def test_archive_is_private_and_lists_every_file(sources, tmp_path):
    out = backup.create(sources, tmp_path / "b.tar.gz", ("glance",),
                        Reporter(quiet=True))
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"
    manifest = backup.read_manifest(out)
    assert set(manifest["files"]) == {
        "db/databases.sql", "secrets/undercloud-passwords.yaml", "config/undercloud.conf",
        "config/env/0-env.yaml", "tls/ca.key", "data/glance.tar"}
    assert manifest["databases"] == ["keystone", "glance"] and manifest["data"] == ["glance"]
    got = backup.extract_verified(out, tmp_path / "x")
    assert got == manifest
    assert (tmp_path / "x/db/databases.sql").read_text().startswith("CREATE DATABASE")


def test_a_damaged_archive_is_refused(sources, tmp_path):
    out = backup.create(sources, tmp_path / "b.tar.gz", (), Reporter(quiet=True))
    with tarfile.open(out) as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar]
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        for m, data in members:
            if m.name == "secrets/undercloud-passwords.yaml":
                data = data.replace(b"s3cret", b"other!")
            tar.addfile(m, io.BytesIO(data) if data is not None else None)
    with pytest.raises(DeployError, match="do not match the manifest"):
        backup.extract_verified(bad, tmp_path / "y")


def test_unknown_data_set_and_failed_dump_are_clear(sources, tmp_path):
    with pytest.raises(DeployError, match="unknown data set.*nova"):
        backup.create(sources, tmp_path / "b.tar.gz", ("nova",), Reporter(quiet=True))
    broken = dataclasses.replace(sources, mysql_exec=("false",))
    with pytest.raises(DeployError, match=r"mysqldump \(false\) failed"):
        backup.create(broken, tmp_path / "c.tar.gz", (), Reporter(quiet=True))


def test_not_a_backup(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    with pytest.raises(DeployError, match="not an undercroft backup"):
        backup.read_manifest(junk)
    with pytest.raises(DeployError, match="not an undercroft backup"):
        backup.extract_verified(junk, tmp_path / "x")


def test_data_keeps_extended_attributes(sources, tmp_path):
    img = sources.data_root / "glance" / "images" / "img-1"
    os.setxattr(img, "user.swift.metadata", b"etag-and-more")
    out = backup.create(sources, tmp_path / "b.tar.gz", ("glance",),
                        Reporter(quiet=True))
    manifest = backup.extract_verified(out, tmp_path / "x")
    restored = tmp_path / "restored"
    restored.mkdir()
    backup.restore_data(tmp_path / "x", restored, manifest, Reporter(quiet=True))
    again = restored / "glance" / "images" / "img-1"
    assert again.read_bytes() == img.read_bytes()
    assert os.getxattr(again, "user.swift.metadata") == b"etag-and-more"


def test_a_baremetal_backup_refuses_data_sets_with_one_message(write_conf, capsys, monkeypatch):
    from undercroft.cli import lifecycle, main as cli_main

    monkeypatch.setattr(lifecycle.os, "geteuid", lambda: 0)  # the root check comes first
    conf = write_conf(undercroft="baremetal = true\n")
    assert cli_main.main(["backup", "--config", str(conf), "--data", "glance"]) == 1
    err = capsys.readouterr().err
    assert "--data is for containerized undercloud" in err and "Traceback" not in err


def test_restore_refuses_a_baremetal_deployment_before_touching_secrets(sources, write_conf, tmp_path):
    archive = backup.create(sources, tmp_path / "b.tar.gz", (), Reporter(quiet=True))
    conf = write_conf(undercroft="baremetal = true\n", name="bm.conf", root=tmp_path / "bm")
    with pytest.raises(DeployError, match="restore does not serve baremetal") as err:
        backup.restore(archive, conf, Reporter(quiet=True))
    assert "drop [undercroft] baremetal" in err.value.hint
    assert not deployment_passwords(conf).exists()


def deployment_passwords(conf):
    from undercroft.lifecycle import deployment

    return deployment.settings(conf).passwords_file


def test_an_archive_cut_short_is_refused_in_one_line(sources, tmp_path):
    """tar stops at its own end marker: only reading the gzip stream to its end notices a
    lost trailer (CRC and length)."""
    out = backup.create(sources, tmp_path / "b.tar.gz", (), Reporter(quiet=True))
    whole = out.read_bytes()
    for cut in (4, len(whole) // 2):  # the trailer only; deep into the data
        short = tmp_path / f"cut{cut}.tar.gz"
        short.write_bytes(whole[:-cut])
        with pytest.raises(DeployError) as err:
            backup.extract_verified(short, tmp_path / f"x{cut}")
        assert "cut short" in err.value.message and "\n" not in err.value.message
        assert not (tmp_path / f"x{cut}").exists()


def test_restore_over_an_existing_undercloud_needs_force_and_changes_nothing(
        sources, write_conf, tmp_path, monkeypatch):
    archive = backup.create(sources, tmp_path / "b.tar.gz", (), Reporter(quiet=True))
    root = tmp_path / "live"
    conf = write_conf(name="live.conf", root=root)
    (root / "data" / "mysql" / "keystone").mkdir(parents=True)  # its databases are here
    monkeypatch.setattr(backup.Podman, "available", lambda self: False)
    asked = []
    with pytest.raises(DeployError) as err:
        backup.restore(archive, conf, Reporter(quiet=True), confirm=lambda what: asked.append(what) or False)
    message = err.value.message
    assert "exists here (databases in" in message and "everything created since then is lost" in message
    assert "nothing was changed" in message and "--force" in err.value.hint
    assert asked and "exists here" in asked[0]
    assert not deployment_passwords(conf).exists()


def test_an_undercloud_exists_when_it_has_containers_or_databases(write_conf, tmp_path):
    from types import SimpleNamespace
    from undercroft.lifecycle import deployment

    settings = deployment.settings(write_conf())
    assert backup.existing(settings, []) is None
    (settings.data_root / "mysql" / "mysql").mkdir(parents=True)  # system schema only
    assert backup.existing(settings, []) is None
    running = [SimpleNamespace(state="running"), SimpleNamespace(state="exited")]
    assert "2 containers (1 running)" in backup.existing(settings, running)
