"""Config directories and operator credentials written by install (into tmp_path)."""
from __future__ import annotations

import json
import stat

import yaml

from undercroft.lifecycle import credentials
from undercroft.lifecycle.materialize import remove_config_dir, write_config_dir
from undercroft.render.rendered import RenderedContainer, RenderedFile
from undercroft.state import StateDir

from ..fakes import desired


def mode(p):
    return stat.S_IMODE(p.stat().st_mode)


def rc(tmp_path, files=(), secret_files=None, cmd="run"):
    return RenderedContainer(
        desired=desired("keystone", "keystone", 4), config_dir=tmp_path / "config" / "keystone",
        config_json={"command": cmd, "user": "keystone"}, files=tuple(files),
        secret_files=secret_files or {})


def test_config_dir_layout_and_modes(tmp_path):
    c = rc(tmp_path, [RenderedFile("/etc/keystone/keystone.conf", "[DEFAULT]\n", "keystone", "0640")],
           {"secrets/OS_BOOTSTRAP_PASSWORD": "s3cret"})
    write_config_dir(c)
    root = c.config_dir
    assert mode(root) == 0o700
    assert json.loads((root / "config.json").read_text()) == c.config_json
    conf = root / "files" / "etc" / "keystone" / "keystone.conf"
    assert conf.read_text() == "[DEFAULT]\n"
    assert (root / "secrets" / "OS_BOOTSTRAP_PASSWORD").read_text() == "s3cret"
    for p in root.rglob("*"):
        if p.is_file():
            assert mode(p) == 0o600, p


def test_unchanged_files_are_not_rewritten_and_stale_ones_removed(tmp_path):
    f1 = RenderedFile("/etc/a.conf", "a", "root", "0640")
    f2 = RenderedFile("/etc/b.conf", "b", "root", "0640")
    write_config_dir(rc(tmp_path, [f1, f2]))
    a = tmp_path / "config" / "keystone" / "files" / "etc" / "a.conf"
    ino = a.stat().st_ino
    write_config_dir(rc(tmp_path, [f1], cmd="run2"))
    assert a.stat().st_ino == ino  # not replaced
    assert not (tmp_path / "config" / "keystone" / "files" / "etc" / "b.conf").exists()
    assert json.loads((tmp_path / "config" / "keystone" / "config.json").read_text())["command"] == "run2"
    remove_config_dir(StateDir(tmp_path), "keystone")
    assert not (tmp_path / "config" / "keystone").exists()
    remove_config_dir(StateDir(tmp_path), "keystone")  # idempotent


def test_credentials_are_private_and_keep_other_clouds(tmp_path):
    clouds = credentials.clouds_yaml_path(tmp_path)
    clouds.parent.mkdir(parents=True)
    clouds.write_text(yaml.safe_dump({"clouds": {"other": {"auth": {"auth_url": "x"}}}}))
    values = {"LocalIp": "192.168.24.1", "AdminPassword": "pw", "KeystoneRegion": "regionTwo"}
    stackrc, written = credentials.write(tmp_path, values)
    assert written == clouds
    assert mode(stackrc) == 0o600 and mode(clouds) == 0o600
    text = stackrc.read_text()
    assert "export OS_AUTH_URL=http://192.168.24.1:5000" in text
    assert "export OS_PASSWORD=pw" in text and "OS_REGION_NAME=regionTwo" in text
    data = yaml.safe_load(clouds.read_text())["clouds"]
    assert set(data) == {"other", "undercloud"}
    assert data["undercloud"]["auth"]["password"] == "pw"
    assert data["undercloud"]["region_name"] == "regionTwo"


def test_credentials_with_a_generated_ca_point_clients_at_it(tmp_path):
    values = {"LocalIp": "192.168.24.1", "AdminPassword": "pw",
              "KeystonePublicUrl": "https://192.168.24.2:13000"}
    stackrc, clouds = credentials.write(tmp_path, values, ca_pem="-----BEGIN CERTIFICATE-----\n")
    ca = tmp_path / credentials.CA_FILE
    assert mode(ca) == 0o644 and ca.read_text().startswith("-----BEGIN CERTIFICATE")
    assert "export OS_AUTH_URL=https://192.168.24.2:13000" in stackrc.read_text()
    assert f"export OS_CACERT={ca}" in stackrc.read_text()
    assert yaml.safe_load(clouds.read_text())["clouds"]["undercloud"]["cacert"] == str(ca)
    # TLS switched off later: the cloud entry stops pointing at the CA
    credentials.write(tmp_path, {"LocalIp": "192.168.24.1", "AdminPassword": "pw"})
    assert "cacert" not in yaml.safe_load(clouds.read_text())["clouds"]["undercloud"]
    assert "OS_CACERT" not in stackrc.read_text()


def test_configs_kept_by_an_interrupted_update_are_swept(tmp_path):
    """They hold secrets; after a converge that finished nothing rolls back to them."""
    from undercroft.lifecycle import materialize

    config = tmp_path / "config"
    (config / "uc-keystone.previous" / "files").mkdir(parents=True)
    (config / "uc-keystone.previous" / "files" / "keystone.conf").write_text("password = x\n")
    (config / "uc-keystone").mkdir()
    (config / "uc-glance_api-previous").mkdir()  # a baremetal program's, not ours to sweep
    assert materialize.drop_stale_previous(StateDir(tmp_path)) == ["uc-keystone.previous"]
    assert sorted(p.name for p in config.iterdir()) == ["uc-glance_api-previous", "uc-keystone"]
