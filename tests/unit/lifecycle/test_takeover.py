"""Taking over a package-installed undercloud: its secrets read from its configuration
files into the passwords file, its init services found, stopped and disabled."""
from __future__ import annotations

import stat

import pytest
import yaml

from undercroft.config import passwords
from undercroft.errors import DeployError
from undercroft.lifecycle import deployment, takeover, upgrade
from undercroft.model.loader import load_catalog
from undercroft.model.schema import FileSecret, OptionRefused, OptionSecret, Takeover, UrlSecret
from undercroft.report import Reporter
from undercroft.state import records

STAGED, PRIMARY, OLDER = "c3RhZ2VkLWtleS0wLXh4eHh4eHh4eHh4eHh4eHh4eHg=", "cHJpbWFyeQ==", "b2xkZXI="


def host_etc(root):
    """A Debian host's /etc as a package-installed undercloud leaves it."""
    etc = root / "etc"
    for sub, keys in (("fernet-keys", {"0": STAGED, "1": OLDER, "2": PRIMARY}),
                      ("credential-keys", {"0": "Y3JlZDA=", "1": "Y3JlZDE="})):
        d = etc / "keystone" / sub
        d.mkdir(parents=True)
        for name, key in keys.items():
            (d / name).write_text(key + "\n")
    (etc / "heat").mkdir()
    (etc / "heat/heat.conf").write_text("[DEFAULT]\nauth_encryption_key = 0123456789abcdef0123456789abcdef\n"
                                        "transport_url = rabbit://guest:rabbit-pw@192.168.24.1:5672/\n"
                                        "[database]\nconnection = mysql+pymysql://heat:heat-db-pw@192.168.24.1/heat\n")
    (etc / "swift").mkdir()
    (etc / "swift/swift.conf").write_text("[swift-hash]\nswift_hash_path_suffix = the-suffix\n")
    (etc / "swift/proxy-server.conf").write_text("[filter:authtoken]\npassword = swift-pw\n")
    (etc / "nova").mkdir()
    (etc / "nova/nova.conf").write_text(
        "[api_database]\nconnection = mysql+pymysql://nova:nova%40db@192.168.24.1/nova_api?charset=utf8\n"
        "[keystone_authtoken]\npassword = nova-keystone-pw\n"
        "[DEFAULT]\ndebug = true\ndebug = false\n")  # oslo multi-valued lines are fine
    return etc


DATABASES = [("heat", "HeatPassword"), ("nova_api", "NovaPassword"), ("nova", "NovaPassword")]
# what the bundled templates say a takeover reads (baremetal.takeover), by service
TAKEOVERS = {n: t.baremetal.takeover for n, t in load_catalog().services.items()}
EVERY = list(TAKEOVERS.values())


def test_secrets_that_data_and_clients_depend_on_are_read(tmp_path):
    host_etc(tmp_path)
    found = takeover.read_host(tmp_path, DATABASES, EVERY)
    v = found.values
    assert (v["KeystoneFernetKey0"], v["KeystoneFernetKey1"]) == (STAGED, PRIMARY)
    assert (v["KeystoneCredential0"], v["KeystoneCredential1"]) == ("Y3JlZDA=", "Y3JlZDE=")
    assert v["HeatAuthEncryptionKey"] == "0123456789abcdef0123456789abcdef"
    assert v["SwiftHashSuffix"] == "the-suffix" and v["SwiftPassword"] == "swift-pw"
    assert v["HeatPassword"] == "heat-db-pw" and v["RabbitPassword"] == "rabbit-pw"
    assert v["NovaPassword"] == "nova@db"  # the database URL's, which nova's cell mappings hold
    assert "RabbitCookie" not in v
    assert "heat.conf [database] connection (heat)" in found.sources["HeatPassword"]
    assert any("1 secondary key(s) not carried over" in n for n in found.notes)
    assert not any(secret in " ".join(found.sources.values()) for secret in v.values())


