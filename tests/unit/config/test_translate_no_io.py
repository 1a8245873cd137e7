"""translate() reads nothing of the host itself: every answer comes from its ``facts``.

Each case runs translate twice on the same undercloud.conf: once on this host (HOME, the
working directory and DNS set up as the corpus tests do), once with a StaticHostFacts
holding what this host answered, while every way of reading the host (files, paths, DNS,
the CPU count, the user, the environment) fails. Both give the same result, parameter
for parameter and in the same order, or the same error.
"""
from __future__ import annotations

import getpass
import os
import pathlib
from pathlib import Path

import pytest

import undercroft.config.migrate  # noqa: F401  (check_hardware_types imports it lazily)
from undercroft.config import loader
from undercroft.config.facts import ThisHost
from undercroft.config.translate import Translated, translate
from undercroft.errors import ConfigError

from ..fakes import StaticHostFacts
from .test_corpus import CORPUS, _as_tripleoclient_reads_it, _spec

GOOD = ["defaults", "overrides", "tls", "tls_chain", "public_host_dns", "validations_off",
        "routed_stein", "ipv6", "full_tripleoclient"]
BAD = ["missing_certificate", "certificate_without_key", "missing_env_file",
       "missing_hieradata", "missing_roles_file", "public_host_unresolvable"]

BLOCKED = ["builtins.open", "io.open", "os.open", "os.stat", "os.lstat", "os.listdir",
           "os.scandir", "os.getcwd", "os.cpu_count", "os.access", "os.path.expanduser",
           "os.path.exists", "os.path.isfile", "os.path.realpath", "getpass.getuser",
           "socket.getaddrinfo", "socket.getfqdn", "socket.gethostname",
           "socket.gethostbyaddr"]
BLOCKED_PATH = ["read_text", "read_bytes", "open", "exists", "is_file", "is_dir", "stat",
                "resolve", "absolute", "expanduser", "home", "cwd", "iterdir", "glob"]


class _NoEnviron(dict):
    """os.environ that fails when read."""

    def __init__(self, reads: list[str]):
        super().__init__()
        self.reads = reads

    def __getitem__(self, key):
        self.reads.append(f"os.environ[{key!r}]")
        raise AssertionError(f"translate read ${key}")

    def get(self, key, default=None):
        return self[key]

    def __contains__(self, key):
        return self[key]


def _translate_without_io(monkeypatch, uc: loader.UndercloudConf, facts) -> object:
    """translate(uc, facts) with every way of reading the host failing (and recorded)."""
    reads: list[str] = []

    def blocked(name):
        def fail(*args, **kwargs):
            reads.append(name)
            raise AssertionError(f"translate read the host: {name}{args}")
        return fail

    with monkeypatch.context() as m:
        for target in BLOCKED:
            m.setattr(target, blocked(target))
        for attr in BLOCKED_PATH:
            m.setattr(pathlib.Path, attr, blocked(f"Path.{attr}"))
        m.setattr(os, "environ", _NoEnviron(reads))
        outcome = _outcome(lambda: translate(uc, facts))
    assert reads == [], f"translate read the host: {reads}"
    return outcome


def _outcome(run) -> object:
    """A Translated with its parameters' order, or the error's text."""
    try:
        tr = run()
    except ConfigError as err:
        return ("ConfigError", err.message, err.detail, err.hint)
    assert isinstance(tr, Translated)
    return tr, list(tr.parameters), list(tr.sources)


def _like_this_host(conf: Path, names: dict[str, str]) -> StaticHostFacts:
    """What ThisHost answers here, asked before anything is blocked: the files beside
    the configuration and in $HOME are the only ones a case names."""
    real = ThisHost()
    files = {}
    for p in {*conf.parent.iterdir(), *Path(real.home()).iterdir()}:
        try:
            files[str(p)] = p.read_text()
        except (IsADirectoryError, UnicodeDecodeError):  # no case names these
            continue
    return StaticHostFacts(
        host_fqdn=real.fqdn(), names={n: real.addresses(n) for n in names},
        cpus=real.cpu_count(), user_name=real.user(), home_dir=real.home(),
        cwd_dir=str(real.cwd()), files=files, suite=real.debian_suite(),
        resolved={str(conf): str(real.resolve(conf))})


