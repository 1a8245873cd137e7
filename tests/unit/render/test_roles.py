"""The bundled roles render from the same templates: Standalone, Controller, Compute."""
from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from undercroft.errors import ConfigError
from undercroft.lifecycle import deployment, role_choice
from undercroft.lifecycle.deployment import ROLE_CHOICE
from undercroft.model.loader import TEMPLATES
from undercroft.state import StateDir

from ..conftest import conf_text


def load_role(tmp_path: Path, role: str, envs: tuple[Path, ...] = ()) -> deployment.Deployment:
    tmp_path.mkdir(parents=True, exist_ok=True)
    conf = tmp_path / "undercloud.conf"
    conf.write_text(conf_text(tmp_path))
    choice = role_choice.RoleChoice(role, envs)
    return deployment.load(conf, {ROLE_CHOICE: choice}, persist_secrets=True)


def nova_conf(dep: deployment.Deployment, container: str) -> configparser.ConfigParser:
    files = {f.dest: f.content for f in dep.by_name(container).files}
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(files["/etc/nova/nova.conf"])
    return parser


def test_standalone_runs_guests_with_the_fake_driver_and_no_ironic(tmp_path):
    dep = load_role(tmp_path, "Standalone")
    assert "nova_compute" in dep.services and "ironic" not in dep.services
    assert "ironic_neutron_agent" not in dep.services
    conf = nova_conf(dep, "nova_compute")
    assert conf["DEFAULT"]["compute_driver"] == "fake.FakeDriver"
    assert not conf.has_section("ironic")
    flavors = next(f.content for f in dep.by_name("nova_flavors").files
                   if f.dest == "/etc/undercroft/nova-flavors.json")
    assert '"flavors": []' in flavors and '"name": "m1.tiny"' in flavors
    assert dep.resolved.sources["NovaComputeDriver"] == "role Standalone"
    registered = {s.type for n in dep.services if dep.catalog.services[n].keystone
                  for s in dep.catalog.services[n].keystone.services}
    assert registered == {"identity", "image", "placement", "network", "compute"}


def test_undercloud_keeps_the_ironic_driver(full):
    conf = nova_conf(full, "nova_compute")
    assert conf["DEFAULT"]["compute_driver"] == "ironic.IronicDriver"
    assert conf.has_section("ironic")
    assert nova_conf(full, "nova_api")["DEFAULT"]["compute_driver"] == "ironic.IronicDriver"


def test_controller_has_no_compute(tmp_path):
    controller = load_role(tmp_path, "Controller")
    assert "nova" in controller.services and "nova_compute" not in controller.services
    assert "compute_driver" not in nova_conf(controller, "nova_api")["DEFAULT"]
    assert "ironic" not in controller.services


def test_an_environment_file_overrides_the_role(tmp_path):
    env = tmp_path / "env.yaml"
    env.write_text("parameter_defaults:\n  NovaComputeDriver: ironic\n"
                   "  NovaUpdateResourcesInterval: 15\n")
    dep = load_role(tmp_path, "Standalone", (env,))
    conf = nova_conf(dep, "nova_compute")["DEFAULT"]
    assert conf["compute_driver"] == "ironic.IronicDriver"
    assert conf["update_resources_interval"] == "15"


def test_a_value_outside_allowed_is_an_error_naming_the_file(tmp_path):
    env = tmp_path / "env.yaml"
    env.write_text("parameter_defaults:\n  NovaComputeDriver: libvirt\n")
    with pytest.raises(ConfigError, match=r"env.yaml: parameter NovaComputeDriver = 'libvirt': "
                                          r"expected one of ironic, fake"):
        load_role(tmp_path, "Standalone", (env,))


def test_a_misspelt_role_parameter_is_an_error(tmp_path):
    role = tmp_path / "Mine.yaml"
    role.write_text("name: Mine\nservices: [nova_compute]\n"
                    "parameter_defaults: {NovaComputeDriverr: fake}\n")
    with pytest.raises(ConfigError, match="Mine.yaml: parameter_defaults: NovaComputeDriverr .*"
                                          "did you mean NovaComputeDriver"):
        load_role(tmp_path, str(role))


