"""Baremetal mode: the same templates run as host processes from Debian packages.

Deployment ``ucbm`` (role: mariadb, rabbitmq, memcached, keystone; namespace ucbm,
files under /var/tmp/undercroft-bm) with ``install --baremetal``: Debian packages on the
host, helpers in /usr/local/bin, long-running services as supervisor programs started
inside the namespace, one-shots as host commands. Like any baremetal undercloud it uses
the distribution's paths (/var/lib/mysql, /etc/keystone, ...): run this tier on a
throw-away VM, as CI does.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import BIN
from undercroft.runtime.host import HostRuntime
from undercroft.runtime.supervisor import Supervisor

NAME = "ucbm"
ROOT = Path("/var/tmp/undercroft-bm")
SERVICES = ["mariadb", "rabbitmq", "memcached", "keystone"]


def conf_text() -> str:
    return f"""[DEFAULT]
output_dir = {ROOT}/home
undercloud_hostname = undercloud.localdomain
roles_file = {ROOT}/Identity.yaml
generate_service_certificate = false
[undercroft]
baremetal = true
network_namespace = {NAME}
deployment_name = {NAME}
data_root = {ROOT}/data
state_dir = {ROOT}/state
log_dir = {ROOT}/log
"""


def undercroft(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(BIN / "undercroft"), *args, "--config", str(ROOT / "undercloud.conf")],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if check and proc.returncode != 0:
        raise AssertionError(f"undercroft {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def openstack(*args: str) -> str:
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(ROOT / "home/.config/openstack/clouds.yaml"))
    proc = subprocess.run(["ip", "netns", "exec", NAME, str(BIN / "openstack"), "--os-cloud",
                           "undercloud", *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"openstack {' '.join(args)} failed:\n{proc.stderr}"
    return proc.stdout


MYSQL = Path("/var/lib/mysql")
MARKER = MYSQL / f".undercroft-e2e-{NAME}"  # this test made the data in there
SYSTEM_SCHEMAS = {"mysql", "performance_schema", "sys"}


def wipe_host_data() -> None:
    """Start from empty data, as a fresh baremetal install would: remove the datadir and
    rabbitmq's mnesia, but only if this test made them or they hold no user database."""
    if MYSQL.is_dir() and not MARKER.exists():
        schemas = {p.name for p in MYSQL.iterdir() if p.is_dir()} - SYSTEM_SCHEMAS
        assert not schemas, (f"{MYSQL} holds databases this test did not create "
                             f"({sorted(schemas)}): run the baremetal e2e test on a throw-away VM")
    shutil.rmtree(MYSQL, ignore_errors=True)
    shutil.rmtree("/var/lib/rabbitmq/mnesia", ignore_errors=True)


def podman_names(running_only: bool = False) -> list[str]:
    proc = subprocess.run(["podman", "--runtime", "runc", "ps", *([] if running_only else ["-a"]),
                           "--format", "{{.Names}}", "--filter", f"label=undercroft.deployment={NAME}"],
                          capture_output=True, text=True)
    return proc.stdout.split()


def wipe() -> None:
    """Whatever an earlier run left: containers (after an upgrade), supervisor programs,
    namespace and files."""
    for name in podman_names():
        subprocess.run(["podman", "--runtime", "runc", "rm", "-f", "-t", "0", name], capture_output=True)
    rt = HostRuntime(ROOT / "state")
    for unit in rt.containers(NAME):
        rt.remove(unit.name)
    for conf in Path("/etc/supervisor/conf.d").glob(f"undercroft-{NAME}-*.conf"):
        Supervisor().remove(conf.name[len("undercroft-"):-len(".conf")])
    if Path("/run/netns", NAME).exists():
        subprocess.run(["ip", "netns", "del", NAME], check=False)
    shutil.rmtree(ROOT, ignore_errors=True)
    wipe_host_data()


