"""undercloud.conf -> Settings + parameters."""
from __future__ import annotations

import pytest

from undercroft.config import loader
from undercroft.config.translate import translate
from undercroft.errors import ConfigError


def tr(path):
    return translate(loader.load(path))


def test_translates_options_to_parameters_and_settings(write_conf, tmp_path):
    p = write_conf(default="undercloud_public_host = 10.0.0.5\nundercloud_debug = false\n",
                   undercroft="service_workers = 3\ndeployment_name = uc2\n")
    t = tr(p)
    s = t.settings
    assert (s.output_dir, s.state_dir, s.log_dir, s.data_root) == (
        tmp_path / "out", tmp_path / "state", tmp_path / "log", tmp_path / "data")
    assert s.network_namespace == "ucunit"
    assert s.passwords_file == tmp_path / "out" / "undercloud-passwords.yaml"
    assert s.container_prefix == "uc2-"
    assert (s.local_ip, s.local_prefix) == ("192.168.24.1", 24)
    assert t.parameters["LocalIp"] == "192.168.24.1"
    assert t.parameters["ControlPlaneCidr"] == "192.168.24.0/24"
    assert t.parameters["CloudName"] == "10.0.0.5"
    assert t.parameters["Debug"] is False
    assert t.parameters["ServiceWorkers"] == 3
    assert t.parameters["UndercloudHostname"] == "undercloud.unit.test"
    assert t.sources["LocalIp"] == f"{p}:3 local_ip"


def test_default_deployment_name_has_no_prefix(write_conf):
    assert tr(write_conf()).settings.container_prefix == ""


@pytest.mark.parametrize("value, problem", [
    ("192.168.24.1", "needs a prefix length"),
    ("192.168.24.1/32", "no room"),
    ("192.168.24.300/24", "not an IP address"),
])
def test_bad_local_ip_names_local_ip(tmp_path, value, problem):
    p = tmp_path / "undercloud.conf"
    p.write_text(f"[DEFAULT]\noutput_dir = {tmp_path}\nlocal_ip = {value}\n")
    with pytest.raises(ConfigError) as e:
        tr(p)
    assert str(e.value).startswith(f"{p}:3: local_ip = {value}: ")
    assert problem in str(e.value)


def test_relative_path_option_is_refused(tmp_path):
    p = tmp_path / "undercloud.conf"
    p.write_text(f"[DEFAULT]\noutput_dir = {tmp_path}\n[undercroft]\nstate_dir = state\n")
    with pytest.raises(ConfigError, match=r":4: state_dir = state: must be an absolute path"):
        tr(p)


def test_bad_network_namespace(write_conf):
    p = write_conf(network_namespace="this-name-is-far-too-long")
    with pytest.raises(ConfigError, match="network_namespace = this-name-is-far-too-long"):
        tr(p)


def test_relative_env_files_resolve_against_the_conf_directory(tmp_path, write_conf, monkeypatch):
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "a.yaml").write_text("parameter_defaults: {}\n")
    (tmp_path / "b.yaml").write_text("parameter_defaults: {}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # must not matter
    p = write_conf(default=f"custom_env_files = envs/a.yaml,{tmp_path / 'b.yaml'}\n")
    assert tr(p).settings.env_files == (tmp_path / "envs" / "a.yaml", tmp_path / "b.yaml")


def test_missing_env_file_is_a_config_error(tmp_path, write_conf):
    p = write_conf(default="custom_env_files = missing.yaml\n")
    with pytest.raises(ConfigError) as e:
        tr(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}:5: custom_env_files: missing.yaml not found")
    assert str(tmp_path / "missing.yaml") in msg


def test_sources_explain_where_values_come_from(write_conf):
    p = write_conf()
    t = tr(p)
    assert t.sources["UndercloudHostname"] == f"{p}:4 undercloud_hostname"
    assert t.sources["ServiceWorkers"] == "computed (half the CPUs, 1 to 4)"
    assert t.sources["DataRoot"] == "[undercroft] data_root"


def test_service_workers_source_names_its_line(write_conf):
    p = write_conf(undercroft="service_workers = 3\n")
    # [DEFAULT] + 3 lines, blank, [undercroft] + 4 lines -> service_workers is line 11
    assert p.read_text().splitlines()[10] == "service_workers = 3"
    assert tr(p).sources["ServiceWorkers"] == f"{p}:11 service_workers"


def test_tls_brings_haproxy_keepalived_and_fixed_vips(write_conf):
    t = tr(write_conf())
    assert t.parameters["PublicTLSMode"] == "certmonger"
    assert t.parameters["PublicVirtualFixedIPs"] == [{"ip_address": "192.168.24.2"}]
    assert t.parameters["ControlFixedIPs"] == [{"ip_address": "192.168.24.3"}]
    assert "haproxy" not in t.disabled_services and "keepalived" not in t.disabled_services


def test_without_tls_there_is_no_haproxy_or_keepalived(write_conf):
    t = tr(write_conf(default="generate_service_certificate = false\n"))
    assert t.parameters["PublicTLSMode"] == "off"
    assert {"haproxy", "keepalived"} <= set(t.disabled_services)
    assert "PublicVirtualFixedIPs" not in t.parameters


def test_undercloud_config_file_path_is_the_file_used_when_validations_run(write_conf, tmp_path):
    """tripleoclient sets it (for its validations) to the undercloud.conf it reads."""
    path = write_conf()
    tr = translate(loader.load(path))
    assert tr.parameters["UndercloudConfigFilePath"] == str(path.resolve())
    off = write_conf(default="enable_validations = false\n", name="novalidations.conf")
    assert "UndercloudConfigFilePath" not in translate(loader.load(off)).parameters
