"""config migrate: old files -> a clean undercloud.conf, an env file and a report."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from undercroft.cli import main as cli_main
from undercroft.config import loader, migrate
from undercroft.config.translate import translate
from undercroft.errors import ConfigError

INSTACK = Path(__file__).parent / "corpus" / "good" / "instack.conf"


def test_instack_file_becomes_a_clean_equivalent_file(tmp_path):
    m = migrate.build(INSTACK)
    assert m.era == "instack-undercloud"
    out = tmp_path / "undercloud.conf"
    written, backups = migrate.write(m, out)
    assert written == [out, tmp_path / migrate.ENV_NAME] and backups == []
    old, new = translate(loader.load(INSTACK)), translate(loader.load(out))
    assert new.warnings == ()  # only current names, nothing without effect
    for name in ("LocalIp", "CloudName", "AdminHost", "Debug", "UndercloudCtlplaneSubnets",
                 "IronicInspectorSubnets", "MasqueradeNetworks", "IronicIPXEEnabled"):
        assert new.parameters[name] == old.parameters[name], name
    assert new.parameters["IronicEnabledHardwareTypes"] == ["idrac", "ilo", "ipmi"]
    env = yaml.safe_load((tmp_path / migrate.ENV_NAME).read_text())
    assert env == {"parameter_defaults": {"AdminPassword": "6f3c5e0a8cd4e3c7b2b1d0e9",
                                          "MysqlRootPassword": "0c9a4f8f0b1e4d2c"}}
    assert stat.S_IMODE((tmp_path / migrate.ENV_NAME).stat().st_mode) == 0o600
    text = out.read_text()
    assert "network_cidr" not in text and "[ctlplane-subnet]\n" in text
    assert "custom_env_files = undercloud-migrated-env.yaml" in text


def test_report_names_every_old_option(tmp_path):
    m = migrate.build(INSTACK)
    lines = {r.old: r for r in m.report}
    entries = [(s, k) for s, k, _ in loader.scan(INSTACK)]
    assert {f"[{s}] {k}" for s, k in entries} <= set(lines)
    assert lines["[DEFAULT] network_cidr"].new == "[ctlplane-subnet] cidr"
    assert lines["[DEFAULT] undercloud_public_vip"].text() == \
        "[DEFAULT] undercloud_public_vip (line 7) -> undercloud_public_host = 172.16.0.10 (renamed)"
    assert lines["[DEFAULT] image_path"].new is None
    assert "openstack overcloud image upload" in lines["[DEFAULT] image_path"].why
    assert lines["[DEFAULT] masquerade_network"].new == "[ctlplane-subnet] masquerade"
    assert lines["[DEFAULT] enabled_drivers"].value == "ipmi,idrac,ilo"
    secret = lines["[auth] undercloud_admin_password"]
    assert secret.value == "(secret)" and "6f3c" not in secret.text()
    assert any("generate_service_certificate" in n for n in m.notes)


def test_instack_default_masquerade_is_kept(tmp_path):
    old = tmp_path / "old.conf"
    old.write_text("[DEFAULT]\nnetwork_cidr = 192.168.24.0/24\ndhcp_start = 192.168.24.5\n")
    m = migrate.build(old)
    assert m.subnet_sections["ctlplane-subnet"]["masquerade"] == "true"
    assert any(r.old == "[DEFAULT] masquerade_network (unset)" for r in m.report)


def test_tripleoclient_file_keeps_its_options_and_drops_the_meaningless(tmp_path):
    old = tmp_path / "old.conf"
    old.write_text("[DEFAULT]\nlocal_ip = 10.0.0.1/24\ndocker_bip = --bip=1.2.3.4/24\n"
                   "roles_file = /usr/share/openstack-tripleo-heat-templates/roles.yaml\n"
                   "templates = /usr/share/openstack-tripleo-heat-templates\n"
                   "typo_option = 1\n[ctlplane-subnet]\ncidr = 10.0.0.0/24\ngateway = 10.0.0.1\n"
                   "dhcp_start = 10.0.0.5\ndhcp_end = 10.0.0.50\n"
                   "inspection_iprange = 10.0.0.100,10.0.0.110\n[leftover]\nx = 1\n")
    m = migrate.build(old)
    assert m.era == "tripleoclient" and m.parameters == {}
    assert m.default == {"local_ip": "10.0.0.1/24"}
    dropped = {r.old for r in m.report if r.new is None}
    assert dropped == {"[DEFAULT] docker_bip", "[DEFAULT] roles_file", "[DEFAULT] templates",
                       "[DEFAULT] typo_option", "[leftover] x"}
    # what oslo.config would ignore silently is a problem (refused unless --force)
    assert m.problems == [
        f"{old}:6: unknown option 'typo_option' in [DEFAULT]; remove it or check the option "
        f"reference (--force drops it)",
        f"{old}:14: unknown section [leftover] (--force drops its 1 option(s))"]
    assert migrate.check(m) == []


def test_never_overwrites_without_force_and_keeps_a_backup(tmp_path):
    old = tmp_path / "undercloud.conf"
    old.write_text(INSTACK.read_text())
    m = migrate.build(old)
    with pytest.raises(ConfigError, match="exists; pass --force"):
        migrate.write(m, old)
    assert old.read_text() == INSTACK.read_text()
    written, backups = migrate.write(m, old, force=True)
    assert len(backups) == 1 and backups[0].read_text() == INSTACK.read_text()
    assert "network_cidr" not in old.read_text()


def test_broken_result_is_not_written(tmp_path):
    old = tmp_path / "old.conf"
    old.write_text("[DEFAULT]\nlocal_ip = 10.0.0.1\n")
    m = migrate.build(old)
    with pytest.raises(ConfigError) as err:
        migrate.check(m)
    # the operator's file and line, not the scratch copy the check loads
    assert err.value.message.startswith(f"{old}:2: local_ip = 10.0.0.1: needs a prefix length")
    assert err.value.message.endswith("(the migrated file would not load; nothing was written)")


def test_cli_migrate(tmp_path, capsys):
    out = tmp_path / "new" / "undercloud.conf"
    assert cli_main.main(["config", "migrate", str(INSTACK), "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert "instack-undercloud era" in text
    assert "carried [DEFAULT] network_cidr (line 10) -> [ctlplane-subnet] cidr = 172.16.0.0/24" in text
    assert "6f3c5e0a" not in text
    assert out.is_file()
    assert cli_main.main(["config", "migrate", str(INSTACK), "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "exists; pass --force" in err and "Traceback" not in err
    assert cli_main.main(["config", "migrate", str(INSTACK), "--output", str(out),
                          "--force"]) == 0
    assert len(list(out.parent.glob("*.bak"))) == 2  # the conf and the env file


def test_rules_cover_every_option():
    from undercroft.config import options
    for opt in options.DEFAULT_OPTS + options.INSTACK_OPTS:
        assert migrate.rule("DEFAULT", opt.dest)[1]
    for name in options.AUTH_OPTION_NAMES:
        assert name in migrate.AUTH_PARAMETERS


def test_a_value_continued_on_an_indented_line_is_refused_not_joined(tmp_path):
    """Joining would turn two options into one garbled value; the error names the
    operator's own file and both lines."""
    old = tmp_path / "old-undercloud.conf"
    old.write_text("[DEFAULT]\nundercloud_nameservers = 10.0.0.53\n"
                   "  undercloud_ntp_servers = pool.ntp.org\n")
    with pytest.raises(ConfigError) as err:
        migrate.build(old)
    assert err.value.message.startswith(f"{old}:3: this indented line continues the value "
                                        f"of 'undercloud_nameservers' (line 2)")


