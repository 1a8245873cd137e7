"""undercloud.conf loading: every mistake is one ConfigError naming file and line."""
from __future__ import annotations

import pytest
from oslo_config import cfg

from undercroft.config import loader
from undercroft.config.translate import translate
from undercroft.errors import ConfigError


def write(tmp_path, text, name="undercloud.conf"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_unknown_option_names_line_and_suggests_the_closest(tmp_path):
    p = write(tmp_path, "[DEFAULT]\n# comment\nlocal_ip = 10.0.0.1/24\nlocal_interfce = eth2\n")
    with pytest.raises(ConfigError) as e:
        loader.load(p)
    assert str(e.value) == (f"{p}:4: unknown option 'local_interfce' in [DEFAULT]; "
                            f"did you mean 'local_interface'?")


def test_unknown_option_in_undercroft_section(tmp_path):
    p = write(tmp_path, "[DEFAULT]\n[undercroft]\nnetwork_namspace = x\n")
    with pytest.raises(ConfigError, match=r":3: unknown option 'network_namspace' in "
                                          r"\[undercroft\]; did you mean 'network_namespace'\?"):
        loader.load(p)


def test_unknown_option_without_close_match(tmp_path):
    p = write(tmp_path, "[DEFAULT]\nzzzzzz = 1\n")
    with pytest.raises(ConfigError, match="remove it or check the option reference"):
        loader.load(p)


def test_unknown_section_suggests_the_right_one(tmp_path):
    p = write(tmp_path, "[DEFAULT]\n[undercrofts]\nstate_dir = /x\n")
    with pytest.raises(ConfigError, match=r":3: unknown section \[undercrofts\]; "
                                          r"did you mean \[undercroft\]\?"):
        loader.load(p)


def test_every_problem_is_reported_first_in_message_rest_in_detail(tmp_path):
    p = write(tmp_path, "[DEFAULT]\nlocal_ipp = 1\nundercloud_debugg = true\n")
    with pytest.raises(ConfigError) as e:
        loader.load(p)
    assert f"{p}:2:" in e.value.message and "local_ipp" in e.value.message
    assert f"{p}:3:" in e.value.detail and "undercloud_debugg" in e.value.detail


def test_duplicate_option_names_both_lines(tmp_path):
    p = write(tmp_path, "[DEFAULT]\nlocal_ip = 10.0.0.1/24\n\nlocal_ip = 10.0.0.2/24\n")
    with pytest.raises(ConfigError) as e:
        loader.load(p)
    assert str(e.value) == (f"{p}:4: option 'local_ip' in [DEFAULT] is set twice "
                            f"(first on line 2); keep one")


def test_bad_bool_names_option_and_line(tmp_path):
    p = write(tmp_path, "[DEFAULT]\n\nundercloud_debug = maybe\n")
    with pytest.raises(ConfigError) as e:
        loader.load(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}:3: [DEFAULT] undercloud_debug: invalid value")
    assert "maybe" in msg


def test_int_below_minimum_names_option_and_line(tmp_path):
    p = write(tmp_path, "[DEFAULT]\n[undercroft]\nservice_workers = -1\n")
    with pytest.raises(ConfigError, match=r":3: \[undercroft\] service_workers: invalid value"):
        loader.load(p)


def test_syntax_error_names_line(tmp_path):
    p = write(tmp_path, "[DEFAULT]\nlocal_ip = 10.0.0.1/24\nthis line is junk\n")
    with pytest.raises(ConfigError) as e:
        loader.load(p)
    assert str(e.value).startswith(f"{p}:3: No ':' or '=' found in assignment: 'this line is junk'")


def test_unclosed_section_is_a_syntax_error(tmp_path):
    p = write(tmp_path, "[DEFAULT\nlocal_ip = 10.0.0.1/24\n")
    with pytest.raises(ConfigError, match=r":1: Invalid section"):
        loader.load(p)


def test_assignment_before_any_section_is_a_config_error(tmp_path):
    p = write(tmp_path, "local_ip = 10.0.0.1/24\n[DEFAULT]\n")
    with pytest.raises(ConfigError, match=rf"(?i)^{p}:\d+: .*section"):
        loader.load(p)


def test_deprecated_vip_name_maps_to_public_host(tmp_path):
    p = write(tmp_path, "[DEFAULT]\nundercloud_public_vip = 10.9.9.9\n"
                        "undercloud_admin_vip = 10.9.9.8\n")
    uc = loader.load(p)
    assert uc.get("undercloud_public_host") == "10.9.9.9"
    assert uc.get("undercloud_admin_host") == "10.9.9.8"


def test_values_and_lines_from_file(tmp_path):
    p = write(tmp_path, "[DEFAULT]\nlocal_ip = 10.0.0.1/16\ncustom_env_files = a.yaml, b.yaml\n"
                        "[undercroft]\nservice_workers = 3\n")
    uc = loader.load(p)
    assert uc.path == p.resolve()
    assert uc.get("local_ip") == "10.0.0.1/16"
    assert uc.get("custom_env_files") == ["a.yaml", "b.yaml"]
    assert uc.get("service_workers", "undercroft") == 3
    assert uc.line_of("DEFAULT", "local_ip") == f"{p}:2"
    assert uc.line_of("undercroft", "service_workers") == f"{p}:5"
    assert uc.line_of("DEFAULT", "local_interface") == str(p)


def test_section_name_case_of_undercroft_is_accepted(tmp_path):
    p = write(tmp_path, "[DEFAULT]\n[Undercroft]\ndeployment_name = other\n")
    assert loader.load(p).get("deployment_name", "undercroft") == "other"


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.conf: configuration file not found"):
        loader.load(tmp_path / "nope.conf")


def test_defaults_when_path_is_none(monkeypatch, tmp_path):
    # Even with an undercloud.conf in the cwd, None means pure defaults.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "undercloud.conf").write_text("[DEFAULT]\nlocal_ip = 1.2.3.4/8\n")
    uc = loader.load(None)
    assert uc.path is None
    assert isinstance(uc.conf, cfg.ConfigOpts)
    assert uc.get("local_ip") == "192.168.24.1/24"
    assert uc.get("undercloud_public_host") == "192.168.24.2"
    assert uc.get("undercloud_debug") is True
    assert uc.get("custom_env_files") == []
    assert uc.get("deployment_name", "undercroft") == "undercloud"
    assert uc.get("state_dir", "undercroft") == "/var/lib/undercroft"
    assert uc.get("service_workers", "undercroft") == 0
    assert uc.line_of("DEFAULT", "local_ip") == "defaults"


@pytest.mark.parametrize("make, words", [
    (lambda p: p.mkdir(), "is a directory; pass the undercloud.conf file itself"),
    (lambda p: p.write_bytes(b"\xef\xbb\xbf[DEFAULT]\nlocal_ip = 192.168.24.1/24\n"),
     ":1: the file starts with a UTF-8 byte-order mark"),
    (lambda p: p.write_text("[DEFAULT]\nlocal_mtu = abc\n"),
     ":2: [DEFAULT] local_mtu: invalid value (expected a whole number, got 'abc')"),
])
def test_a_wrong_file_gets_one_line_saying_what_to_do(tmp_path, make, words):
    path = tmp_path / "undercloud.conf"
    make(path)
    with pytest.raises(ConfigError) as err:
        translate(loader.load(path))
    assert words in err.value.message and "\n" not in err.value.message
