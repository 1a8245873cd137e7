"""The undercloud.conf corpus: realistic good files give tripleoclient's parameters key
for key; every bad file (one defect each) fails install with one line naming the option,
before anything on the host changes.

good/NAME.conf + good/NAME.yaml:

- ``tripleoclient``: every parameter python-tripleoclient (stable/rocky,
  ``prepare_undercloud_deploy``) writes to undercloud_parameters.yaml for this file, read as
  ~/undercloud.conf from the home directory (as tripleoclient reads it): computed by
  tripleoclient's own code, not by Undercroft's. ``$HOME`` and ``$USER`` stand for the home
  directory and the invoking user; ContainerImagePrepare, tripleo-common's constant list,
  is named, not reproduced.
- ``differences``: the ids of ``undercroft.config.differences.DIFFERENCES`` that apply;
  every other parameter has tripleoclient's value exactly, and each listed one differs
  exactly as its entry says (its ``to_tripleoclient`` gives tripleoclient's value back).
- ``undercroft``: the parameters Undercroft adds of its own (each in
  ``differences.OWN``), with their values; ``$HOST_FQDN`` and ``$WORKERS`` stand for the
  host's name and the computed number of workers. Nothing else is emitted.
- ``resolve`` (names the test resolves), ``disabled_services``, ``warnings`` (substrings;
  every warning must be expected).

The files good/home/* (certificates, environment files, templates the good files name by
relative paths) sit beside undercloud.conf in that home directory. Good files also pass
``config validate --host`` (the host checks of a healthy, static host), and ``config show
-f json`` prints the same parameters and values (secrets masked) and marks each difference.

bad/NAME.conf: the first line is ``# expect: <substring of the error>``; a directory
bad/NAME.conf/ is given as the config itself (its ``expect`` file holds that line), and
bad/unreadable_*.conf stands for a file this user cannot read (tests run as root, who can
read anything, so the permission check is told the file is unreadable).
"""
from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from undercroft.state import records
from undercroft.cli import main as cli_main
from undercroft.cli.config import MASK
from undercroft.config import differences, loader, passwords, validations
from undercroft.config.facts import ThisHost
from undercroft.config.translate import translate
from undercroft.errors import ConfigError
from undercroft.lifecycle import deployment
from undercroft.runtime import hostprep

from ..fakes import StaticHostFacts

CORPUS = Path(__file__).parent / "corpus"
GOOD = sorted(p for p in (CORPUS / "good").glob("*.conf"))
BAD = sorted(p for p in (CORPUS / "bad").glob("*.conf"))


def test_corpus_is_big_enough():
    assert len(GOOD) >= 15 and len(BAD) >= 80


def _spec(path: Path) -> dict:
    return yaml.safe_load(path.with_suffix(".yaml").read_text())


def _as_tripleoclient_reads_it(path: Path, tmp_path: Path, monkeypatch) -> Path:
    """The file as ~/undercloud.conf in a home of its own (with good/home/*), the
    command run from there; its names resolved as the .yaml says."""
    home = tmp_path / "home"
    shutil.copytree(CORPUS / "good" / "home", home)
    conf = home / "undercloud.conf"
    shutil.copy(path, conf)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home)
    # the files name no state_dir: a deployment of this machine's in /var/lib/undercroft
    # (the operator's quick start) must not decide which release they render
    monkeypatch.setattr(records, "installed_release", lambda state: None)
    names = _spec(path).get("resolve", {})

    def getaddrinfo(host, *a, **k):
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], 0))]
        raise socket.gaierror(socket.EAI_NONAME, f"unit tests do not resolve {host}")
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return conf


