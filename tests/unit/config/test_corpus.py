"""The undercloud.conf corpus: realistic good files translate to the expected parameters;
every bad file (one defect each) fails install with one line naming the option, before
anything on the host changes.

good/NAME.conf + good/NAME.yaml: ``parameters`` (a subset of the translated ones, compared
exactly), ``absent`` (parameters that must not be emitted), ``disabled_services`` and
``warnings`` (substrings; every warning must be expected). Good files also pass the
configuration checks and the host checks of a healthy (static) host.

bad/NAME.conf: the first line is ``# expect: <substring of the error>``.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from undercroft.cli import main as cli_main
from undercroft.config import loader, passwords, validations
from undercroft.config.translate import translate
from undercroft.errors import ConfigError
from undercroft.lifecycle import deployment
from undercroft.runtime import hostprep

CORPUS = Path(__file__).parent / "corpus"
GOOD = sorted(p for p in (CORPUS / "good").glob("*.conf"))
BAD = sorted(p for p in (CORPUS / "bad").glob("*.conf"))


def test_corpus_is_big_enough():
    assert len(GOOD) >= 8 and len(BAD) >= 30


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_file_translates_to_expected_parameters(path):
    expected = yaml.safe_load(path.with_suffix(".yaml").read_text())
    uc = loader.load(path)
    tr = translate(uc)
    for name, value in expected.get("parameters", {}).items():
        assert name in tr.parameters, f"{name} not translated"
        assert tr.parameters[name] == value, f"{name}: {tr.parameters[name]!r} != {value!r}"
        assert tr.sources[name], f"{name} has no source"
    for name in expected.get("absent", []):
        assert name not in tr.parameters, f"{name} should not be emitted"
    if "disabled_services" in expected:
        assert sorted(tr.disabled_services) == sorted(expected["disabled_services"])
    wanted = expected.get("warnings", [])
    for w in wanted:
        assert any(w in got for got in tr.warnings), f"missing warning {w!r} in {tr.warnings}"
    assert len(tr.warnings) == len(wanted), tr.warnings
    findings = validations.run(uc, tr, validations.StaticHostFacts(), ["mariadb", "keystone"])
    assert findings.problems == []


def _expectation(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: ...'"
    return first[len("# expect: "):]


class HostRecorder:
    """Records every way install could change the host."""

    def __init__(self, monkeypatch):
        self.calls: list[str] = []
        rec = self.record

        class NoPodman:
            def __init__(self, *a, **k):
                rec("Podman()")

            def __getattr__(self, name):
                rec(f"podman.{name}")
                raise AssertionError("podman used")

        monkeypatch.setattr("undercroft.runtime.podman.Podman", NoPodman)
        monkeypatch.setattr(deployment, "install", lambda *a, **k: rec("deployment.install"))
        monkeypatch.setattr(hostprep, "prepare", lambda *a, **k: rec("hostprep.prepare"))
        monkeypatch.setattr(passwords, "write", lambda p, v: rec(f"write {p}"))
        monkeypatch.setattr(os, "mkdir", lambda p, *a, **k: rec(f"mkdir {p}"))
        monkeypatch.setattr(os, "makedirs", lambda p, *a, **k: rec(f"makedirs {p}"))
        monkeypatch.setattr(subprocess, "run", lambda argv, *a, **k: rec(f"run {argv}"))
        monkeypatch.setattr(subprocess, "Popen", lambda argv, *a, **k: rec(f"popen {argv}"))
        monkeypatch.setattr(os, "geteuid", lambda: 0)  # past the root check if validation passed
        monkeypatch.setattr(validations, "HostFacts", validations.StaticHostFacts)

    def record(self, what: str):
        self.calls.append(what)


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_file_fails_with_one_line_before_any_host_change(path, monkeypatch, capsys):
    expect = _expectation(path)
    host = HostRecorder(monkeypatch)
    rc = cli_main.main(["install", "--config", str(path), "--no-build"])
    out, err = capsys.readouterr()
    assert rc != 0
    assert host.calls == [], f"host touched: {host.calls}"
    assert "Traceback" not in out + err
    lines = [ln for ln in (out + err).splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("ERROR ")
    assert expect in lines[0], f"{expect!r} not in {lines[0]!r}"
    assert str(path) in lines[0] or "[undercroft]" in lines[0] or "sysctl" in lines[0]


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_file_error_comes_from_loader_or_validations(path):
    """The same defect through the library: ConfigError from load/translate, or a problem."""
    expect = _expectation(path)
    try:
        uc = loader.load(path)
        tr = translate(uc)
    except ConfigError as exc:
        assert expect in exc.message
        return
    findings = validations.run(uc, tr, validations.StaticHostFacts(), ["mariadb", "keystone"])
    assert len(findings.problems) == 1, findings.problems
    assert expect in findings.problems[0]


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_config_validate_exits_1_on_every_bad_file_naming_the_problem(path, monkeypatch, capsys):
    """What a script or CI runs: every stage's checks, exit code, nothing changed."""
    host = HostRecorder(monkeypatch)
    rc = cli_main.main(["config", "validate", "--host", "--config", str(path)])
    out, err = capsys.readouterr()
    changed = [c for c in host.calls if "python-entrypoints" not in c]  # stevedore's cache
    assert rc == 1 and changed == [], changed
    assert _expectation(path) in err and "Traceback" not in out + err


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_config_validate_exits_0_on_every_good_file(path, monkeypatch, capsys):
    host = HostRecorder(monkeypatch)
    monkeypatch.setattr(passwords, "ensure", lambda p, wanted, persist=True: {
        n: "generated-in-memory" for n in wanted})
    rc = cli_main.main(["config", "validate", "--host", "--config", str(path)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "valid" in out and [c for c in host.calls if "python-entrypoints" not in c] == []


def test_config_show_exits_1_when_install_would_refuse(monkeypatch, capsys):
    """It still shows the parameters (with the warning), but a script sees the refusal."""
    host = HostRecorder(monkeypatch)
    monkeypatch.setattr(passwords, "ensure", lambda p, wanted, persist=True: {
        n: "generated-in-memory" for n in wanted})
    bad = CORPUS / "bad" / "gateway_outside.conf"
    assert cli_main.main(["config", "show", "--config", str(bad), "-f", "value"]) == 1
    out, err = capsys.readouterr()
    assert "install would refuse this" in err and "LocalIp" in out
    good = GOOD[0]
    assert cli_main.main(["config", "show", "--config", str(good), "-f", "value"]) == 0
    capsys.readouterr()
    assert [c for c in host.calls if "python-entrypoints" not in c] == []
