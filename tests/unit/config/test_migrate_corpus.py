"""The migrate corpus: old files migrate to exactly the expected new file, and every
defect is refused with a message naming the operator's file and line.

migrate/good/NAME.conf -> NAME.new, the exact new undercloud.conf (``{source}`` and
``{date}`` stand for the old file's path and today); NAME.env, the exact environment
file when the old file has [auth] values; NAME.yaml: ``changed`` (parameters the
migration changes on purpose, with their new value: every other parameter of the old
file must come out the same), ``old_refused`` (when the old file does not load, the
error's text), ``warnings`` (substrings; every warning printed must be expected).

migrate/bad/NAME.conf: the first line is ``# expect: <text>`` and the error contains
``<the file's path><text>`` (so ``:3: ...`` names line 3). With NAME.new next to it,
``--force`` migrates the file to exactly that; without, ``--force`` fails the same way.
"""
from __future__ import annotations

import re
import stat
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from undercroft.cli import main as cli_main
from undercroft.config import loader
from undercroft.config.translate import translate
from undercroft.errors import ConfigError

CORPUS = Path(__file__).parent / "corpus"
GOOD = sorted((CORPUS / "migrate" / "good").glob("*.conf"))
BAD = sorted((CORPUS / "migrate" / "bad").glob("*.conf"))
INSTALL_CORPUS = sorted((CORPUS / "good").glob("*.conf")) + sorted((CORPUS / "bad").glob("*.conf"))


def test_corpus_is_big_enough():
    assert len(GOOD) >= 15 and len(BAD) >= 80


def _expected(path: Path, suffix: str) -> str:
    return path.with_suffix(suffix).read_text().replace("{source}", str(path)).replace(
        "{date}", time.strftime("%Y-%m-%d"))


def _migrate(capsys, *args) -> tuple[int, str, str]:
    rc = cli_main.main(["config", "migrate", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return rc, out, err


def _only_names(path: Path, text: str) -> None:
    """Every 'file.conf:line' in the output is the operator's file (never a scratch copy)."""
    for named in re.findall(r"(\S+\.conf):\d+", text):
        assert named == str(path), f"message names {named}, not {path}"


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_file_migrates_to_the_expected_file(path, tmp_path, capsys):
    spec = yaml.safe_load(path.with_suffix(".yaml").read_text()) or {}
    new = tmp_path / "undercloud.conf"
    rc, out, err = _migrate(capsys, path, "--output", new)
    assert rc == 0, err
    assert new.read_text() == _expected(path, ".new")
    env = tmp_path / "undercloud-migrated-env.yaml"
    assert env.exists() == path.with_suffix(".env").exists()
    if env.exists():
        assert env.read_text() == _expected(path, ".env")
        assert stat.S_IMODE(env.stat().st_mode) == 0o600
    warnings = [ln for ln in err.splitlines() if ln.startswith("WARNING")]
    for w in spec.get("warnings", []):
        assert any(w in got for got in warnings), f"missing warning {w!r} in {warnings}"
    assert len(warnings) == len(spec.get("warnings", [])), warnings
    assert "ERROR" not in err
    _only_names(path, out + err)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_file_keeps_every_parameter_but_the_intended_changes(path, tmp_path, capsys):
    """What the new file gives install is what the old file gave, parameter by parameter,
    except the changes the corpus names (converted drivers, the file's own path)."""
    spec = yaml.safe_load(path.with_suffix(".yaml").read_text()) or {}
    new = tmp_path / "undercloud.conf"
    assert _migrate(capsys, path, "--output", new)[0] == 0
    after = translate(loader.load(new))
    assert after.warnings == ()  # only current names, nothing without effect
    changed = dict(spec.get("changed", {}), UndercloudConfigFilePath=str(new))
    for name, value in changed.items():
        assert after.parameters.get(name) == value, name
    if "old_refused" in spec:
        with pytest.raises(ConfigError, match=re.escape(spec["old_refused"])):
            translate(loader.load(path))
        return
    before = translate(loader.load(path)).parameters
    for name in sorted(set(before) | set(after.parameters)):
        if name not in changed:
            assert after.parameters.get(name) == before.get(name), name


def _expectation(path: Path) -> str:
    first = path.read_text(errors="replace").splitlines()[0].lstrip("\ufeff")
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: ...'"
    return first[len("# expect: "):]


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_file_is_refused_naming_file_and_line(path, tmp_path, capsys):
    new = tmp_path / "undercloud.conf"
    rc, out, err = _migrate(capsys, path, "--output", new)
    assert rc == 1
    assert list(tmp_path.iterdir()) == []  # nothing written
    assert f"{path}{_expectation(path)}" in err, err
    errors = [ln for ln in err.splitlines() if ln.startswith("ERROR")]
    assert errors and all(ln.startswith(f"ERROR {path}") for ln in errors), errors
    _only_names(path, out + err)


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_file_with_force_is_migrated_as_reported_or_still_refused(path, tmp_path, capsys):
    """--force renames a misspelled section, drops an unknown option, keeps the last of
    two values, each reported; what no migration can carry is refused all the same."""
    new = tmp_path / "undercloud.conf"
    rc, out, err = _migrate(capsys, path, "--output", new, "--force")
    message = f"{path}{_expectation(path)}"
    if path.with_suffix(".new").exists():
        assert rc == 0, err
        assert new.read_text() == _expected(path, ".new")
        assert f"WARNING {message}" in err
        assert "ERROR" not in err
    else:
        assert rc == 1 and not new.exists()
        assert message in err
    _only_names(path, out + err)


@pytest.mark.parametrize("path", INSTALL_CORPUS, ids=lambda p: p.parent.name + "/" + p.stem)
def test_every_install_corpus_file_migrates_or_is_refused_naming_the_operators_file(
        path, tmp_path, capsys, monkeypatch):
    """install's corpus through migrate (with --force): no traceback, and every message
    names the operator's file, not the scratch copy migrate checks its result in."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    new = tmp_path / "undercloud.conf"
    rc, out, err = _migrate(capsys, path, "--output", new, "--force")
    assert rc in (0, 1)
    assert new.exists() == (rc == 0)
    assert str(scratch) not in out + err
    _only_names(path, out + err)
