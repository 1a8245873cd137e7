"""[undercroft] release: the images' Debian suite, and a baremetal undercloud's host."""
from __future__ import annotations

import pytest

from undercroft.config import releases, validations as v
from undercroft.errors import ConfigError
from undercroft.images import catalog
from tests.unit.config.test_validations import HOST, load
from tests.unit.fakes import StaticHostFacts

MIRROR = "http://deb.debian.org/debian"


def test_each_release_builds_every_image_from_its_own_suite_with_its_own_tags():
    zed, epoxy = catalog.load(MIRROR, release="zed"), catalog.load(MIRROR, release="epoxy")
    assert set(zed) == set(epoxy)
    assert {i.suite for i in zed.values()} == {"bookworm"}
    assert {i.suite for i in epoxy.values()} == {"trixie"}
    assert not {i.ref for i in zed.values()} & {i.ref for i in epoxy.values()}
    assert catalog.load(MIRROR) == epoxy  # the default release
    assert catalog.load(MIRROR, release="epoxy") == epoxy  # stable


def test_release_becomes_a_parameter_with_its_source(tmp_path):
    _, tr = load(tmp_path, HOST)
    assert tr.parameters["OpenStackRelease"] == releases.DEFAULT == tr.settings.release
    _, tr = load(tmp_path, HOST + "[undercroft]\nrelease = zed\n")
    assert tr.parameters["OpenStackRelease"] == "zed"
    assert tr.sources["OpenStackRelease"].endswith(":4 release")


def test_an_unknown_release_names_the_option_and_the_choices(tmp_path):
    with pytest.raises(ConfigError) as e:
        load(tmp_path, HOST + "[undercroft]\nrelease = antelope\n")
    text = e.value.message + (e.value.detail or "") + (e.value.hint or "")
    assert "release" in text and "antelope" in text and "epoxy" in text


def test_baremetal_runs_the_hosts_release_when_unset(tmp_path, monkeypatch):
    monkeypatch.setattr(releases, "host_suite", lambda *a: "trixie")
    uc, tr = load(tmp_path, HOST + "[undercroft]\nbaremetal = true\n")
    assert tr.settings.release == "epoxy"
    assert v.check_host(uc, tr, StaticHostFacts(suite="trixie")).problems == []


def test_baremetal_refuses_a_release_the_host_does_not_ship(tmp_path):
    uc, tr = load(tmp_path, HOST + "[undercroft]\nbaremetal = true\nrelease = epoxy\n")
    problems = v.check_host(uc, tr, StaticHostFacts(suite="bookworm")).problems
    assert len(problems) == 1
    assert "release = epoxy" in problems[0] and "bookworm" in problems[0]
    assert "set release = zed" in problems[0]


def test_containers_run_any_release_on_any_host(tmp_path):
    uc, tr = load(tmp_path, HOST + "[undercroft]\nrelease = epoxy\n")
    assert v.check_host(uc, tr, StaticHostFacts(suite="bookworm")).problems == []


def test_host_suite_reads_os_release(tmp_path):
    f = tmp_path / "os-release"
    f.write_text('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nVERSION_CODENAME=trixie\n')
    assert releases.host_suite(f) == "trixie"
    assert releases.host_suite(tmp_path / "missing") == ""


def test_a_release_of_its_own_changes_only_that_releases_image(tmp_path):
    """Containerfile.<release> beside Containerfile: that release builds it; editing it
    leaves the other release's tags alone."""
    root = tmp_path / "images"
    (root / "base").mkdir(parents=True)
    (root / "base" / "Containerfile").write_text("FROM x\n")
    (root / "svc").mkdir()
    (root / "svc" / "Containerfile").write_text("FROM x\nRUN undercroft-apt-install a\n")
    (root / "svc" / "Containerfile.epoxy").write_text("FROM x\nRUN undercroft-apt-install b\n")
    (root / "images.yaml").write_text("images:\n  base: {parent: rootfs}\n  svc: {parent: base}\n")
    zed, epoxy = catalog.load(MIRROR, root, release="zed"), catalog.load(MIRROR, root, release="epoxy")
    assert (zed["svc"].containerfile, epoxy["svc"].containerfile) == ("Containerfile",
                                                                      "Containerfile.epoxy")
    assert epoxy["base"].containerfile == "Containerfile"
    (root / "svc" / "Containerfile.epoxy").write_text("FROM x\nRUN undercroft-apt-install c\n")
    assert catalog.load(MIRROR, root, release="zed") == zed
    assert catalog.load(MIRROR, root, release="epoxy")["svc"].tag != epoxy["svc"].tag


def test_a_deployment_keeps_its_release_every_command_says_so(tmp_path):
    from undercroft.lifecycle import deployment
    from undercroft.state import records
    conf = tmp_path / "undercloud.conf"
    base = HOST + f"[undercroft]\nstate_dir = {tmp_path}/state\n"
    conf.write_text(base)
    _, tr = deployment.configure(conf)  # nothing installed: any release
    records.update(tr.settings.state, release="zed")
    (tr.settings.state.configs / "keystone").mkdir(parents=True)  # installed
    conf.write_text(base + "release = epoxy\n")
    with pytest.raises(ConfigError) as e:
        deployment.configure(conf)
    assert "release = epoxy" in e.value.message and "runs OpenStack zed" in e.value.message
    assert "set release = zed" in e.value.hint
    conf.write_text(base + "release = zed\n")
    assert deployment.configure(conf)[1].settings.release == "zed"


def test_a_file_that_names_no_release_keeps_the_installed_one(tmp_path):
    """A new default release never turns a re-run into a major upgrade: an undercloud
    installed with Zed (the default then) stays on Zed when its file is unchanged."""
    from undercroft.lifecycle import deployment
    from undercroft.state import records
    conf = tmp_path / "undercloud.conf"
    conf.write_text(HOST + f"[undercroft]\nstate_dir = {tmp_path}/state\n")
    _, tr = deployment.configure(conf)
    assert tr.settings.release == releases.DEFAULT == "epoxy"  # nothing installed yet
    records.update(tr.settings.state, release="zed")
    (tr.settings.state.configs / "keystone").mkdir(parents=True)  # installed
    _, tr = deployment.configure(conf)
    assert (tr.settings.release, tr.parameters["OpenStackRelease"]) == ("zed", "zed")
    assert {i.suite for i in deployment.load(conf).images.values()} == {"bookworm"}


def test_the_template_schema_knows_exactly_the_releases():
    """model/schema.py's Release literal (containers' and files' ``releases:``) must list
    the releases config/releases.py deploys."""
    import typing

    from undercroft.model.schema import Release
    assert set(typing.get_args(Release)) == set(releases.SUITES)