def test_deploy_finds_bundled_roles_by_relative_path_and_records_the_choice(tmp_path):
    found = role_choice.resolve_path("roles/Standalone.yaml", TEMPLATES, "roles file")
    assert found == (TEMPLATES / "roles" / "Standalone.yaml").resolve()
    with pytest.raises(ConfigError, match="roles file roles/Nope.yaml: not found"):
        role_choice.resolve_path("roles/Nope.yaml", TEMPLATES, "roles file")
    state = StateDir(tmp_path / "state")
    assert role_choice.load(state).empty
    role_choice.save(state, role_choice.RoleChoice(str(found), (tmp_path / "e.yaml",)))
    assert state.deployment_record.stat().st_mode & 0o777 == 0o600
    conf = tmp_path / "undercloud.conf"
    conf.write_text(conf_text(tmp_path))
    settings = deployment.settings(conf)  # a later command without -r/-e
    assert settings.roles_file == str(found)
    assert settings.env_files[-1] == tmp_path / "e.yaml"


def multi_host(tmp_path: Path, role: str) -> deployment.Deployment:
    tmp_path.mkdir(parents=True, exist_ok=True)
    roles = tmp_path / "roles.yaml"
    roles.write_text("- Controller\n- Compute\n")
    env = tmp_path / "hosts.yaml"
    env.write_text("parameter_defaults: {DatabaseHost: 192.168.24.1, MessagingHost: 192.168.24.1,"
                   " MemcachedHost: 192.168.24.1}\n")
    conf = tmp_path / "undercloud.conf"
    text = conf_text(tmp_path, undercroft=f"role = {role}\n")
    conf.write_text(text.replace("local_ip = 192.168.24.1/24", "local_ip = 192.168.24.11/24")
                    .replace("undercloud.unit.test", "compute-0.unit.test"))
    return deployment.load(conf, {ROLE_CHOICE: role_choice.RoleChoice(str(roles), (env,))},
                           persist_secrets=True)


def test_a_compute_host_of_a_multi_role_file_reaches_the_controller(tmp_path):
    dep = multi_host(tmp_path, "Compute")
    assert dep.services == ["nova_compute"]
    conf = nova_conf(dep, "nova_compute")
    assert conf["DEFAULT"]["host"] == "compute-0.unit.test"
    assert conf["DEFAULT"]["my_ip"] == "192.168.24.11"
    assert "@192.168.24.1:5672/" in conf["DEFAULT"]["transport_url"]
    assert "@192.168.24.1/nova_api?" in conf["api_database"]["connection"]
    # the cloud has haproxy (on the Controller): keystone through the admin VIP
    assert conf["placement"]["auth_url"].startswith("http://192.168.24.3:5000")
    assert conf["DEFAULT"]["compute_driver"] == "fake.FakeDriver"
    assert "max_attempts" not in conf["scheduler"]


def test_a_multi_role_file_needs_the_hosts_role(tmp_path):
    with pytest.raises(ConfigError, match=r"role = Storage: .*roles.yaml has no such role "
                                          r"\(it has Controller, Compute\)"):
        multi_host(tmp_path, "Storage")
    with pytest.raises(ConfigError, match="lists 2 roles .*set \\[undercroft\\] role"):
        multi_host(tmp_path / "x", "")


def test_deploy_cli_errors_are_one_message(tmp_path, capsys):
    from undercroft.cli import main as cli_main
    conf = tmp_path / "undercloud.conf"
    conf.write_text(conf_text(tmp_path))
    assert cli_main.main(["deploy", "--config", str(conf), "--inventory", "inv.yaml"]) == 1
    assert "--inventory needs --roles-file" in capsys.readouterr().err
    assert cli_main.main(["deploy", "--config", str(conf), "-r", "roles/Nope.yaml"]) == 1
    err = capsys.readouterr().err
    assert "roles file roles/Nope.yaml: not found" in err and "Traceback" not in err