def _same_with_facts_only(conf: Path, names: dict[str, str], monkeypatch):
    on_this_host = _outcome(lambda: translate(loader.load(conf)))
    uc = loader.load(conf)  # reading the file is the loader's I/O, not translate's
    facts = _like_this_host(conf, names)
    assert _translate_without_io(monkeypatch, uc, facts) == on_this_host
    return on_this_host


@pytest.mark.parametrize("name", GOOD)
def test_good_file_translates_from_facts_alone(name, tmp_path, monkeypatch):
    path = CORPUS / "good" / f"{name}.conf"
    conf = _as_tripleoclient_reads_it(path, tmp_path, monkeypatch)
    outcome = _same_with_facts_only(conf, _spec(path).get("resolve", {}), monkeypatch)
    assert isinstance(outcome[0], Translated)


@pytest.mark.parametrize("name", BAD)
def test_bad_file_fails_alike_from_facts_alone(name, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    outcome = _same_with_facts_only(CORPUS / "bad" / f"{name}.conf", {}, monkeypatch)
    assert outcome[0] == "ConfigError"


def test_baremetal_roles_file_and_no_conf_file(tmp_path, monkeypatch, write_conf):
    """The host's Debian release, a roles file beside the conf; and built-in defaults
    (no file: paths under the home and the working directory)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roles.yaml").write_text("- name: Undercloud\n")
    conf = write_conf(default="roles_file = roles.yaml\n", undercroft="baremetal = true\n")
    _same_with_facts_only(conf, {}, monkeypatch)

    empty = tmp_path / "empty-home"
    empty.mkdir()
    monkeypatch.setenv("HOME", str(empty))
    on_this_host = _outcome(lambda: translate(loader.load(None)))
    facts = StaticHostFacts(host_fqdn=ThisHost().fqdn(), cpus=os.cpu_count(),
                            user_name=getpass.getuser(), home_dir=str(empty),
                            cwd_dir=str(Path.cwd()), suite=ThisHost().debian_suite())
    assert _translate_without_io(monkeypatch, loader.load(None), facts) == on_this_host


def test_the_answers_come_from_the_facts(tmp_path):
    """Another host's answers give that host's parameters (nothing of this one leaks)."""
    conf = tmp_path / "undercloud.conf"
    conf.write_text("[DEFAULT]\nundercloud_service_certificate = tls.pem\n"
                    "undercloud_public_host = public.example\nhieradata_override = site.yaml\n"
                    "[undercroft]\nbaremetal = true\n")
    pem = Path(CORPUS / "good" / "home" / "undercloud-tls.pem").read_text()
    facts = StaticHostFacts(
        host_fqdn="elsewhere.example.org", cpus=64, user_name="zuul", home_dir="/srv/zuul",
        names={"public.example": {"192.168.24.2"}}, suite="trixie",
        files={str(tmp_path / "tls.pem"): pem,
               "/srv/zuul/site.yaml": "parameter_defaults: {Debug: true}\n"},
        resolved={str(conf): "/etc/undercloud/undercloud.conf"})
    tr = translate(loader.load(conf), facts)
    p = tr.parameters
    assert p["UndercloudHostname"] == "elsewhere.example.org"
    assert p["ServiceWorkers"] == 4
    assert p["DeploymentUser"] == "zuul"
    assert p["UndercloudHomeDir"] == "/srv/zuul"
    assert p["PublicVirtualFixedIPs"] == [{"ip_address": "192.168.24.2"}]
    assert p["SSLCertificate"].startswith("-----BEGIN CERTIFICATE-----")
    assert p["UndercloudConfigFilePath"] == "/etc/undercloud/undercloud.conf"
    assert p["OpenStackRelease"] == "epoxy" == tr.settings.release
    assert tr.settings.env_files[0] == Path("/srv/zuul/site.yaml")


def test_a_file_the_facts_do_not_hold_is_missing(write_conf):
    conf = write_conf(default="custom_env_files = site.yaml\n")
    with pytest.raises(ConfigError) as e:
        translate(loader.load(conf), StaticHostFacts())
    assert "custom_env_files: site.yaml not found" in e.value.message