def test_a_database_password_in_the_client_file_the_url_names_is_read(tmp_path):
    """As Undercroft renders connections: the URL names a client option file."""
    etc = host_etc(tmp_path)
    (etc / "heat/heat.conf").write_text(
        "[database]\nconnection = mysql+pymysql://heat@192.168.24.1/heat?charset=utf8"
        "&read_default_file=/etc/undercroft/db-heat.cnf\n")
    (etc / "undercroft").mkdir()
    (etc / "undercroft/db-heat.cnf").write_text("[client]\npassword = \"' @ # $ x \"\n")
    found = takeover.read_host(tmp_path, DATABASES, EVERY)
    assert found.values["HeatPassword"] == "' @ # $ x "


def test_a_swift_hash_prefix_is_refused_with_the_file_named(tmp_path):
    etc = host_etc(tmp_path)
    (etc / "swift/swift.conf").write_text("[swift-hash]\nswift_hash_path_prefix = p\n"
                                          "swift_hash_path_suffix = s\n")
    with pytest.raises(DeployError, match="swift.conf sets swift_hash_path_prefix") as err:
        takeover.read_host(tmp_path, DATABASES, EVERY)
    assert "roles_file" in err.value.hint


def test_a_swift_the_role_does_not_take_over_is_left_alone(tmp_path):
    """The hint's own way out: with swift not in the role (roles_file) its
    hash prefix is no obstacle and nothing of swift is imported (found on a machine
    with every package installed and Debian's own swift.conf)."""
    etc = host_etc(tmp_path)
    (etc / "swift/swift.conf").write_text("[swift-hash]\nswift_hash_path_prefix = p\n"
                                          "swift_hash_path_suffix = s\n")
    found = takeover.read_host(tmp_path, DATABASES, [t for n, t in TAKEOVERS.items() if n != "swift"])
    assert "SwiftHashSuffix" not in found.values and "SwiftPassword" not in found.values
    assert found.values["KeystoneFernetKey0"]  # the rest is read as before


def test_what_is_read_is_the_templates_takeover_data(tmp_path):
    """read_host knows no service: files, options, URLs and refusals come from the
    ``baremetal.takeover`` it is given (paths under the host's root)."""
    etc = host_etc(tmp_path)
    (etc / "foo").mkdir()
    (etc / "foo/foo.conf").write_text("[secrets]\ntoken = foo-token\n"
                                      "[bus]\nqueue_url = amqp://u:queue-pw@192.168.24.1/\n")
    (tmp_path / "var/lib/foo").mkdir(parents=True)
    (tmp_path / "var/lib/foo/cookie").write_text("foo-cookie\n")
    foo = Takeover(options=[OptionSecret(file="/etc/foo/foo.conf", section="secrets",
                                         key="token", parameter="FooToken")],
                   files=[FileSecret(path="/var/lib/foo/cookie", parameter="FooCookie")],
                   urls=[UrlSecret(option="queue_url", scheme="amqp", parameter="FooQueuePassword")])
    found = takeover.read_host(tmp_path, [], [foo])
    assert found.values == {"FooToken": "foo-token", "FooCookie": "foo-cookie",
                            "FooQueuePassword": "queue-pw"}
    assert found.sources["FooToken"] == f"{etc}/foo/foo.conf [secrets] token"
    assert found.sources["FooCookie"] == str(tmp_path / "var/lib/foo/cookie")
    refused = Takeover(refuse=[OptionRefused(file="/etc/foo/foo.conf", section="secrets",
                                             key="token", why="it says no", hint="unset it")])
    with pytest.raises(DeployError, match=r"foo/foo.conf sets token: it says no") as err:
        takeover.read_host(tmp_path, [], [foo, refused])
    assert err.value.hint == "unset it"


