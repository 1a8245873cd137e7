"""Taking over an undercloud Undercroft did not install: services run by the Debian
packages' own init scripts, secrets only in their configuration files, no passwords file.

Deployment ``uctk`` (namespace uctk, files under /var/tmp/undercroft-tk) on a throw-away
machine of its own without systemd (``uctk-machine``: dumb-init as PID 1, sysv-rc init
scripts, supervisor for Undercroft's host processes; tests/e2e/machines.py), the
identity slice of an undercloud (VIPs, haproxy, mariadb, rabbitmq, memcached, keystone).
To get a host laid out the way packages lay it out, Undercroft's own baremetal install
puts the packages, /etc configuration and databases in place; then everything
Undercroft knows of it is removed (its supervisor programs, state directory, passwords
file, credentials) and the services are started by ``/etc/init.d/NAME start`` inside the
namespace, with the operator's layout in /etc/default (APIs on the ctlplane address, as
haproxy expects). The operator's old instack ``undercloud.conf`` (with its ``[auth]``
admin password) goes through ``config migrate``; ``upgrade`` takes the host over;
``--rollback`` gives it back.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import BIN, deployment_conf
from tests.e2e.machines import Machine, build_base, machine_image

pytestmark = pytest.mark.job("upgrade")

NAME = "uctk"
ROOT = Path("/var/tmp/undercroft-tk")
M = Machine(f"{NAME}-machine", "", [ROOT], Path("/var/tmp/undercroft-tk-machine"), systemd=False)
LOCAL_IP = "192.168.24.1"  # the default local_ip, where the APIs listen behind haproxy
ROLE = ("name: Undercloud\ndescription: The identity slice of a package-installed undercloud.\n"
        "services: [keepalived, haproxy, mariadb, rabbitmq, memcached, keystone]\n")
# in the order an operator's host starts them at boot
INIT = ("keepalived", "mariadb", "rabbitmq-server", "memcached", "keystone", "haproxy")
# the operator's layout: keystone's uwsgi on the ctlplane address (haproxy holds the VIPs
# on the same ports), memcached where keystone.conf looks for it
LAYOUT = {
    "/etc/default/keystone": f'DAEMON_ARGS="--http-socket {LOCAL_IP}:5000 --http-socket {LOCAL_IP}:35357 '
                             f'--processes 2 --threads 4 --ini /etc/keystone/keystone-uwsgi.ini"\n',
    "/etc/memcached.conf": f"-d\nlogfile /var/log/memcached.log\n-m 64\n-p 11211\n-u memcache\n"
                           f"-l {LOCAL_IP}\n-P /var/run/memcached/memcached.pid\n",
}


def undercroft(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return M.run(str(BIN / "undercroft"), *args, "--config", str(ROOT / "undercloud.conf"), check=check)


def init_script(name: str, verb: str) -> subprocess.CompletedProcess:
    return M.run("nsenter", f"--net=/run/netns/{NAME}", f"/etc/init.d/{name}", verb, check=False)


def podman_names() -> list[str]:
    return M.labelled_containers(NAME)


def enabled_at_boot(name: str) -> bool:
    return any(M.path("/etc/rc2.d").glob(f"S??{name}"))


def keystone(*args: str, password: str, user: str = "admin") -> subprocess.CompletedProcess:
    """openstack straight at keystone on the ctlplane address (no clouds.yaml, no CA)."""
    env = {"HOME": str(ROOT), "OS_AUTH_URL": f"http://{LOCAL_IP}:5000/v3",
           "OS_USERNAME": user, "OS_PASSWORD": password, "OS_PROJECT_NAME": "admin",
           "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
           "OS_IDENTITY_API_VERSION": "3", "OS_INTERFACE": "internal"}  # http: no CA needed
    if user != "admin":  # a user without a role: an unscoped token
        del env["OS_PROJECT_NAME"], env["OS_PROJECT_DOMAIN_NAME"]
    return M.run("ip", "netns", "exec", NAME, str(BIN / "openstack"), *args, check=False, env=env)


def token_works(token: str) -> bool:
    """Authenticate with the token itself: keystone must still decrypt it."""
    proc = M.run("ip", "netns", "exec", NAME, str(BIN / "openstack"), "--os-auth-type", "token",
                 "--os-token", token, "--os-auth-url", f"http://{LOCAL_IP}:5000/v3",
                 "--os-project-name", "admin", "--os-project-domain-name", "Default",
                 "--os-identity-api-version", "3", "--os-interface", "internal",
                 "project", "list", "-f", "json", check=False, env={"HOME": str(ROOT)})
    return proc.returncode == 0 and "admin" in proc.stdout


def wait_for_keystone(password: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while (proc := keystone("token", "issue", "-f", "value", "-c", "id", password=password)).returncode:
        assert time.monotonic() < deadline, f"keystone does not answer:\n{proc.stderr}"
        time.sleep(2)


KEPT: dict = {}


def make_package_installed(conf: Path) -> str:
    """Lay the machine out with Undercroft's baremetal install, forget it, and start it
    with the init scripts. Returns the admin password (what the operator knows)."""
    (ROOT / "role.yaml").write_text(ROLE)
    conf.write_text(deployment_conf(NAME, ROOT, default=f"roles_file = {ROOT}/role.yaml",
                                    undercroft="baremetal = true"))
    undercroft("install")
    passwords = ROOT / "home" / "undercloud-passwords.yaml"
    admin = yaml.safe_load(passwords.read_text())["parameter_defaults"]["AdminPassword"]
    # forget: Undercroft's programs, state, passwords and credentials go; packages,
    # /etc and data stay
    undercroft("stop")
    M.python("import json, sys\nfrom pathlib import Path\n"
             "from undercroft.runtime.host import HostRuntime\n"
             "from undercroft.state import StateDir\n"
             "rt = HostRuntime(StateDir(Path(sys.argv[1])))\n"
             "for unit in rt.containers(sys.argv[2]):\n    rt.remove(unit.name)\n"
             "print(json.dumps(True))", str(ROOT / "state"), NAME)
    for path in (ROOT / "state", ROOT / "home"):
        shutil.rmtree(path)
    conf.unlink()
    for path, text in LAYOUT.items():
        M.path(path).write_text(text)
    for name in INIT:
        M.run("update-rc.d", name, "enable")
        proc = init_script(name, "start")
        assert proc.returncode == 0, f"/etc/init.d/{name} start:\n{proc.stdout}{proc.stderr}"
    wait_for_keystone(admin)
    return admin


def migrate_old_conf(conf: Path, admin: str) -> None:
    """The operator's old instack undercloud.conf through ``config migrate``; then the
    Undercroft role they run added (migrate drops a tripleo roles file)."""
    old = ROOT / "instack.conf"
    old.write_text(deployment_conf(NAME, ROOT)
                   + f"\n[auth]\nundercloud_admin_password = {admin}\n")
    proc = M.run(str(BIN / "undercroft"), "config", "migrate", str(old), "--output", str(conf),
                 check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "undercloud_admin_password" in proc.stdout and admin not in proc.stdout
    conf.write_text(conf.read_text().replace("[DEFAULT]\n", f"[DEFAULT]\nroles_file = {ROOT}/role.yaml\n", 1))


@pytest.fixture(scope="module")
def package_installed():
    """The machine as a package-installed undercloud: init scripts run it, Undercroft
    knows nothing of it; the migrated undercloud.conf is at ROOT/undercloud.conf."""
    assert os.geteuid() == 0, "the e2e tier needs root"
    shutil.rmtree(ROOT, ignore_errors=True)
    ROOT.mkdir(parents=True)
    conf = ROOT / "undercloud.conf"
    conf.write_text(deployment_conf(NAME, ROOT, undercroft="baremetal = true"))
    build_base(conf)
    M.image = machine_image(conf)
    M.boot()
    try:
        KEPT["admin"] = make_package_installed(conf)
        migrate_old_conf(conf, KEPT["admin"])
        yield conf
    finally:
        if os.environ.get("UNDERCROFT_E2E_KEEP") != "1":
            M.destroy()
            shutil.rmtree(ROOT, ignore_errors=True)


def test_the_init_scripts_run_the_identity_slice(package_installed):
    assert podman_names() == [] and not (ROOT / "state").exists()
    running = {Path(cmd.split()[0]).name for _, cmd in M.host_processes_in_namespace(NAME) if cmd}
    # keystone's uwsgi names its Python plugin: uwsgi_python311 (bookworm), 313 (trixie)
    assert {"keepalived", "mariadbd", "beam.smp", "memcached", "haproxy"} <= running
    assert [p for p in running if p.startswith("uwsgi_python3")], running
    admin = KEPT["admin"]
    proc = keystone("user", "create", "--password", "tk-secret", "tk-user", password=admin)
    assert proc.returncode == 0, proc.stderr
    token = keystone("token", "issue", "-f", "value", "-c", "id", password=admin)
    assert token.returncode == 0, token.stderr
    KEPT["token"] = token.stdout.strip()
    users = keystone("user", "list", "-f", "value", "-c", "Name", password=admin)
    KEPT["users"] = sorted(users.stdout.split())
    assert "tk-user" in KEPT["users"] and "admin" in KEPT["users"]


def test_upgrade_takes_the_host_over_with_its_keys_and_data(package_installed):
    out = undercroft("upgrade").stdout
    assert "Takeover of a package-installed undercloud" in out, out
    for name in ("KeystoneFernetKey0", "KeystoneFernetKey1", "KeystoneCredential0",
                 "KeystoneCredential1", "KeystonePassword", "RabbitCookie"):
        assert f"{name}" in out and "carried over from" in out, name
    fernet = [p.read_text().strip() for p in M.path("/etc/keystone/fernet-keys").iterdir()]
    assert not [k for k in fernet if k in out]  # names printed, never values
    # no init-script process left in the namespace: the containers serve
    assert M.host_processes_in_namespace(NAME) == []
    assert {f"{NAME}-{c}" for c in ("mysql", "rabbitmq", "memcached", "keystone", "haproxy",
                                    "keepalived")} <= set(podman_names())
    record = json.loads((ROOT / "state" / "takeover.json").read_text())
    assert sorted(record["disabled"]) == sorted(INIT)
    assert [n for n in INIT if enabled_at_boot(n)] == []
    report = json.loads((ROOT / "state" / "upgrade-report.json").read_text())
    assert report["lost"] == [] and report["after"]["keystone.user"] == len(KEPT["users"])
    # the same users, the old token and the old admin password
    assert token_works(KEPT["token"]), "a token issued by the init-script keystone no longer validates"
    assert keystone("token", "issue", user="tk-user", password="tk-secret").returncode == 0
    status = json.loads(undercroft("status", "--json").stdout)
    assert all(s["healthy"] for s in status), [s for s in status if not s["healthy"]]


def test_rollback_gives_the_host_back_to_its_init_scripts(package_installed):
    out = undercroft("upgrade", "--rollback").stdout
    assert "/var/lib/mysql owned by the host's mysql:mysql again" in out, out
    assert podman_names() == []
    assert [n for n in INIT if not enabled_at_boot(n)] == []
    wait_for_keystone(KEPT["admin"])
    assert token_works(KEPT["token"])
    assert keystone("token", "issue", user="tk-user", password="tk-secret").returncode == 0
    assert not (ROOT / "state" / "takeover.json").exists()
