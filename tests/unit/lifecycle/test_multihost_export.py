"""``export ansible``: per-host inputs and a step-ordered playbook from one inventory
(read by the real ansible-inventory; nothing is run on any host)."""
from __future__ import annotations

import configparser
from pathlib import Path

import pytest
import yaml

from undercroft.errors import ConfigError
from undercroft.lifecycle.multihost import export

from ..conftest import conf_text

INVENTORY = """
all:
  vars:
    ansible_connection: local
  children:
    Controller:
      hosts:
        ctl0: {undercroft_local_ip: 192.168.24.1/24, undercroft_dir: /srv/uc/ctl0,
               undercroft_hostname: ctl0.example}
    Compute:
      hosts:
        cmp0:
          undercroft_local_ip: 192.168.24.31/24
          undercroft_hostname: cmp0.example
          undercroft_settings: {network_namespace: uccmp0, deployment_name: cmp0}
        cmp1: {undercroft_local_ip: 192.168.24.32/24, undercroft_hostname: compute-1.example}
"""


def run_export(tmp_path: Path, inventory: str = INVENTORY) -> export.Exported:
    (tmp_path / "roles.yaml").write_text("- Controller\n- Compute\n")
    (tmp_path / "inventory.yaml").write_text(inventory)
    (tmp_path / "undercloud.conf").write_text(conf_text(tmp_path))
    (tmp_path / "extra.yaml").write_text("parameter_defaults: {Debug: false}\n")
    return export.export(tmp_path / "undercloud.conf", tmp_path / "roles.yaml", [tmp_path / "extra.yaml"],
                         tmp_path / "inventory.yaml", tmp_path / "out")


def read_conf(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(default_section="__none__")
    parser.read(path)
    return parser


def test_every_host_gets_its_role_address_and_the_shared_inputs(tmp_path):
    out = run_export(tmp_path)
    assert [(h.name, h.role) for h in out.hosts] == [("ctl0", "Controller"), ("cmp0", "Compute"),
                                                     ("cmp1", "Compute")]
    assert out.services["cmp0"] == ["nova_compute"] and "mariadb" in out.services["ctl0"]
    cmp0 = read_conf(out.output / "hosts/cmp0/undercloud.conf")
    assert cmp0["DEFAULT"]["local_ip"] == "192.168.24.31/24"
    assert cmp0["DEFAULT"]["undercloud_hostname"] == "cmp0.example"
    assert cmp0["DEFAULT"]["output_dir"] == export.DEFAULT_DIR
    assert cmp0["DEFAULT"]["custom_env_files"] == "env/00-cloud.yaml,env/01-extra.yaml"
    assert cmp0["undercroft"]["role"] == "Compute"
    assert cmp0["undercroft"]["network_namespace"] == "uccmp0"
    assert read_conf(out.output / "hosts/ctl0/undercloud.conf")["DEFAULT"]["output_dir"] == "/srv/uc/ctl0"
    assert read_conf(out.output / "hosts/cmp1/undercloud.conf")["DEFAULT"]["undercloud_hostname"] \
        == "compute-1.example"
    cloud = yaml.safe_load((out.output / "hosts/cmp1/env/00-cloud.yaml").read_text())
    assert cloud["parameter_defaults"] == {"DatabaseHost": "192.168.24.1",
                                           "MessagingHost": "192.168.24.1",
                                           "MemcachedHost": "192.168.24.1"}


def test_passwords_are_generated_once_and_the_same_on_every_host(tmp_path):
    out = run_export(tmp_path)
    master = (out.output / "undercloud-passwords.yaml")
    assert master.stat().st_mode & 0o777 == 0o600
    texts = {(out.output / "hosts" / h / "undercloud-passwords.yaml").read_text()
             for h in ("ctl0", "cmp0", "cmp1")}
    assert texts == {master.read_text()}
    assert "RabbitPassword" in master.read_text() and "NovaPassword" in master.read_text()
    again = run_export(tmp_path)  # a re-export keeps them
    assert (again.output / "undercloud-passwords.yaml").read_text() == master.read_text()


def test_the_playbook_runs_each_step_on_all_hosts_before_the_next(tmp_path):
    out = run_export(tmp_path)
    plays = yaml.safe_load(out.playbook.read_text())
    assert [p["name"] for p in plays][1:] == [
        "Step 1: load balancer and VIPs", "Step 2: database, messaging and cache",
        "Step 3: bootstrap (databases, schemas, keys)", "Step 4: services", "Step 5: post-deploy"]
    assert {p["hosts"] for p in plays} == {"Controller:Compute"}
    step3 = plays[3]["tasks"][0]
    assert step3["ansible.builtin.command"]["argv"][-2:] == ["--step", "3"]
    assert plays[3]["any_errors_fatal"] is True
    assert "Nothing to do" in step3["changed_when"]
    assert "inventory = inventory.yaml" in (out.output / "ansible.cfg").read_text()
    inventory = yaml.safe_load((out.output / "inventory.yaml").read_text())["all"]["children"]
    assert list(inventory["Compute"]["hosts"]) == ["cmp0", "cmp1"]
    # group vars resolved into each host: the directory runs without the original
    assert inventory["Compute"]["hosts"]["cmp1"]["ansible_connection"] == "local"
    assert (out.output / "callback_plugins" / "undercroft.py").is_file()


@pytest.mark.parametrize("inventory, message", [
    (INVENTORY.replace("undercroft_local_ip: 192.168.24.32/24, ", ""),
     "host cmp1: set undercroft_local_ip"),
    (INVENTORY.replace("deployment_name: cmp0", "deployment_nam: cmp0"),
     "host cmp0: undercroft_settings: unknown \\[undercroft\\] option deployment_nam"),
    (INVENTORY + "    Extra:\n      hosts:\n        x: {}\n    Storage:\n      hosts: {ctl0: {}}\n",
     None),
    ("all:\n  children:\n    Storage:\n      hosts:\n        s0: {undercroft_local_ip: 192.168.24.9/24}\n",
     "no host in any role group \\(Controller, Compute\\)"),
])
def test_inventory_mistakes_are_one_clear_error(tmp_path, inventory, message):
    if message is None:  # groups that are not roles are left alone
        assert len(run_export(tmp_path, inventory).hosts) == 3
        return
    with pytest.raises(ConfigError, match=message):
        run_export(tmp_path, inventory)


def test_a_value_install_would_refuse_fails_the_export_naming_the_host(tmp_path):
    bad = INVENTORY.replace("undercroft_hostname: compute-1.example", "undercroft_hostname: cmp1")
    with pytest.raises(ConfigError, match="host cmp1 \\(role Compute\\): .*hosts/cmp1/undercloud.conf:"
                                          "[0-9]+: undercloud_hostname = cmp1: not fully qualified"):
        run_export(tmp_path, bad)


def test_each_hosts_config_files_are_there_to_review_with_the_clouds_passwords(tmp_path):
    out = run_export(tmp_path)
    secrets = yaml.safe_load((out.output / "undercloud-passwords.yaml").read_text())["parameter_defaults"]
    nova = out.output / "rendered/cmp0/cmp0-nova_compute/etc/nova/nova.conf"
    assert nova.stat().st_mode & 0o777 == 0o600
    text = nova.read_text()
    assert f"password = {secrets['NovaPassword']}" in text and "compute_driver = fake.FakeDriver" in text
    assert (out.output / "rendered/ctl0/keystone/etc/keystone/keystone.conf").is_file()
    assert sorted(p.name for p in (out.output / "rendered/cmp0").iterdir()) == [
        "cmp0-nova_cells_discover", "cmp0-nova_compute"]