def test_the_erlang_cookie_rabbitmqs_template_names_is_read(tmp_path):
    host_etc(tmp_path)
    cookie = tmp_path / "var/lib/rabbitmq/.erlang.cookie"
    cookie.parent.mkdir(parents=True)
    cookie.write_text("ERLANGCOOKIE\n")
    found = takeover.read_host(tmp_path, [], [TAKEOVERS["rabbitmq"]])
    assert found.values == {"RabbitCookie": "ERLANGCOOKIE", "RabbitPassword": "rabbit-pw"}
    assert found.sources["RabbitCookie"] == str(cookie)


def test_a_takeover_reads_the_services_taken_over_and_those_read_when_left_alone(write_conf,
                                                                                  tmp_path):
    """Standalone has no swift and no heat: heat's encryption key (its data stays) is
    read all the same, swift (whose swift.conf may be Debian's own) is not."""
    dep = deployment.load(write_conf("roles_file = Standalone\n"), upgrading=True)
    assert "heat" not in dep.services and "swift" not in dep.services
    read = upgrade.takeovers_of(dep)
    assert TAKEOVERS["keystone"] in read and TAKEOVERS["rabbitmq"] in read
    assert TAKEOVERS["heat"] in read and TAKEOVERS["swift"] not in read
    etc = host_etc(tmp_path / "host")
    (etc / "swift/swift.conf").write_text("[swift-hash]\nswift_hash_path_prefix = p\n")
    record = upgrade._begin_takeover(dep, FakeInit({"keystone"}), Reporter(quiet=True),
                                     tmp_path / "host")
    assert record["services"] == {"keystone": ["keystone"]}
    saved = yaml.safe_load(dep.settings.passwords_file.read_text())["parameter_defaults"]
    assert saved["HeatAuthEncryptionKey"] == "0123456789abcdef0123456789abcdef"
    assert "SwiftHashSuffix" not in saved and "SwiftPassword" not in saved


