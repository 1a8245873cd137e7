"""Service templates, roles and environment files: strict schema, errors name file + key."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from undercroft.errors import ConfigError
from undercroft.model import load_catalog, load_environment, load_role
from undercroft.model.loader import TEMPLATES, read_yaml

GOOD = """\
name: {name}
image: memcached
parameters:
  FooSize: {{type: int, default: 3}}
steps:
  2:
    - name: {name}
      command: foo --size {{{{ FooSize }}}}
      healthcheck: undercroft-healthcheck tcp 127.0.0.1 1
"""


def make_root(tmp_path: Path, services: dict[str, str], parameters: str | None = None) -> Path:
    root = tmp_path / "templates"
    (root / "services").mkdir(parents=True)
    for name, text in services.items():
        (root / "services" / f"{name}.yaml").write_text(textwrap.dedent(text))
    if parameters is not None:
        (root / "parameters.yaml").write_text(textwrap.dedent(parameters))
    return root


def load_error(root: Path) -> ConfigError:
    with pytest.raises(ConfigError) as e:
        load_catalog(root)
    return e.value


def test_minimal_template_loads(tmp_path):
    cat = load_catalog(make_root(tmp_path, {"foo": GOOD.format(name="foo")}))
    assert list(cat.services) == ["foo"]
    assert cat.services["foo"].steps[2][0].healthcheck
    assert cat.parameters == {}


def test_unknown_key_names_file_and_key_path(tmp_path):
    text = GOOD.format(name="foo").replace("      healthcheck:", "      helthcheck: x\n      healthcheck:")
    root = make_root(tmp_path, {"foo": text})
    err = load_error(root)
    assert str(err) == f"{root}/services/foo.yaml: steps.2.0.helthcheck: Extra inputs are not permitted"


def test_unknown_top_level_key(tmp_path):
    root = make_root(tmp_path, {"foo": GOOD.format(name="foo") + "volumes: []\n"})
    assert str(load_error(root)).startswith(f"{root}/services/foo.yaml: volumes: Extra inputs")


def test_long_running_container_needs_healthcheck(tmp_path):
    text = GOOD.format(name="foo").replace(
        "      healthcheck: undercroft-healthcheck tcp 127.0.0.1 1\n", "")
    root = make_root(tmp_path, {"foo": text})
    assert str(load_error(root)) == (f"{root}/services/foo.yaml: steps.2.0: "
                                     f"a long-running container needs a healthcheck")


def test_oneshot_needs_no_healthcheck(tmp_path):
    text = GOOD.format(name="foo").replace(
        "      healthcheck: undercroft-healthcheck tcp 127.0.0.1 1\n", "      oneshot: true\n")
    assert load_catalog(make_root(tmp_path, {"foo": text})).services["foo"].steps[2][0].oneshot


@pytest.mark.parametrize("step", [0, 6, 9])
def test_bad_step_number(tmp_path, step):
    root = make_root(tmp_path, {"foo": GOOD.format(name="foo").replace("  2:", f"  {step}:")})
    assert str(load_error(root)) == f"{root}/services/foo.yaml: steps: step {step} is outside 1..5"


def test_non_numeric_step(tmp_path):
    root = make_root(tmp_path, {"foo": GOOD.format(name="foo").replace("  2:", "  two:")})
    err = str(load_error(root))
    assert err.startswith(f"{root}/services/foo.yaml: steps.two")


def test_several_problems_first_in_message_rest_in_detail(tmp_path):
    text = GOOD.format(name="foo") + "bogus1: 1\nbogus2: 2\n"
    err = load_error(make_root(tmp_path, {"foo": text}))
    assert "bogus1" in err.message and "bogus2" in err.detail


def test_name_must_match_file(tmp_path):
    root = make_root(tmp_path, {"bar": GOOD.format(name="foo")})
    assert str(load_error(root)) == (f"{root}/services/bar.yaml: name: 'foo' must match "
                                     f"the file name 'bar'")


def test_bad_container_name(tmp_path):
    text = GOOD.format(name="foo").replace("    - name: foo", "    - name: foo bar")
    err = str(load_error(make_root(tmp_path, {"foo": text})))
    assert "steps.2.0.name" in err and "may only contain letters" in err


def test_config_file_needs_exactly_one_source_and_absolute_dest(tmp_path):
    both = GOOD.format(name="foo") + "config_files:\n  - {dest: /etc/x, template: a.j2, content: b}\n"
    err = str(load_error(make_root(tmp_path / "a", {"foo": both})))
    assert "config_files.0: exactly one of 'template' or 'content'" in err
    rel = GOOD.format(name="foo") + "config_files:\n  - {dest: etc/x, content: b}\n"
    err = str(load_error(make_root(tmp_path / "b", {"foo": rel})))
    assert "config_files.0: dest must be an absolute path" in err


def test_secret_parameter_rules(tmp_path):
    text = GOOD.format(name="foo").replace(
        "  FooSize: {type: int, default: 3}", "  FooPass: {type: secret, default: hunter2}")
    err = str(load_error(make_root(tmp_path, {"foo": text})))
    assert "parameters.FooPass: a secret parameter cannot have a default" in err


@pytest.mark.parametrize("entry, error", [
    ("{port: 3306, bind: public_vip}",
     "ports.0.bind: 'public_vip' is not one of local_ip, loopback (or Jinja2 giving one)"),
    ("{port: 70000}", "ports.0.port: 70000 is outside 1..65535"),
    ("{port: FooPort}", "ports.0.port: 'FooPort' is no number; give one, or Jinja2 naming"),
    ("{port: 69, protocol: sctp}", "ports.0.protocol: Input should be 'tcp' or 'udp'"),
    ("{port: 69, proto: udp}", "ports.0.proto: Extra inputs are not permitted"),
])
def test_a_bad_ports_entry_names_the_file_and_the_key(tmp_path, entry, error):
    root = make_root(tmp_path, {"foo": GOOD.format(name="foo") + f"ports:\n  - {entry}\n"})
    assert str(load_error(root)).startswith(f"{root}/services/foo.yaml: {error}")


def test_a_catalog_entrys_port_is_not_listed_again(tmp_path):
    """keystone.services says where the API listens: the same fact in ports is refused."""
    text = GOOD.format(name="foo") + (
        "keystone:\n  services:\n    - {name: foo, type: foo, port: 5000, admin_port: 35357}\n"
        "ports:\n  - {port: 35357}\n")
    assert str(load_error(make_root(tmp_path, {"foo": text}))) == (
        f"{tmp_path}/templates/services/foo.yaml: ports: item 0: port 35357 is a keystone "
        f"catalog entry's (keystone.services), which the service listens on at local_ip "
        f"already; remove it here")
    elsewhere = text.replace("{port: 35357}", "{port: 35357, bind: loopback}")
    assert load_catalog(make_root(tmp_path / "b", {"foo": elsewhere})).services["foo"].ports


def test_a_bad_takeover_entry_names_the_file_and_the_key(tmp_path):
    text = GOOD.format(name="foo") + (
        "baremetal:\n  takeover:\n    options:\n"
        "      - {file: foo/foo.conf, section: DEFAULT, key: secret, parameter: FooSecret}\n")
    assert str(load_error(make_root(tmp_path, {"foo": text}))) == (
        f"{tmp_path}/templates/services/foo.yaml: baremetal.takeover.options.0.file: "
        f"'foo/foo.conf' must be an absolute path")


def test_invalid_yaml_names_line(tmp_path):
    root = make_root(tmp_path, {"foo": "name: foo\nsteps: [\n  oops: {\n"})
    err = str(load_error(root))
    assert err.startswith(f"{root}/services/foo.yaml:") and "invalid YAML" in err
    assert "line " in err


def test_top_level_must_be_mapping(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping at the top level, got list"):
        read_yaml(p)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_role(tmp_path / "nope.yaml")


def test_bad_global_parameter_names_its_key_path(tmp_path):
    root = make_root(tmp_path, {"foo": GOOD.format(name="foo")},
                     parameters="parameters:\n  Foo: {type: strng}\n")
    assert str(load_error(root)).startswith(f"{root}/parameters.yaml: parameters.Foo.type: ")


def test_environment_file_unknown_key(tmp_path):
    p = tmp_path / "env.yaml"
    p.write_text("parameter_default:\n  KeystoneThreads: 8\n")
    with pytest.raises(ConfigError, match=rf"{p}: parameter_default: Extra inputs"):
        load_environment(p)


def test_environment_file_loads(tmp_path):
    p = tmp_path / "env.yaml"
    p.write_text("parameter_defaults: {KeystoneThreads: 8}\ndisable_services: [memcached]\n")
    env = load_environment(p)
    assert env.parameter_defaults == {"KeystoneThreads": 8}
    assert env.disable_services == ["memcached"]


# -- the bundled templates ---------------------------------------------------------------

def test_every_bundled_template_loads():
    cat = load_catalog()
    assert cat.root == TEMPLATES
    on_disk = sorted(p.stem for p in (TEMPLATES / "services").glob("*.yaml"))
    assert sorted(cat.services) == on_disk
    assert {"mariadb", "rabbitmq", "memcached", "keystone"} <= set(cat.services)
    assert {"LocalIp", "MysqlRootPassword", "ServiceWorkers"} <= set(cat.parameters)


def test_bundled_roles_load_and_name_known_services():
    cat = load_catalog()
    roles = sorted((TEMPLATES / "roles").glob("*.yaml"))
    assert roles
    for path in roles:
        role = load_role(path)
        assert set(role.services) <= set(cat.services), path
    assert cat.role_path("Undercloud") == TEMPLATES / "roles" / "Undercloud.yaml"
    assert cat.role_path("/x/y.yaml") == Path("/x/y.yaml")


def test_bundled_config_templates_referenced_exist():
    cat = load_catalog()
    for svc in cat.services.values():
        for cf in svc.config_files:
            if cf.template:
                assert (TEMPLATES / "config" / cf.template).is_file(), (svc.name, cf.template)


def test_bundled_secret_parameters_all_have_a_generator():
    cat = load_catalog()
    defs = dict(cat.parameters)
    for svc in cat.services.values():
        defs.update(svc.parameters)
    secrets = {n: d for n, d in defs.items() if d.type == "secret"}
    assert secrets and all(d.generate for d in secrets.values()), secrets


def test_bundled_takeover_secrets_are_the_services_own_secret_parameters():
    """What a takeover carries over (baremetal.takeover) fills parameters the service
    defines as secrets: a typo would import a value nothing renders."""
    cat = load_catalog()
    named = 0
    for svc in cat.services.values():
        t = svc.baremetal.takeover
        params = [p for r in t.key_repositories for p in (r.staged, r.primary)]
        params += [o.parameter for o in t.options] + [f.parameter for f in t.files]
        params += [u.parameter for u in t.urls]
        for p in params:
            assert svc.parameters.get(p) and svc.parameters[p].type == "secret", (svc.name, p)
        named += len(params)
    assert named >= 9  # keystone's four keys, heat's, swift's two, rabbitmq's two