def test_a_misspelled_option_is_refused_not_dropped(tmp_path, capsys):
    """The issue's case: the typo'd interface was dropped and the new file silently used
    the default one. Now: exit 1, nothing written, the line and the option named."""
    old = tmp_path / "undercloud.conf"
    old.write_text("[DEFAULT]\nlocal_ip = 192.168.24.1/24\nlocal_interfce = eth2\n")
    new = tmp_path / "new.conf"
    assert cli_main.main(["config", "migrate", str(old), "--output", str(new)]) == 1
    out, err = capsys.readouterr()
    assert not new.exists()
    assert (f"ERROR {old}:3: unknown option 'local_interfce' in [DEFAULT]; did you mean "
            f"'local_interface'? (--force drops it)") in err
    assert "1 problem: " in err and "Traceback" not in out + err
    # --force migrates without it, and says so in the report and a warning
    assert cli_main.main(["config", "migrate", str(old), "--output", str(new), "--force"]) == 0
    out, err = capsys.readouterr()
    assert "local_interfce" not in new.read_text()
    assert "dropped [DEFAULT] local_interfce (line 3) = eth2: unknown option" in out
    assert f"WARNING {old}:3: unknown option 'local_interfce'" in err


def test_dry_run_with_a_problem_exits_1_and_writes_nothing(tmp_path, capsys):
    old = tmp_path / "undercloud.conf"
    old.write_text("[DEFAULT]\nlocal_ip = 192.168.24.1/24\nlocal_ip = 192.168.24.9/24\n")
    assert cli_main.main(["config", "migrate", str(old), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert (f"{old}:3: option 'local_ip' in [DEFAULT] is set twice: line 2 = 192.168.24.1/24, "
            f"line 3 = 192.168.24.9/24") in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["undercloud.conf"]


@pytest.mark.parametrize("make, says", [
    (lambda p: p.mkdir(), "is a directory; pass the undercloud.conf file itself"),
    (lambda p: None, "configuration file not found; give the path of an existing"),
])
def test_a_path_that_is_no_file_is_one_line(tmp_path, capsys, make, says):
    path = tmp_path / "undercloud.conf"
    make(path)
    assert cli_main.main(["config", "migrate", str(path), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [err.splitlines()[0]] and f"ERROR {path}: {says}" in err


def test_an_unreadable_file_is_one_line(tmp_path, capsys, monkeypatch):
    path = tmp_path / "undercloud.conf"
    path.write_text("[DEFAULT]\n")
    monkeypatch.setattr("os.access", lambda p, mode: False)  # tests run as root
    assert cli_main.main(["config", "migrate", str(path), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [f"ERROR {path}: not readable by this user; install runs as "
                                f"root, or fix the file's permissions"]


def test_a_continued_value_is_refused_by_the_cli_with_one_line(tmp_path, capsys):
    """The issue's case: two lines joined became 'undercloud_nameservers = 10.0.0.53
    undercloud_ntp_servers = ...'."""
    old = tmp_path / "undercloud.conf"
    old.write_text("[DEFAULT]\nundercloud_nameservers = 10.0.0.53\n"
                   "  undercloud_ntp_servers = pool.ntp.org\n")
    new = tmp_path / "new.conf"
    assert cli_main.main(["config", "migrate", str(old), "-o", str(new), "--force"]) == 1
    out, err = capsys.readouterr()
    assert not new.exists() and out == ""
    assert err.splitlines() == [
        f"ERROR {old}:3: this indented line continues the value of 'undercloud_nameservers' "
        f"(line 2): every undercloud.conf value is one line; remove the indentation if it is "
        f"an option of its own, or the line"]


def test_every_driver_replacement_is_a_hardware_type_ironic_has():
    from undercroft.config.translate import HARDWARE_TYPES
    assert {t for t in migrate.DRIVER_TYPES.values() if t} <= set(HARDWARE_TYPES)


def test_a_value_oslo_would_unquote_again_is_written_quoted(tmp_path):
    old = tmp_path / "old.conf"
    old.write_text("[DEFAULT]\novercloud_domain_name = '\"lab\"'\n")
    m = migrate.build(old)
    out = tmp_path / "new.conf"
    migrate.write(m, out)
    assert loader.load(old).get("overcloud_domain_name") == '"lab"'
    assert loader.load(out).get("overcloud_domain_name") == '"lab"'
