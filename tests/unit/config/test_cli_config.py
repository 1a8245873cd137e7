"""CLI: config show, and install's preflight wiring (before any host change)."""
from __future__ import annotations

import json

import pytest

from undercroft.cli import deploy as cli_deploy
from undercroft.cli import main as cli_main
from undercroft.lifecycle import deployment

from ..fakes import StaticHostFacts


def test_config_show_masks_secrets_and_names_sources(write_conf, tmp_path, capsys):
    p = write_conf(default="ipxe_enabled = false\n")
    assert cli_main.main(["config", "show", "--config", str(p), "-f", "json"]) == 0
    out, err = capsys.readouterr()
    rows = {r["Parameter"]: r for r in json.loads(out)}
    assert rows["LocalIp"] == {"Parameter": "LocalIp", "Value": "192.168.24.1",
                               "Source": f"{p}:3 local_ip"}
    assert rows["IronicIPXEEnabled"]["Value"] is False  # -f json: JSON values
    assert rows["IronicIPXEEnabled"]["Source"] == f"{p}:5 ipxe_enabled"
    assert rows["AdminPassword"]["Value"] == "********"
    assert rows["AdminPassword"]["Source"] == "passwords file"
    assert not (tmp_path / "out" / "undercloud-passwords.yaml").exists()  # nothing written


def test_config_show_services(write_conf, capsys):
    p = write_conf(default="enable_ironic = false\n")
    assert cli_main.main(["config", "show", "--config", str(p), "--services", "-f", "json"]) == 0
    rows = {r["Service"]: r["State"] for r in json.loads(capsys.readouterr().out)}
    assert rows["keystone"] == "deployed"
    assert rows["telemetry"] == "disabled"


def test_config_show_bad_file_is_one_line(tmp_path, capsys):
    p = tmp_path / "undercloud.conf"
    p.write_text("[DEFAULT]\n[ctlplane-subnet]\ngateway = nope\n")
    assert cli_main.main(["config", "show", "--config", str(p)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip().splitlines() == [
        f"ERROR {p}:3: [ctlplane-subnet] gateway = nope: not an IP address; write one "
        f"address, e.g. 192.168.24.5"]


@pytest.fixture
def fake_install(monkeypatch):
    calls = []
    monkeypatch.setattr(deployment, "install", lambda dep, *a, **k: calls.append(dep))
    monkeypatch.setattr(deployment, "runtime_for", lambda settings: None)
    monkeypatch.setattr("os.geteuid", lambda: 0)
    return calls


def test_install_runs_validations_then_installs(write_conf, fake_install, monkeypatch, capsys):
    seen = []

    class Facts(StaticHostFacts):
        def memory_mb(self):
            seen.append("memory")
            return super().memory_mb()

    monkeypatch.setattr(cli_deploy, "ThisHost", Facts)
    p = write_conf(default="undercloud_public_vip = 192.168.24.2\n")
    assert cli_main.main(["install", "--config", str(p)]) == 0
    assert seen == ["memory"] and len(fake_install) == 1
    out = capsys.readouterr().out
    assert "'undercloud_public_vip' is deprecated" in out  # warnings printed once checks pass


def test_install_no_validations_skips_host_checks(write_conf, fake_install, monkeypatch,
                                                  capsys):
    monkeypatch.setattr(cli_deploy, "ThisHost",
                        lambda: pytest.fail("host facts read with --no-validations"))
    p = write_conf(undercroft="min_memory_mb = 99999999\n")
    assert cli_main.main(["install", "--config", str(p), "--no-validations"]) == 0
    assert "preflight validations skipped (--no-validations)" in capsys.readouterr().out
    assert len(fake_install) == 1


def test_install_enable_validations_false_skips_too(write_conf, fake_install, monkeypatch,
                                                    capsys):
    monkeypatch.setattr(cli_deploy, "ThisHost", lambda: pytest.fail("host facts read"))
    p = write_conf(default="enable_validations = false\n")
    assert cli_main.main(["install", "--config", str(p)]) == 0
    assert "skipped (enable_validations = false)" in capsys.readouterr().out


def test_install_lists_every_failure(write_conf, fake_install, monkeypatch, capsys):
    monkeypatch.setattr(cli_deploy, "ThisHost", lambda: StaticHostFacts(memory=100))
    p = write_conf(default="local_mtu = 10\n")
    assert cli_main.main(["install", "--config", str(p)]) == 1
    err = capsys.readouterr().err
    assert "local_mtu = 10: must be between 1000 and 65536" in err
    assert "(and 1 more problem below)" in err
    assert "min_memory_mb = 7680 (the default; set min_memory_mb in [undercroft]): this host has 100 MB" in err
    assert fake_install == []


def test_config_show_keeps_tripleoclients_ironic_lists_and_marks_the_differences(
        write_conf, capsys):
    """The values are tripleoclient's (iscsi included); the source says what ironic.conf
    enables instead, and why. Unset hardware types: tripleoclient's default (on Zed, whose
    ironic still has every interface tripleoclient names but iscsi)."""
    p = write_conf(undercroft="release = zed\n")
    assert cli_main.main(["config", "show", "--config", str(p), "-f", "json"]) == 0
    rows = {r["Parameter"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["IronicEnabledHardwareTypes"]["Value"] == ["idrac", "ilo", "ipmi", "redfish"]
    assert rows["IronicEnabledHardwareTypes"]["Source"] == \
        "computed from default (enabled_hardware_types)"
    deploy = rows["IronicEnabledDeployInterfaces"]
    assert deploy["Value"] == ["ansible", "direct", "iscsi"]
    assert deploy["Source"].startswith("computed from default (enabled_hardware_types); "
                                       "deliberate difference: ironic.conf enables "
                                       "ansible,direct,ramdisk: leaves out iscsi (")
    boot = rows["IronicEnabledBootInterfaces"]
    assert boot["Value"] == ["ilo-pxe", "pxe"]
    assert "ironic.conf enables ilo-pxe,pxe,ipxe,ilo-ipxe: adds ipxe (" in boot["Source"]
    assert "deliberate difference" not in rows["IronicEnabledVendorInterfaces"]["Source"]


def test_config_show_on_epoxy_keeps_the_idrac_parameters_and_marks_their_replacement(
        write_conf, capsys):
    p = write_conf(undercroft="release = epoxy\n")
    assert cli_main.main(["config", "show", "--config", str(p), "-f", "json"]) == 0
    rows = {r["Parameter"]: r for r in json.loads(capsys.readouterr().out)}
    vendor = rows["IronicEnabledVendorInterfaces"]
    assert vendor["Value"] == ["idrac", "ipmitool", "no-vendor"]  # tripleoclient's
    assert vendor["Source"].startswith("computed from default (enabled_hardware_types); "
                                       "deliberate difference: ironic.conf enables "
                                       "idrac-redfish,ipmitool,no-vendor: replaces idrac with "
                                       "idrac-redfish (")
    for name in ("IronicEnabledManagementInterfaces", "IronicEnabledPowerInterfaces",
                 "IronicEnabledRaidInterfaces"):
        assert "replaces idrac with idrac-redfish (" in rows[name]["Source"], name
