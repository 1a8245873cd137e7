"""Secrets are data: every rendered file parsed back by its reader's own parser gives the
password exactly, for passwords over the whole printable range (Hypothesis).

The readers here are the real ones: oslo.config (every OpenStack service), configparser
(swift's proxy, as swift interpolates), SQLAlchemy's URL and PyMySQL's option file reader
(database connections: the URL names the file that holds the password), oslo.messaging's
TransportURL and its rabbit driver's URL for kombu, parsed by kombu (RabbitMQ), urllib as
zaqar reads its swift URI, JSON, YAML and bash. The MariaDB and Erlang formats (SQL,
my.cnf, advanced.config) are parsed by mariadb and erl themselves in
tests/integration/render/test_quoting_real_parsers.py.
"""
from __future__ import annotations

import configparser
import json
import subprocess
import urllib.parse
from pathlib import Path

import kombu.utils.url
import pymysql.optionfile
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from oslo_config import cfg
from oslo_messaging import TransportURL
from oslo_messaging._drivers import impl_rabbit
from sqlalchemy.engine import make_url

from undercroft.errors import ConfigError
from undercroft.lifecycle import credentials, deployment
from undercroft.model.loader import load_catalog
from undercroft.render import quoting

from ..conftest import conf_text

HOSTILE = "' \" @ % # ; \\ / $ ? & x"
printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40)
representable = printable.filter(lambda v: quoting.unrepresentable(v) is None)


def password_parameters() -> dict[str, str]:
    """Every generated password of the default role -> the characters it refuses."""
    catalog = load_catalog()
    defs = [catalog.parameters, *(svc.parameters for svc in catalog.services.values())]
    return {name: d.refuse_characters or "" for params in defs for name, d in params.items()
            if d.type == "secret" and d.generate == "password"}


def oslo_values(path: Path, wanted=lambda key, raw: True) -> dict[tuple[str, str], str]:
    """(section, key) -> value as an OpenStack service reads it: oslo.config's parser, its
    quote handling and its ``$`` substitution (for the keys ``wanted`` picks: others may
    refer to options only the service registers)."""
    sections: dict = {}
    cfg.ConfigParser(str(path), sections).parse()
    picked = {s: [k for k, raw in keys.items() if wanted(k, raw[-1])] for s, keys in sections.items()}
    conf = cfg.ConfigOpts()
    for section, keys in picked.items():
        conf.register_opts([cfg.StrOpt(k) for k in keys],
                           group=None if section == "DEFAULT" else section)
    conf(args=[], default_config_files=[str(path)])
    return {(section, key): (conf if section == "DEFAULT" else conf[section])[key.replace("-", "_")]
            for section, keys in picked.items() for key in keys}


def holds_credentials(key: str, raw: str) -> bool:
    return key == "password" or ("://" in raw and "@" in raw)


class SwiftInterpolation(configparser.BasicInterpolation):
    """swift.common.utils' NicerInterpolation (swift is not installable here: it needs
    liberasurecode); swift's own loader reads the rendered file in the integration tier."""

    def before_get(self, parser, section, option, value, defaults):
        if "%(" not in value:
            return value
        return super().before_get(parser, section, option, value, defaults)


def swift_values(path: Path) -> dict[tuple[str, str], str]:
    """As swift reads proxy-server.conf: configparser, interpolating only values with '%('."""
    parser = configparser.ConfigParser(defaults={"here": str(path.parent)},
                                       interpolation=SwiftInterpolation())
    parser.read(path)
    return {(s, k): parser.get(s, k) for s in parser.sections() for k in parser[s]}


def url_password(value: str, files: Path) -> str | None:
    """The password each service's URL reader takes out of ``value``; ``files`` holds the
    rendered files at their destination paths."""
    if value.startswith("mysql+pymysql://"):
        url = make_url(value)
        assert url.password is None, "a database password in a URL"
        option_file = files / url.query["read_default_file"].lstrip("/")
        parser = pymysql.optionfile.Parser()
        parser.read(option_file)
        return parser.get(url.query.get("read_default_group", "client"), "password")
    if value.startswith("rabbit://"):
        # as the broker gets it: oslo.messaging parses the URL, its rabbit driver writes
        # one for kombu (encoding the password again), kombu parses that
        url = TransportURL.parse(cfg.ConfigOpts(), value)
        kombu_url = impl_rabbit.Connection._transform_transport_url(None, url, url.hosts[0])
        try:
            return kombu.utils.url.parse_url(kombu_url)["password"]
        except ValueError as exc:
            return f"kombu could not parse it: {exc}"
    if value.startswith("swift://"):  # zaqar: urlparse, no percent-decoding
        return urllib.parse.urlparse(value).password
    return None


def rendered_with(tmp: Path, password: str) -> tuple[deployment.Deployment, dict[str, str]]:
    """The default role rendered with every generated password set to ``password`` (a
    parameter's refused characters replaced by 'x'); and those values."""
    values = {n: "".join("x" if c in refused else c for c in password)
              for n, refused in password_parameters().items()}
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    (out / "undercloud-passwords.yaml").write_text(yaml.safe_dump({"parameter_defaults": values}))
    conf = tmp / "undercloud.conf"
    conf.write_text(conf_text(tmp))
    return deployment.load(conf, persist_secrets=True), values


# Files with no secret in them, or whose format mariadb and erl parse themselves (the
# integration tier): SQL, my.cnf, advanced.config; the client option files (.cnf) are
# read by following the URLs that name them.
NOT_HERE = ("/etc/undercroft/", "/etc/rabbitmq/", "/etc/mysql/", "/etc/haproxy/",
            "/etc/keepalived/", "/etc/nginx/", "/etc/keystone/", "/var/lib/", "/etc/swift/")
