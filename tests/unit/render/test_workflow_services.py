"""Mistral and zaqar in the default role: chains, configs, catalog and their toggles."""
from __future__ import annotations

import configparser
import json

import pytest
import yaml

from undercroft.lifecycle import deployment
from undercroft.plan import make_plan

from ..conftest import conf_text




@pytest.fixture(scope="module")
def secrets(full) -> dict[str, str]:
    path = full.settings.output_dir / "undercloud-passwords.yaml"
    return yaml.safe_load(path.read_text())["parameter_defaults"]


def ini(dep, container: str, dest: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False)
    parser.read_string({f.dest: f.content for f in dep.by_name(container).files}[dest])
    return parser


def test_chains_bootstrap_in_step_3_and_serve_in_step_4(full):
    plan = make_plan(full.rendered.desired, [])
    assert [a.name for a in plan.chains(3)["mistral"]] == [
        "mistral_db_create", "mistral_db_sync", "mistral_db_populate"]
    assert [a.name for a in plan.chains(4)["mistral"]] == [
        "mistral_api", "mistral_engine", "mistral_executor"]
    assert [a.name for a in plan.chains(3)["zaqar"]] == ["zaqar_db_create", "zaqar_db_sync"]
    assert [a.name for a in plan.chains(4)["zaqar"]] == ["zaqar_api", "zaqar_websocket"]


def test_zaqar_keeps_messages_in_swift_and_queues_in_mysql(full, secrets):
    conf = ini(full, "zaqar_api", "/etc/zaqar/zaqar.conf")
    drivers = conf["drivers"]
    assert (drivers["transport"], drivers["message_store"], drivers["management_store"]) == \
        ("wsgi", "swift", "sqlalchemy")
    password = secrets["ZaqarPassword"]
    assert conf["drivers:management_store:sqlalchemy"]["uri"] == (
        "mysql+pymysql://zaqar@192.168.24.1/zaqar?charset=utf8"
        "&read_default_file=/etc/zaqar/db-zaqar.cnf")
    swift = conf["drivers:message_store:swift"]
    assert swift["uri"] == f"swift://zaqar:{password}@/service"
    # the same keystone as every other service (no URL written by hand)
    assert swift["auth_url"] == conf["keystone_authtoken"]["auth_url"] + "/v3"
    assert "transport_url" not in conf["DEFAULT"]  # no rabbit password where it is unused
    websocket = {f.dest: f.content for f in full.by_name("zaqar_websocket").files}
    assert "transport = websocket" in websocket["/etc/zaqar/websocket.conf"]
    assert "--config-file /etc/zaqar/websocket.conf" in \
        full.by_name("zaqar_websocket").config_json["command"]


def test_mistral_config_and_commands(full, secrets):
    conf = ini(full, "mistral_engine", "/etc/mistral/mistral.conf")
    assert conf["database"]["connection"].startswith("mysql+pymysql://mistral@")
    assert secrets["MistralPassword"] not in conf["database"]["connection"]
    assert conf["keystone_authtoken"]["username"] == "mistral"
    assert conf["executor"]["type"] == "remote"
    commands = {n: full.by_name(n).config_json["command"]
                for n in ("mistral_db_sync", "mistral_db_populate", "mistral_api",
                          "mistral_engine", "mistral_executor")}
    assert commands["mistral_db_populate"].endswith(" populate")
    assert commands["mistral_api"].startswith("undercroft-uwsgi /usr/bin/mistral-wsgi-api ")
    assert "--server engine --log-file mistral-engine.log" in commands["mistral_engine"]
    assert "--server executor --log-file mistral-executor.log" in commands["mistral_executor"]


def test_catalog_entries_and_websocket_port(full):
    reg = json.loads(full.by_name("keystone_register").files[0].content)
    by_type = {s["type"]: s for s in reg["services"]}
    assert by_type["workflowv2"]["name"] == "mistral"
    assert by_type["workflowv2"]["endpoints"]["internal"].endswith(":8989/v2")
    assert by_type["messaging"]["endpoints"]["internal"].endswith(":8888")
    ws = by_type["messaging-websocket"]["endpoints"]
    assert ws["internal"].startswith("ws://") and ws["internal"].endswith(":9000")
    assert ws["public"].startswith(("ws://", "wss://")) and ws["public"].endswith(":9000")
    # the public wss port must not land on another API's (13000 + 9000 % 1000 is keystone's)
    publics = [s["endpoints"]["public"].split("/")[2] for s in reg["services"]]
    assert len(publics) == len(set(publics)), publics


def test_no_secret_in_their_commands_or_environment(full, secrets):
    values = [secrets[k] for k in ("MistralPassword", "ZaqarPassword")]
    for c in full.rendered.containers:
        if c.desired.service in ("mistral", "zaqar"):
            public = json.dumps([c.config_json, c.desired.spec])
            assert not any(v in public for v in values), c.desired.name


@pytest.mark.parametrize("option,service", [("enable_mistral", "mistral"),
                                            ("enable_zaqar", "zaqar")])
def test_undercloud_conf_toggle_removes_the_service(tmp_path, option, service):
    conf = tmp_path / "undercloud.conf"
    conf.write_text(conf_text(tmp_path, default=f"{option} = false\n"))
    dep = deployment.load(conf)
    assert service not in dep.services
    assert not [d.name for d in dep.rendered.desired if d.name.startswith(service)]
    other = ({"mistral", "zaqar"} - {service}).pop()
    assert other in dep.services
