"""instackenv files read and checked: every bad entry named at once, no secret printed."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from undercroft.errors import ConfigError
from undercroft.nodes import instackenv

HERE = Path(__file__).parent
ENABLED = ["ipmi", "redfish", "idrac", "ilo", "fake-hardware"]

BAD_JSON = """\
node #0 (no-type): pm_type (ironic driver to use) is required
node #1 (bad-type): unknown pm_type (ironic driver to use): magic
node #2 (no-addr): missing pm_addr (required for pm_type ipmi)
node #3 (bad-mac): MAC address 52:54:00:dd:00 is invalid
node #4 (dup-mac): MAC 52:54:00:dd:00:03 is not unique (also node #2 (no-addr))
node #5 (bad-mac): name "bad-mac" is not unique (also node #3)
node #6 (same-bmc): node identified by 10.0.0.5 is already present (also node #4 (dup-mac))
node #7 (not-enabled): hardware type staging-ovirt (pm_type staging-ovirt) is not enabled in \
this undercloud (enabled: ipmi, redfish, idrac, ilo, fake-hardware; undercloud.conf's \
enabled_hardware_types)
node #8 (no-system): missing pm_system_id (required for pm_type redfish)
node #9 (odd-fields): cpu: Input should be a valid integer, unable to parse string as an integer
node #9 (odd-fields): field pm_system_id is not used by pm_type ipmi
node #9 (odd-fields): unknown field colour
node #10 (platform-only): platform given without arch
node #10 (platform-only): invalid capabilities: expected key:value[,key:value...] or a mapping
node #10 (platform-only): invalid root_device: expected a mapping, got str
node #11: expected a mapping of fields, not list"""


def test_the_json_file_gives_each_node_its_hardware_type_bmc_and_macs():
    nodes = instackenv.load(HERE / "instackenv.json", ENABLED)
    assert [(n.label, n.hardware_type, n.identity, n.addresses) for n in nodes] == [
        ("node #0 (ctrl-0)", "ipmi", "192.168.24.101:6230", ["52:54:00:aa:00:01"]),
        ("node #1 (compute-0)", "redfish", "192.168.24.102:8000/redfish/v1/Systems/compute-0",
         ["52:54:00:aa:00:02"]),
        ("node #2 (lab-0)", "fake-hardware", None, ["52:54:00:aa:00:03"]),
    ]
    assert "_comment" not in nodes[0].fields
    assert nodes[1].fields["cpu"] == 8  # "8" in the file: an integer, as ironic wants it


def test_yaml_and_csv_as_tripleoclient_reads_them():
    yaml_nodes = instackenv.load(HERE / "instackenv.yaml", ENABLED)
    # a classic driver name becomes its hardware type (tripleo-common's DRIVER_INFO)
    assert [(n.name, n.hardware_type, n.identity) for n in yaml_nodes] == [
        ("ctrl-1", "ipmi", "192.168.24.111"), ("idrac-0", "idrac", "192.168.24.112")]
    csv_nodes = instackenv.load(HERE / "instackenv.csv", ENABLED)
    # pm_type,pm_addr,pm_user,pm_password,mac[,pm_port]: two BMCs on one address, two ports
    assert [(n.fields["pm_user"], n.identity, n.addresses) for n in csv_nodes] == [
        ("admin", "192.168.24.121:6231", ["52:54:00:cc:00:01"]),
        ("admin", "192.168.24.121:6232", ["52:54:00:cc:00:02"])]


def test_a_bad_file_names_every_bad_entry_in_one_error_and_never_a_password():
    with pytest.raises(ConfigError) as err:
        instackenv.load(HERE / "bad.json", ENABLED)
    e = err.value
    assert e.message == f"{HERE / 'bad.json'}: 16 problem(s); no node was enrolled"
    assert e.detail == BAD_JSON
    assert "top-secret-pw" not in f"{e.message}{e.detail}{e.hint}"


def test_a_pydantic_error_never_quotes_the_value(tmp_path):
    path = tmp_path / "n.json"
    path.write_text(json.dumps([{"pm_type": "ipmi", "pm_addr": "10.0.0.1",
                                 "pm_password": ["s3cr3t-in-a-list"]}]))
    with pytest.raises(ConfigError) as err:
        instackenv.load(path, ENABLED)
    assert err.value.detail == "node #0: pm_password: Input should be a valid string"
    assert "s3cr3t" not in err.value.detail


@pytest.mark.parametrize("name,text,message", [
    ("n.json", "{not json", "n.json is not valid JSON"),
    ("n.json", '{"nodes": {"a": 1}}', "n.json: expected a list of nodes, or a mapping with a "
                                      "'nodes' list"),
    ("n.json", '{"nodes": []}', "n.json: 1 problem(s); no node was enrolled"),
    ("n.txt", "[]", "n.txt: unknown file type '.txt'"),
    ("n.csv", "ipmi,10.0.0.1,admin\n", "n.csv: 1 problem(s); no node was enrolled"),
])
def test_file_level_problems(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        instackenv.load(path, ENABLED)
    assert err.value.message.replace(f"{tmp_path}/", "") == message


def test_a_top_level_list_is_the_nodes(tmp_path):
    path = tmp_path / "n.json"
    path.write_text(json.dumps([{"pm_type": "fake", "mac": ["52:54:00:00:00:01"]}]))
    (node,) = instackenv.load(path, ENABLED)
    assert node.hardware_type == "fake-hardware"


def test_the_import_command_enrolls_nothing_and_exits_1_on_a_bad_file(monkeypatch, capsys):
    from undercroft.cli import nodes as cli

    dep = SimpleNamespace(values={"IronicEnabledHardwareTypes": ENABLED}, settings=None)
    monkeypatch.setattr(cli.deployment, "load", lambda *a, **k: dep)

    def no_cloud(*a, **k):
        raise AssertionError("the cloud is not contacted when the file is bad")
    monkeypatch.setattr(cli.openstack_cloud, "connect", no_cloud)
    cmd = cli.NodeImport(None, None)
    args = cmd.get_parser("undercroft node import").parse_args([str(HERE / "bad.json")])
    assert cmd.take_action(args) == 1
    err = capsys.readouterr().err
    assert "16 problem(s); no node was enrolled" in err
    assert "node #7 (not-enabled): hardware type staging-ovirt" in err
    assert "top-secret-pw" not in err
    assert "Traceback" not in err