def _expand(value: Any, uc) -> Any:
    """The .yaml's placeholders, filled in for this run."""
    if isinstance(value, dict):
        return {k: _expand(v, uc) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, uc) for v in value]
    if value == "$WORKERS":
        return max(1, min(4, (os.cpu_count() or 1) // 2))
    if value == "$HOST_FQDN":
        return ThisHost().fqdn()
    if value == "$USER":
        return getpass.getuser()
    if isinstance(value, str):
        return value.replace("$HOME", os.environ["HOME"])
    return value


def _expected(path: Path, uc):
    """(tripleoclient's parameters, Undercroft's own, the differences that apply)."""
    spec = _spec(path)
    own = spec.get("undercroft") or {}
    assert set(own) <= set(differences.OWN), \
        f"not Undercroft's own parameters: {sorted(set(own) - set(differences.OWN))}"
    by_id = {d.id: d for d in differences.DIFFERENCES}
    listed = [by_id[i] for i in spec.get("differences", [])]
    return _expand(spec["tripleoclient"], uc), _expand(own, uc), listed


def _as_tripleoclients(name: str, value: Any, listed, uc) -> Any:
    """Undercroft's value turned back into tripleoclient's by the listed differences."""
    for d in listed:
        if d.parameter == name and d.to_tripleoclient is not None:
            value = d.to_tripleoclient(value, uc)
    return value


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_file_gives_tripleoclients_parameters_key_for_key(path, tmp_path, monkeypatch):
    conf = _as_tripleoclient_reads_it(path, tmp_path, monkeypatch)
    uc = loader.load(conf)
    tr = translate(uc)
    theirs, own, listed = _expected(path, uc)
    assert sorted(d.id for d in differences.applying(uc, tr.parameters)) == \
        sorted(d.id for d in listed), "the differences that apply are not the listed ones"
    absent = {d.parameter for d in listed if d.to_tripleoclient is None}
    assert absent <= set(theirs)
    missing = sorted(set(theirs) - absent - set(tr.parameters))
    assert missing == [], f"tripleoclient's parameters not emitted: {missing}"
    extra = sorted(set(tr.parameters) - set(theirs) - set(own))
    assert extra == [], f"parameters neither tripleoclient's nor listed as Undercroft's: {extra}"
    assert sorted(absent & set(tr.parameters)) == []
    for name, value in theirs.items():
        if name in absent:
            continue
        assert _as_tripleoclients(name, tr.parameters[name], listed, uc) == value, name
        assert tr.sources[name], f"{name} has no source"
    for name, value in own.items():
        assert tr.parameters[name] == value, name
    expected = _spec(path)
    if "disabled_services" in expected:
        assert sorted(tr.disabled_services) == sorted(expected["disabled_services"])
    wanted = expected.get("warnings", [])
    for w in wanted:
        assert any(w in got for got in tr.warnings), f"missing warning {w!r} in {tr.warnings}"
    assert len(tr.warnings) == len(wanted), tr.warnings
    findings = validations.run(uc, tr, StaticHostFacts())
    assert findings.problems == []


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_config_show_json_prints_tripleoclients_parameters(path, tmp_path, monkeypatch, capsys):
    """What an operator compares: config show -f json, value for value, the differences
    marked in the source column, the secrets masked."""
    conf = _as_tripleoclient_reads_it(path, tmp_path, monkeypatch)
    host = HostRecorder(monkeypatch)
    monkeypatch.setattr(passwords, "ensure", lambda p, wanted, persist=True: {
        n: "generated-in-memory" for n in wanted})
    assert cli_main.main(["config", "show", "--config", str(conf), "-f", "json"]) == 0
    rows = {r["Parameter"]: r for r in json.loads(capsys.readouterr().out)}
    assert [c for c in host.calls if "python-entrypoints" not in c] == []
    uc = loader.load(conf)
    tr = translate(uc)
    theirs, own, listed = _expected(path, uc)
    for name, value in {**theirs, **own}.items():
        if any(d.parameter == name and d.to_tripleoclient is None for d in listed):
            assert name not in rows, name
            continue
        shown = rows[name]["Value"]
        if name in tr.secret_parameters:
            assert shown == MASK, name
            continue
        if name in theirs:
            shown = _as_tripleoclients(name, shown, listed, uc)
        assert shown == value, name
    for d in listed:
        if d.to_tripleoclient is not None:
            assert f"deliberate difference from tripleoclient: " in rows[d.parameter]["Source"]
            assert d.change in rows[d.parameter]["Source"], d.id
    unlisted = [n for n, r in rows.items() if "deliberate difference from tripleoclient" in
                r["Source"] and n not in {d.parameter for d in listed}]
    assert unlisted == []


def _expectation(path: Path) -> str:
    """The first line's '# expect: ...' (of a directory: of its file 'expect')."""
    text = (path / "expect" if path.is_dir() else path).read_text()
    first = text.splitlines()[0].lstrip("\ufeff")  # a byte-order mark comes first
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: ...'"
    return first[len("# expect: "):]


def _given(path: Path, monkeypatch) -> Path:
    """The bad file as given to a command. unreadable_*.conf: a file this user cannot
    read; tests run as root, who reads anything, so the permission check says so."""
    if path.name.startswith("unreadable_"):
        access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False
                            if Path(p).resolve() == path.resolve() else access(p, mode, *a, **k))
    return path


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
        # the preflight checks see a healthy static host; translate still reads this one
        # (the corpus files the configuration names)
        monkeypatch.setattr("undercroft.cli.deploy.ThisHost", StaticHostFacts)
        monkeypatch.setattr("undercroft.cli.config.ThisHost", StaticHostFacts)

    def record(self, what: str):
        self.calls.append(what)


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_file_fails_with_one_line_before_any_host_change(path, monkeypatch, capsys):
    expect = _expectation(path)
    path = _given(path, monkeypatch)
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
def test_bad_file_error_comes_from_loader_or_validations(path, monkeypatch):
    """The same defect through the library: ConfigError from load/translate, or a problem."""
    expect = _expectation(path)
    path = _given(path, monkeypatch)
    try:
        uc = loader.load(path)
        tr = translate(uc)
    except ConfigError as exc:
        assert expect in exc.message
        return
    findings = validations.run(uc, tr, StaticHostFacts())
    assert len(findings.problems) == 1, findings.problems
    assert expect in findings.problems[0]


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_config_validate_exits_1_on_every_bad_file_naming_the_problem(path, monkeypatch, capsys):
    """What a script or CI runs: every stage's checks, exit code, nothing changed."""
    host = HostRecorder(monkeypatch)
    rc = cli_main.main(["config", "validate", "--host", "--config", str(_given(path, monkeypatch))])
    out, err = capsys.readouterr()
    changed = [c for c in host.calls if "python-entrypoints" not in c]  # stevedore's cache
    assert rc == 1 and changed == [], changed
    assert _expectation(path) in err and "Traceback" not in out + err


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_plan_exits_1_on_every_bad_file_naming_the_problem(path, monkeypatch, capsys):
    host = HostRecorder(monkeypatch)

    class ReadOnlyPodman:
        """plan reads what exists (no images, no containers); anything else is recorded."""

        def __init__(self, *a, **k):
            pass

        def image_refs(self, repository):
            return set()

        def containers(self, *a, **k):
            return []

        def __getattr__(self, name):
            host.record(f"podman.{name}")
            raise AssertionError(f"podman.{name} used")

    monkeypatch.setattr("undercroft.runtime.podman.Podman", ReadOnlyPodman)
    monkeypatch.setattr(passwords, "ensure", lambda p, wanted, persist=True: {
        n: "generated-in-memory" for n in wanted})
    rc = cli_main.main(["plan", "--config", str(_given(path, monkeypatch))])
    out, err = capsys.readouterr()
    assert [c for c in host.calls if "python-entrypoints" not in c] == []
    assert "Traceback" not in out + err
    assert rc == 1 and _expectation(path) in out + err


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_config_validate_exits_0_on_every_good_file(path, tmp_path, monkeypatch, capsys):
    conf = _as_tripleoclient_reads_it(path, tmp_path, monkeypatch)
    host = HostRecorder(monkeypatch)
    monkeypatch.setattr(passwords, "ensure", lambda p, wanted, persist=True: {
        n: "generated-in-memory" for n in wanted})
    rc = cli_main.main(["config", "validate", "--host", "--config", str(conf)])
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
