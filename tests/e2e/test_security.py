"""Secrets are data: the shared test undercloud's passwords hold every character that has
broken a format (conftest.HOSTILE), and its services, clients and operators log in with
the full values; a shortened value (cut where a comment character would cut it) is
refused, so nothing was truncated on the way."""
from __future__ import annotations

import subprocess

import pytest

from tests.e2e.conftest import HOSTILE, NAME

LOCAL_IP = "192.168.24.1"

# Each runs in a service container (its Python and client libraries), password on stdin:
# never on a command line.
MARIADB_LOGIN = ("import pymysql, sys; user, db = sys.argv[1:3]; "
                 "pymysql.connect(host='%s', user=user, password=sys.stdin.read(), "
                 "database=db or None).close()" % LOCAL_IP)
RABBIT_LOGIN = ("import amqp, sys; c = amqp.Connection(host='%s:5672', userid=sys.argv[1], "
                "password=sys.stdin.read()); c.connect(); c.close()" % LOCAL_IP)
KEYSTONE_LOGIN = ("import sys; from keystoneauth1 import session; from keystoneauth1.identity import v3; "
                  "auth = v3.Password(auth_url='http://%s:5000/v3', username=sys.argv[1], "
                  "password=sys.stdin.read(), project_name=sys.argv[2], user_domain_name='Default', "
                  "project_domain_name='Default'); session.Session(auth=auth).get_token()" % LOCAL_IP)