def test_import_keeps_what_the_passwords_file_has_and_writes_0600(tmp_path):
    path = tmp_path / "undercloud-passwords.yaml"
    passwords.write(path, {"HeatPassword": "already-there"})
    found = takeover.Found(values={"HeatPassword": "from-host", "SwiftHashSuffix": "s"})
    assert takeover.import_secrets(path, found) == ["SwiftHashSuffix"]
    assert passwords.load(path) == {"HeatPassword": "already-there", "SwiftHashSuffix": "s"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert takeover.import_secrets(path, found) == []


class FakeInit:
    kind = "sysv-rc"

    def __init__(self, installed, running=()):
        self.installed, self.running, self.calls = set(installed), set(running), []

    def present(self, name):
        return name in self.installed

    def disable(self, name):
        self.calls.append(("disable", name))
        self.running.discard(name)

    def enable(self, name):
        self.calls.append(("enable", name))
        self.running.add(name)

    def after_stop(self, command):
        self.calls.append(("after_stop", command))


def test_begin_takeover_records_the_init_services_and_renders_with_the_hosts_keys(write_conf, tmp_path):
    conf = write_conf()
    dep = deployment.load(conf, upgrading=True)
    init = FakeInit({"keystone", "mariadb", "nova-api", "nova-scheduler", "apache2"})
    reporter = Reporter(quiet=True)
    host_etc(tmp_path / "host")
    record = upgrade._begin_takeover(dep, init, reporter, tmp_path / "host")
    assert record["services"] == {"keystone": ["keystone"], "mariadb": ["mariadb"],
                                  "nova": ["nova-api", "nova-scheduler"]}
    assert takeover.load_record(dep.settings.state) == record
    again = deployment.load(conf, persist_secrets=True, upgrading=True)
    fernet = {f.dest: f.content for c in again.rendered.containers if c.desired.service == "keystone"
              for f in c.files}
    assert fernet["/etc/keystone/fernet-keys/1"].strip() == PRIMARY
    saved = yaml.safe_load(dep.settings.passwords_file.read_text())["parameter_defaults"]
    assert saved["SwiftHashSuffix"] == "the-suffix" and "AdminPassword" in saved


def test_no_host_units_and_no_init_service_is_a_clear_error(write_conf, tmp_path):
    dep = deployment.load(write_conf(), upgrading=True)
    with pytest.raises(DeployError, match="none of the role's services installed as sysv-rc"):
        upgrade._begin_takeover(dep, FakeInit(set()), Reporter(quiet=True), tmp_path)


def test_rollback_of_a_takeover_enables_what_it_disabled_and_installs_no_host_unit(write_conf,
                                                                                    monkeypatch):
    from tests.unit.fakes import FakePodman

    given = []
    monkeypatch.setattr(takeover, "give_back", lambda path, owner: given.append((path, owner)))
    monkeypatch.setattr(upgrade.Path, "is_dir", lambda self: True)

    conf = write_conf()
    s = deployment.settings(conf)
    record = {"init": "sysv-rc", "services": {"nova": ["nova-api", "nova-scheduler"]},
              "disabled": ["nova-api"]}
    takeover.save_record(s.state, record)
    s.state.host_layout_marker.write_text("upgraded from baremetal\n")  # an older Undercroft's
    init = FakeInit({"nova-api", "nova-scheduler"})
    upgrade.rollback(conf, None, Reporter(quiet=True), FakePodman(), init)
    assert init.calls == [("enable", "nova-api")]
    # the in-place data the containers chowned to their users, back to the host's first
    assert ("/var/lib/mysql", "mysql:mysql") in given and ("/var/lib/rabbitmq", "rabbitmq:rabbitmq") in given
    assert not s.state.takeover_record.exists()
    assert records.load(s.state).layout == "data_root" and not s.state.host_layout_marker.exists()
    assert not s.state.host_units.exists()  # Undercroft's own units: none


def test_cleanup_waits_until_every_init_service_is_disabled(write_conf):
    conf = write_conf()
    dep = deployment.load(conf)
    s = dep.settings
    takeover.save_record(s.state, {"init": "sysv-rc", "services": {"nova": ["nova-api"]},
                                   "disabled": []})
    records.update(s.state, runtime="containers", layout="host")
    with pytest.raises(DeployError, match="has not finished"):
        upgrade.cleanup(dep, Reporter(quiet=True))


def test_in_place_permissions_are_the_recursive_ones_on_same_path_volumes(write_conf):
    dep = deployment.load(write_conf(), upgrading=True)  # host layout: /var/lib/mysql as is
    found = takeover.in_place_permissions(dep.rendered.containers)
    assert ("/var/lib/mysql", "mysql:mysql") in found
    assert ("/var/log/keystone", "keystone:keystone") in found  # the distribution's log dirs too
    assert not [p for p, _ in found if p.startswith("/run/")]  # not mounted: the container's own
    assert len(found) == len(set(found))


def test_give_back_chowns_the_tree_and_skips_unknown_users(tmp_path):
    import os
    import pwd

    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "sub" / "f").write_text("x")
    me = pwd.getpwuid(os.getuid()).pw_name
    assert takeover.give_back(str(tmp_path / "d"), f"{me}:{me}" if me != "root" else "root:root")
    assert (tmp_path / "d" / "sub" / "f").stat().st_uid == os.getuid()
    assert not takeover.give_back(str(tmp_path / "d"), "no-such-user-here:no-such-group")


def test_a_catalog_service_installed_but_not_enabled_is_warned_about_before_anything(write_conf,
                                                                                    tmp_path):
    dep = deployment.load(write_conf("enable_mistral = false\n"), upgrading=True)
    warned = []
    reporter = Reporter(quiet=True)
    reporter.warn = warned.append
    host_etc(tmp_path / "host")
    record = upgrade._begin_takeover(dep, FakeInit({"keystone", "mistral-api", "mistral-engine"}), reporter,
                                     tmp_path / "host")
    assert "mistral" not in record["services"]
    assert [w for w in warned if w.startswith("mistral is installed here (mistral-api, mistral-engine) but not")]
