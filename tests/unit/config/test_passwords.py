"""The passwords file: generated once, reused forever, 0600."""
from __future__ import annotations

import base64
import re
import stat

import pytest
import yaml

from undercroft.config import passwords
from undercroft.errors import ConfigError
from undercroft.model.schema import ParameterDef

WANTED = {
    "AdminPassword": ParameterDef(type="secret", generate="password"),
    "RabbitCookie": ParameterDef(type="secret", generate="hex"),
    "KeystoneFernetKey0": ParameterDef(type="secret", generate="fernet_key"),
}


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_generated_once_then_reused(tmp_path):
    f = tmp_path / "out" / "undercloud-passwords.yaml"
    first = passwords.ensure(f, WANTED)
    assert set(first) == set(WANTED)
    assert len(set(first.values())) == 3
    second = passwords.ensure(f, WANTED)
    assert second == first
    assert yaml.safe_load(f.read_text()) == {"parameter_defaults": first}


def test_file_is_0600(tmp_path):
    f = tmp_path / "pw.yaml"
    passwords.ensure(f, WANTED)
    assert mode(f) == 0o600
    assert not (tmp_path / "pw.yaml.tmp").exists()


def test_loose_mode_is_tightened_without_changing_values(tmp_path):
    f = tmp_path / "pw.yaml"
    first = passwords.ensure(f, WANTED)
    f.chmod(0o644)
    assert passwords.ensure(f, WANTED) == first
    assert mode(f) == 0o600


def test_persist_false_writes_nothing(tmp_path):
    f = tmp_path / "sub" / "pw.yaml"
    values = passwords.ensure(f, WANTED, persist=False)
    assert set(values) == set(WANTED)
    assert not f.exists() and not f.parent.exists()


def test_persist_false_keeps_existing_file_untouched(tmp_path):
    f = tmp_path / "pw.yaml"
    passwords.ensure(f, {"AdminPassword": WANTED["AdminPassword"]})
    before = f.read_text()
    values = passwords.ensure(f, WANTED, persist=False)
    assert f.read_text() == before
    assert values["AdminPassword"] in before and values["RabbitCookie"] not in before


def test_new_secret_added_without_changing_old_ones(tmp_path):
    f = tmp_path / "pw.yaml"
    old = passwords.ensure(f, {"AdminPassword": WANTED["AdminPassword"]})
    new = passwords.ensure(f, WANTED)
    assert new["AdminPassword"] == old["AdminPassword"]
    assert set(new) == set(WANTED)
    assert passwords.load(f) == new


def test_secrets_not_wanted_any_more_are_kept(tmp_path):
    f = tmp_path / "pw.yaml"
    all_ = passwords.ensure(f, WANTED)
    assert passwords.ensure(f, {}) == all_
    assert passwords.load(f) == all_


def test_generated_formats(tmp_path):
    v = passwords.ensure(tmp_path / "pw.yaml", WANTED)
    key = v["KeystoneFernetKey0"]
    assert len(base64.urlsafe_b64decode(key.encode())) == 32
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}=", key)
    assert re.fullmatch(r"[0-9a-f]{64}", v["RabbitCookie"])
    # passwords avoid '-' and '_' (shell/URL friendly) and are long
    assert re.fullmatch(r"[A-Za-z0-9]{32}", v["AdminPassword"])


def test_fernet_keys_differ_each_time():
    keys = {passwords.generate("fernet_key") for _ in range(20)}
    assert len(keys) == 20


def test_corrupt_file_is_an_error_not_a_regeneration(tmp_path):
    f = tmp_path / "pw.yaml"
    f.write_text("parameter_defaults: [unclosed\n")
    with pytest.raises(ConfigError, match="cannot read the passwords file"):
        passwords.ensure(f, WANTED)
    f.write_text("parameter_defaults: [a, b]\n")
    with pytest.raises(ConfigError, match="expected 'parameter_defaults:' mapping"):
        passwords.ensure(f, WANTED)
    assert f.read_text() == "parameter_defaults: [a, b]\n"