def login(podman, container: str, script: str, password: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(podman.cmd("exec", "-i", f"{NAME}-{container}", "python3", "-c", script, *args),
                          input=password, capture_output=True, text=True, timeout=120)


def shortened(password: str) -> str:
    """The value as a format that reads '#' as a comment would have left it."""
    return password.split("#")[0].rstrip()


@pytest.fixture(scope="module")
def hostile(deployed) -> dict[str, str]:
    passwords = deployed.passwords
    assert all(passwords[n].startswith(HOSTILE[:6]) for n in
               ("AdminPassword", "KeystonePassword", "MysqlRootPassword", "RabbitPassword")), \
        "the lab's passwords are not the hostile ones (reused an older deployment?)"
    return passwords


# (what, container to log in from, login script, the refusal's words, script args, secret)
LOGINS = [
    ("mariadb-keystone", "keystone", MARIADB_LOGIN, "Access denied", ("keystone", "keystone"), "KeystonePassword"),
    ("mariadb-nova", "keystone", MARIADB_LOGIN, "Access denied", ("nova", "nova_api"), "NovaPassword"),
    ("mariadb-root", "keystone", MARIADB_LOGIN, "Access denied", ("root", ""), "MysqlRootPassword"),
    ("rabbitmq", "nova_conductor", RABBIT_LOGIN, "ACCESS_REFUSED", ("undercloud",), "RabbitPassword"),
    ("keystone-admin", "keystone", KEYSTONE_LOGIN, "401", ("admin", "admin"), "AdminPassword"),
    ("keystone-glance", "keystone", KEYSTONE_LOGIN, "401", ("glance", "service"), "GlancePassword"),
    ("keystone-swift", "keystone", KEYSTONE_LOGIN, "401", ("swift", "service"), "SwiftPassword"),
]


@pytest.mark.parametrize("what, container, script, refusal, args, parameter", LOGINS,
                         ids=[login[0] for login in LOGINS])
def test_each_service_takes_the_full_password_only(podman, hostile, what, container, script,
                                                   refusal, args, parameter):
    password = hostile[parameter]
    assert all(c in password for c in "'\"@%#;\\$?& "), "not the hostile password"
    ok = login(podman, container, script, password, *args)
    assert ok.returncode == 0, ok.stderr[-800:]
    bad = login(podman, container, script, shortened(password), *args)
    assert bad.returncode != 0 and refusal in bad.stderr, bad.stderr[-800:]


def test_the_operator_logs_in_from_stackrc(deployed, hostile):
    """stackrc sourced by a shell gives python-openstackclient the full password."""
    from tests.e2e.conftest import BIN, ROOT

    script = f'. {ROOT}/home/stackrc && {BIN}/openstack token issue -f value -c id'
    proc = subprocess.run(["ip", "netns", "exec", NAME, "bash", "-c", script],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr[-800:]


OUTSIDER = f"{NAME}-outsider"


@pytest.fixture(scope="module")
def outsider(deployed):
    """A host on br-ctlplane that is not the undercloud (a node, an intruder): a namespace
    with a veth into the undercloud's bridge, 192.168.24.250."""
    inner, outer = f"{NAME[:9]}os0", f"{NAME[:9]}os1"
    subprocess.run(["ip", "netns", "del", OUTSIDER], capture_output=True)
    run = lambda *a: subprocess.run(["ip", *a], check=True, capture_output=True)  # noqa: E731
    run("netns", "add", OUTSIDER)
    try:
        run("link", "add", inner, "netns", OUTSIDER, "type", "veth", "peer", "name", outer,
            "netns", NAME)
        run("-n", OUTSIDER, "addr", "add", "192.168.24.250/24", "dev", inner)
        run("-n", OUTSIDER, "link", "set", inner, "up")
        run("-n", OUTSIDER, "link", "set", "lo", "up")
        run("-n", NAME, "link", "set", outer, "master", "br-ctlplane", "up")
        yield OUTSIDER
    finally:
        subprocess.run(["ip", "netns", "del", OUTSIDER], capture_output=True)


PROBE = """
import socket, sys
for port in map(int, sys.argv[2:]):
    try:
        socket.create_connection((sys.argv[1], port), timeout=3).close()
        print(port, "open")
    except ConnectionRefusedError:
        print(port, "refused")
    except OSError as exc:
        print(port, type(exc).__name__)
"""


def test_internal_ports_refuse_a_host_on_the_provisioning_network(outsider):
    """memcached (no auth, pickled cache values), Erlang distribution and epmd (only a
    cookie guards them) and zaqar's notification endpoint (no auth) answer loopback only;
    the broker and the database (credentials required) answer the network."""
    ports = {"memcached": 11211, "epmd": 4369, "erlang-dist": 25672, "zaqar-notify": 9001,
             "amqp": 5672, "mariadb": 3306}
    proc = subprocess.run(["ip", "netns", "exec", outsider, "python3", "-c", PROBE, LOCAL_IP,
                           *map(str, ports.values())], capture_output=True, text=True, timeout=60)
    seen = dict(line.split() for line in proc.stdout.splitlines())
    state = {name: seen.get(str(port)) for name, port in ports.items()}
    assert state == {"memcached": "refused", "epmd": "refused", "erlang-dist": "refused",
                     "zaqar-notify": "refused", "amqp": "open", "mariadb": "open"}, (state, proc.stderr)


def test_a_project_member_cannot_run_mistral_actions(deployed):
    """Mistral's actions reach the network from the undercloud (std.http, std.ssh): only
    the admin role runs or defines workflows and actions (the admin's run:
    test_workflow.py)."""
    import json
    import secrets as _secrets

    from tests.e2e.conftest import BIN, ROOT

    suffix = _secrets.token_hex(4)
    password = _secrets.token_urlsafe(16)
    project, user = f"e2e-member-{suffix}", f"e2e-member-{suffix}"
    deployed.openstack("project", "create", project)
    # a throw-away test user: its random password may show on the test's command line
    deployed.openstack("user", "create", "--project", project, "--password", password, user)
    deployed.openstack("role", "add", "--project", project, "--user", user, "member")
    env = dict(OS_AUTH_URL=json.loads(deployed.openstack("endpoint", "list", "--service", "identity",
                                                         "--interface", "public", "-f", "json"))[0]["URL"],
               OS_USERNAME=user, OS_PASSWORD=password, OS_PROJECT_NAME=project,
               OS_USER_DOMAIN_NAME="Default", OS_PROJECT_DOMAIN_NAME="Default",
               OS_IDENTITY_API_VERSION="3", OS_CACERT=str(ROOT / "home" / "undercloud-ca.pem"),
               PATH="/usr/bin:/bin")
    try:
        token = subprocess.run(["ip", "netns", "exec", NAME, str(BIN / "openstack"), "token", "issue"],
                               env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert token.returncode == 0, token.stderr  # the member exists and logs in
        run = subprocess.run(["ip", "netns", "exec", NAME, str(BIN / "openstack"), "action",
                              "execution", "run", "std.http",
                              json.dumps({"url": f"http://{LOCAL_IP}:5000/"})],
                             env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert run.returncode != 0 and "forbidden" in run.stderr.lower(), run.stderr
        listed = subprocess.run(["ip", "netns", "exec", NAME, str(BIN / "openstack"), "workflow",
                                 "list"], env=env, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL)
        assert listed.returncode == 0, listed.stderr  # mistral itself answers the member
    finally:
        deployed.openstack("user", "delete", user)
        deployed.openstack("project", "delete", project)


def test_logs_have_size_caps(deployed, podman):
    """No log grows without bound: podman caps each container's output file and every
    OpenStack service's oslo.log rotates its own file by size."""
    from tests.e2e.conftest import ROOT

    for name in deployed.container_ids(podman):
        info = podman.inspect_json(name)
        assert info["HostConfig"]["LogConfig"].get("Size") == "50MB", name
    configs = ROOT / "state" / "config"
    for conf in ("uce2e-keystone/files/etc/keystone/keystone.conf",
                 "uce2e-nova_api/files/etc/nova/nova.conf",
                 "uce2e-zaqar_api/files/etc/zaqar/zaqar.conf",
                 "uce2e-placement_api/files/etc/placement/placement.conf"):
        text = (configs / conf).read_text()
        assert "log_rotation_type = size" in text and "max_logfile_count = 5" in text, conf