@pytest.fixture(scope="module")
def baremetal():
    assert os.geteuid() == 0, "the e2e tier needs root"
    wipe()
    ROOT.mkdir(parents=True)
    (ROOT / "Identity.yaml").write_text(yaml.safe_dump(
        {"name": "Identity", "description": "identity slice, for the baremetal test",
         "services": SERVICES}))
    (ROOT / "undercloud.conf").write_text(conf_text())
    proc = undercroft("install", check=False)
    print(proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"baremetal install failed:\n{proc.stdout}\n{proc.stderr}"
    MARKER.touch()
    yield proc.stdout
    undercroft("stop", check=False)


def netns_of(pid: int) -> str:
    return os.readlink(f"/proc/{pid}/ns/net")


def test_services_are_supervised_host_processes_inside_the_namespace(baremetal):
    assert podman_names() == []  # no container at all
    info = Supervisor().all_info()
    ns = os.stat(f"/run/netns/{NAME}").st_ino
    for program in ("mysql", "rabbitmq", "memcached", "keystone"):
        i = info[f"{NAME}-{program}"]
        assert i["statename"] == "RUNNING", i
        assert netns_of(i["pid"]) == f"net:[{ns}]", program
    mysqld = Path(f"/proc/{info[f'{NAME}-mysql']['pid']}/cmdline").read_bytes()
    assert mysqld.startswith(b"mariadbd"), mysqld


def test_keystone_answers_real_clients(baremetal):
    token = json.loads(openstack("token", "issue", "-f", "json"))
    assert token["id"]
    openstack("user", "create", "--password", "bm-secret", "bm-user")
    users = {u["Name"] for u in json.loads(openstack("user", "list", "-f", "json"))}
    assert {"admin", "bm-user"} <= users


def test_no_secret_in_supervisor_programs(baremetal):
    passwords = yaml.safe_load((ROOT / "home" / "undercloud-passwords.yaml").read_text())
    secrets = [str(v) for v in passwords["parameter_defaults"].values() if len(str(v)) >= 8]
    confs = list(Path("/etc/supervisor/conf.d").glob(f"undercroft-{NAME}-*.conf"))
    assert len(confs) == 4
    for conf in confs:
        assert stat.S_IMODE(conf.stat().st_mode) == 0o600
        text = conf.read_text()
        assert not [s for s in secrets if s in text], conf


def test_rerun_changes_nothing(baremetal):
    out = undercroft("install").stdout
    assert "Nothing to do" in out, out


def test_stop_then_start_brings_everything_back_with_data(baremetal):
    undercroft("stop")
    info = Supervisor().all_info()
    assert {info[f"{NAME}-{p}"]["statename"] for p in ("mysql", "keystone")} == {"STOPPED"}
    undercroft("start")
    users = {u["Name"] for u in json.loads(openstack("user", "list", "-f", "json"))}
    assert "bm-user" in users


def auth_url() -> str:
    clouds = yaml.safe_load((ROOT / "home/.config/openstack/clouds.yaml").read_text())
    return clouds["clouds"]["undercloud"]["auth"]["auth_url"]


def token_works(token: str) -> bool:
    """Authenticate with the token itself: keystone must still decrypt it."""
    proc = subprocess.run(["ip", "netns", "exec", NAME, str(BIN / "openstack"), "--os-auth-type",
                           "token", "--os-token", token, "--os-auth-url", auth_url(),
                           "--os-project-name", "admin", "--os-project-domain-name", "Default",
                           "--os-identity-api-version", "3", "project", "list", "-f", "json"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env={"PATH": os.environ["PATH"], "HOME": str(ROOT)})  # no clouds.yaml
    return proc.returncode == 0 and "admin" in proc.stdout


def host_units_left() -> list[str]:
    return [n for n in Supervisor().all_info() if n.startswith(f"{NAME}-")]


def assert_upgraded(report_file: Path) -> dict:
    running = set(podman_names(running_only=True))
    assert {f"{NAME}-{c}" for c in ("mysql", "rabbitmq", "memcached", "keystone")} <= running
    assert host_units_left() == [] and not (ROOT / "state" / "host-units.json").exists()
    report = json.loads(report_file.read_text())
    assert report["changed"] == [] and report["after"] == report["before"]
    assert report["after"]["keystone.user"] >= 2  # admin, bm-user, and the service users
    return report


def test_upgrade_to_containers_keeps_users_tokens_and_every_row(baremetal):
    token = json.loads(openstack("token", "issue", "-f", "json"))["id"]
    out = undercroft("upgrade").stdout
    assert "host process stopped" in out and "bind-mounted into the containers as is" in out, out
    assert_upgraded(ROOT / "state" / "upgrade-report.json")
    mounts = json.loads(subprocess.run(["podman", "--runtime", "runc", "inspect", f"{NAME}-mysql"],
                                       capture_output=True, text=True).stdout)[0]["Mounts"]
    assert {"/var/lib/mysql"} == {m["Source"] for m in mounts if m["Destination"] == "/var/lib/mysql"}
    assert "bm-user" in {u["Name"] for u in json.loads(openstack("user", "list", "-f", "json"))}
    assert token_works(token), "a token issued before the upgrade no longer validates"
    # containerized now: "upgrade" is the minor update, with nothing to do
    assert "Nothing to update" in undercroft("upgrade").stdout


def test_rollback_then_an_interrupted_upgrade_resumes(baremetal):
    undercroft("upgrade", "--rollback")
    assert podman_names() == [] and len(host_units_left()) == 4
    assert "bm-user" in {u["Name"] for u in json.loads(openstack("user", "list", "-f", "json"))}
    # kill -9 the upgrade once the first host process has been replaced
    log = ROOT / "upgrade-1.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(BIN / "undercroft"), "upgrade", "--config",
                                 str(ROOT / "undercloud.conf")], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 600
        while "host process stopped" not in log.read_text() and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        proc.kill()
        proc.wait()
    assert "host process stopped" in log.read_text(), log.read_text()
    assert len(host_units_left()) < 4  # interrupted half-way: some services moved
    undercroft("upgrade")
    assert_upgraded(ROOT / "state" / "upgrade-report.json")
    assert "bm-user" in {u["Name"] for u in json.loads(openstack("user", "list", "-f", "json"))}