SWIFT_PROXY = "/etc/swift/proxy-server.conf"


def secrets_read_back(dep: deployment.Deployment, tmp: Path) -> list[tuple[str, str]]:
    """(file and key, value read) of every password-like value in every rendered file."""
    rendered = {f.dest: f for rc in dep.rendered.containers for f in rc.files}
    files = tmp / "files"
    for f in rendered.values():  # all first: a URL names another file (a client option file)
        path = files / f.dest.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f.content)
    found = []
    for f in rendered.values():
        path = files / f.dest.lstrip("/")
        if f.dest.endswith(".json"):
            found += _walk_json(json.loads(f.content), f.dest)
            continue
        if f.dest == SWIFT_PROXY:
            values = swift_values(path)
        elif f.dest.startswith(NOT_HERE) or f.dest.endswith("dnsmasq.conf") or \
                not f.dest.endswith((".conf", ".ini")):
            continue  # the client option files (.cnf) are read by following the URLs
        else:
            values = oslo_values(path, holds_credentials)
        for (section, key), value in values.items():
            where = f"{f.dest} [{section}] {key}"
            if key == "password":
                found.append((where, value))
            elif "://" in value and "@" in value:
                pw = url_password(value, files)
                assert pw is not None, f"{where}: a URL with credentials no reader here parses"
                found.append((where, pw))
    return found


def _walk_json(data, where: str) -> list[tuple[str, str]]:
    if isinstance(data, dict):
        return [item for k, v in data.items() for item in
                ([(f"{where} {k}", v)] if "password" in k and isinstance(v, str)
                 else _walk_json(v, f"{where} {k}"))]
    if isinstance(data, list):
        return [item for v in data for item in _walk_json(v, where)]
    return []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(password=representable)
@example(password=HOSTILE)
@example(password='"quoted"')
@example(password="'$x'")
@example(password="%(here)s")
@example(password="a$b${c}")
def test_every_reader_reads_back_the_password(tmp_path_factory, password):
    tmp = tmp_path_factory.mktemp("quoting")
    dep, values = rendered_with(tmp, password)
    found = secrets_read_back(dep, tmp)
    assert len(found) >= 40, found  # every service's credentials, URLs and JSON files
    wrong = [where for where, value in found if value not in values.values()]
    assert not wrong, f"read back differently: {wrong}"
    read = {value for _, value in found}
    assert values["RabbitPassword"] in read and values["ZaqarPassword"] in read


@settings(max_examples=30, deadline=None)
@given(password=representable)
@example(password=HOSTILE)
def test_stackrc_and_clouds_yaml_give_the_password(tmp_path_factory, password):
    out = tmp_path_factory.mktemp("credentials")
    values = {"LocalIp": "192.168.24.1", "AdminPassword": password, "KeystoneRegion": "regionOne"}
    stackrc, clouds = credentials.write(out, values)
    shown = subprocess.run(["bash", "-c", '. "$1" && printf %s "$OS_PASSWORD"', "-", str(stackrc)],
                           capture_output=True, text=True, check=True).stdout
    assert shown == password
    assert yaml.safe_load(clouds.read_text())["clouds"]["undercloud"]["auth"]["password"] == password


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=printable.filter(lambda v: "\\$" not in v))
@example(value="a'b")
@example(value="  spaces kept  ")
def test_ini_quoting_round_trips_through_oslo_config(tmp_path_factory, value):
    path = tmp_path_factory.mktemp("ini") / "x.conf"
    path.write_text(f"[s]\nkey = {quoting.ini(value)}\n")
    assert oslo_values(path)[("s", "key")] == value


@settings(deadline=None)
@given(value=printable)
@example(value="%(here)s")
@example(value="a%b%%c")
def test_swift_quoting_round_trips_through_swifts_interpolation(tmp_path_factory, value):
    path = tmp_path_factory.mktemp("swift") / "x.conf"
    path.write_text(f"[s]\nkey = {quoting.swift_ini(value)}\n")
    assert swift_values(path)[("s", "key")] == value.strip()


@pytest.mark.parametrize("value, why", [
    (" leading", "starts or ends with a space"),
    ("trailing ", "starts or ends with a space"),
    ("back\\$slash", "backslash followed by '$'"),
    ("tab\there", "printable ASCII"),
    ("naïve", "printable ASCII"),
])
def test_a_secret_no_format_can_carry_is_refused_by_name(tmp_path, value, why):
    out = tmp_path / "out"
    out.mkdir()
    (out / "undercloud-passwords.yaml").write_text(
        yaml.safe_dump({"parameter_defaults": {"RabbitPassword": value}}))
    conf = tmp_path / "undercloud.conf"
    conf.write_text(conf_text(tmp_path))
    with pytest.raises(ConfigError) as err:
        deployment.load(conf, persist_secrets=False)
    assert "RabbitPassword" in err.value.message and why in err.value.message
    assert value not in err.value.message + err.value.hint


def test_zaqar_password_refuses_what_its_url_cannot_carry(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "undercloud-passwords.yaml").write_text(
        yaml.safe_dump({"parameter_defaults": {"ZaqarPassword": "a/b#c"}}))
    conf = tmp_path / "undercloud.conf"
    conf.write_text(conf_text(tmp_path))
    with pytest.raises(ConfigError) as err:
        deployment.load(conf, persist_secrets=False)
    assert "ZaqarPassword" in err.value.message and "'#' '/'" in err.value.message


def test_generated_passwords_render_unquoted():
    """Existing deployments' files do not change: plain values pass every filter as is."""
    plain = "Abc123xyz"
    assert {f(plain) for f in (quoting.ini, quoting.swift_ini, quoting.url)} == {plain}
    assert quoting.shell(plain) == plain
