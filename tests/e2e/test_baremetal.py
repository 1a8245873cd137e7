"""Baremetal mode and the major upgrade to containers, on the full default role, on a
throw-away machine with systemd as PID 1 (tests/e2e/machines.py).

Deployment ``ucbm`` (namespace ucbm inside machine ``ucbm-machine``, files under
/var/tmp/undercroft-bm, shared with the machine) with ``install --baremetal``: Debian
packages on the machine, helpers in /usr/local/bin, every long-running service a
systemd unit started inside the namespace, one-shots as host commands, the boot unit
that runs ``undercroft start``. Real systemd proves what fakes could not: units start
in step order, a killed service comes back, a reboot of the machine brings the whole
undercloud back healthy by itself, ``stop`` leaves no process behind. The undercloud is
populated (user, glance image, ironic node with a port, swift object, heat stack, the
ctlplane network), given a minor update (and a broken one, rolled back), upgraded to
containers in place with a kill -9 half-way and a resumed run, cleaned up (host
packages removed), rolled back to host processes (packages installed again) and
destroyed; every item must survive each move. Like any baremetal undercloud it uses
the distribution's paths (/var/lib/mysql, /etc/keystone, ...): the machine's, never
those of the host running the suite.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import BIN, deployment_conf, wait_for
from tests.e2e.machines import Machine, build_base, machine_image

pytestmark = pytest.mark.job("upgrade")

NAME = "ucbm"
ROOT = Path("/var/tmp/undercroft-bm")
IMAGES_ROOT = Path("/var/tmp/undercroft-bm-images")
M = Machine(f"{NAME}-machine", "", [ROOT], Path("/var/tmp/undercroft-bm-machine"))


def undercroft(*args: str, check: bool = True, conf: Path = ROOT / "undercloud.conf"
               ) -> subprocess.CompletedProcess:
    return M.run(str(BIN / "undercroft"), *args, "--config", str(conf), check=check)


def in_namespace(*argv: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    return M.run("ip", "netns", "exec", NAME, *argv, check=check, env=env)


CLOUDS = {"OS_CLIENT_CONFIG_FILE": str(ROOT / "home/.config/openstack/clouds.yaml")}


def openstack(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return in_namespace(str(BIN / "openstack"), "--os-cloud", "undercloud", *args, check=check,
                        env=CLOUDS)


def podman_names(running_only: bool = False) -> list[str]:
    return M.labelled_containers(NAME, running_only)


def units() -> dict[str, dict]:
    return M.process_info(NAME)


@pytest.fixture(scope="module")
def image_build():
    """The containers' images, built on the host in the background while the baremetal
    undercloud installs and serves the tests before the upgrade (the machine sees the
    host's image store): both wait on the network and on service start-ups as much as
    on the two CPUs, so a cold CI run saves most of the build time. The upgrade waits
    for it (``finish_image_build``). The base image comes first: the machine's image
    is built on it, beside the others."""
    shutil.rmtree(IMAGES_ROOT, ignore_errors=True)
    IMAGES_ROOT.mkdir(parents=True)
    conf = IMAGES_ROOT / "undercloud.conf"
    conf.write_text(deployment_conf(f"{NAME}-images", IMAGES_ROOT))
    build_base(conf)
    log = IMAGES_ROOT / "build.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(BIN / "undercroft"), "images", "build", "--config", str(conf)],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    yield proc, log
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def finish_image_build(image_build) -> None:
    proc, log = image_build
    assert proc.wait(timeout=1800) == 0, f"building the images failed:\n{log.read_text()[-3000:]}"


@pytest.fixture(scope="module")
def machine(image_build):
    assert os.geteuid() == 0, "the e2e tier needs root"
    shutil.rmtree(ROOT, ignore_errors=True)
    ROOT.mkdir(parents=True)
    conf = ROOT / "undercloud.conf"
    conf.write_text(deployment_conf(NAME, ROOT, undercroft="baremetal = true"))
    M.image = machine_image(conf)
    M.boot()
    yield M
    if os.environ.get("UNDERCROFT_E2E_KEEP") != "1":
        M.destroy()
        shutil.rmtree(ROOT, ignore_errors=True)


@pytest.fixture(scope="module")
def baremetal(machine):
    proc = undercroft("install", check=False)
    print(proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"baremetal install failed:\n{proc.stdout}\n{proc.stderr}"
    yield proc.stdout


def netns_of(pid: int) -> str:
    return os.readlink(M.path(f"/proc/{pid}/ns/net"))


UNIT_DIR = "/etc/systemd/system"
STARTED = "39f53479d3a045ac8e11786248231fbf"  # systemd's MESSAGE_ID of "Started <unit>"


def unit_files() -> list[Path]:
    return sorted(M.path(UNIT_DIR).glob(f"undercroft-{NAME}-*.service"))


def test_services_are_systemd_units_inside_the_namespace(baremetal):
    assert podman_names() == []  # no container at all
    info = units()
    assert len(info) > 30, sorted(info)  # every long-running service of the role
    ns = os.stat(M.path(f"/run/netns/{NAME}")).st_ino
    for name, i in info.items():
        assert i["statename"] == "RUNNING", i
        assert netns_of(i["pid"]) == f"net:[{ns}]", name
    mysqld = M.path(f"/proc/{info[f'{NAME}-mysql']['pid']}/cmdline").read_bytes()
    assert mysqld.startswith(b"mariadbd"), mysqld
    text = M.path(f"{UNIT_DIR}/undercroft-{NAME}-keystone.service").read_text()
    assert f"NetworkNamespacePath=/run/netns/{NAME}" in text and "KillMode=control-group" in text
    # the distribution's own units of those packages are masked: only ours run them
    assert os.readlink(M.path(f"{UNIT_DIR}/mariadb.service")) == "/dev/null"
    boot = M.run("systemctl", "is-enabled", f"undercroft-{NAME}.service", check=False).stdout.strip()
    assert boot == "enabled", boot


def first_starts() -> dict[str, int]:
    """unit name -> monotonic time (µs) systemd first reported it started."""
    out = M.run("journalctl", "-o", "json", f"MESSAGE_ID={STARTED}", "--no-pager").stdout
    first: dict[str, int] = {}
    for line in out.splitlines():
        entry = json.loads(line)
        unit = entry.get("UNIT", "")
        if unit.startswith(f"undercroft-{NAME}-"):
            first.setdefault(unit[len("undercroft-"):-len(".service")], int(entry["__MONOTONIC_TIMESTAMP"]))
    return first


def test_units_start_in_step_order(baremetal):
    """The step gates hold under systemd: no unit of step N started before every unit
    of the steps below it had started (journal order, first start of each)."""
    records = json.loads((ROOT / "state" / "host-units.json").read_text())
    step = {n: int(r["labels"]["undercroft.step"]) for n, r in records.items() if not r["oneshot"]}
    started = first_starts()
    assert set(step) == set(started), set(step) ^ set(started)
    steps = sorted(set(step.values()))
    assert len(steps) >= 3, steps
    for low, high in zip(steps, steps[1:]):
        last_low = max(t for n, t in started.items() if step[n] <= low)
        first_high = min(t for n, t in started.items() if step[n] == high)
        assert last_low < first_high, f"a step {high} unit started before step {low} had"


def test_a_killed_service_comes_back(baremetal):
    """SIGKILL to keystone's whole unit: systemd restarts it (Restart=on-failure) and
    the API answers again, without Undercroft doing anything."""
    before = units()[f"{NAME}-keystone"]["pid"]
    M.run("systemctl", "kill", "--signal=KILL", f"undercroft-{NAME}-keystone.service")
    back = wait_for(lambda: (units()[f"{NAME}-keystone"]["statename"] == "RUNNING"
                             and units()[f"{NAME}-keystone"]["pid"] != before), timeout=60)
    assert back, units()[f"{NAME}-keystone"]
    assert wait_for(lambda: openstack("token", "issue", check=False).returncode == 0, timeout=120)


def test_status_and_logs_report_the_host_processes(baremetal):
    report = json.loads(undercroft("status", "--json").stdout)  # exits 1 if anything is unhealthy
    assert {"keystone", "mariadb", "nova", "swift"} <= {s["service"] for s in report}
    assert all(s["healthy"] for s in report), [s for s in report if not s["healthy"]]
    keystone = next(s for s in report if s["service"] == "keystone")
    assert [c["uptime_s"] > 0 for c in keystone["containers"] if c["state"] == "running"] == [True]
    assert keystone["endpoints"] and all(e["reachable"] for e in keystone["endpoints"])
    out = undercroft("logs", "keystone", "--tail", "3").stdout  # tail: a header per file
    assert f"==> {ROOT}/log/containers/{NAME}-keystone.log <==" in out, out


def test_backup_of_the_host_processes_databases(baremetal):
    archive = ROOT / "bm-backup.tar.gz"
    undercroft("backup", "--output", str(archive))
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        dump = tar.extractfile("db/databases.sql").read()
    assert {"keystone", "nova", "ironic"} <= set(manifest["databases"])
    assert b"CREATE DATABASE" in dump and b"`keystone`" in dump


def test_populate_with_real_clients(baremetal):
    """The items the upgrade must keep; ``kept()`` checks them after each move."""
    tmp = ROOT / "populate"
    tmp.mkdir()
    token = json.loads(openstack("token", "issue", "-f", "json").stdout)
    assert token["id"]
    openstack("user", "create", "--password", "bm-secret", "bm-user")
    (tmp / "image.bin").write_bytes(os.urandom(64 * 1024))
    image = json.loads(openstack("image", "create", "--file", str(tmp / "image.bin"),
                                 "--disk-format", "raw", "--container-format", "bare", "bm-image",
                                 "-f", "json").stdout)
    node = json.loads(openstack("baremetal", "node", "create", "--driver", "fake-hardware",
                                "--name", "bm-node", "-f", "json").stdout)
    openstack("baremetal", "port", "create", "52:54:00:bb:00:01", "--node", node["uuid"])
    openstack("container", "create", "bm-container")
    (tmp / "object.txt").write_text("kept across the upgrade\n")
    openstack("object", "create", "bm-container", str(tmp / "object.txt"), "--name", "kept.txt")
    (tmp / "stack.yaml").write_text("heat_template_version: 2018-08-31\nresources:\n"
                                    "  r: {type: OS::Heat::RandomString}\n")
    openstack("stack", "create", "-t", str(tmp / "stack.yaml"), "--wait", "bm-stack")
    KEPT.update(token=token["id"], image=image["checksum"], node=node["uuid"])
    assert kept() == []


KEPT: dict = {}


def kept() -> list[str]:
    """What is missing or different among the populated items (empty: all there)."""
    script = Path(__file__).with_name("cloud_items.py")
    proc = in_namespace(str(BIN / "python"), str(script), "bm-container", "kept.txt", "bm-image",
                        "bm-node", "bm-stack", check=False,
                        env=CLOUDS)
    assert proc.returncode == 0, f"reading the kept items failed:\n{proc.stderr}"
    found = json.loads(proc.stdout)
    problems = []
    if "bm-user" not in found["users"]:
        problems.append("user bm-user")
    if found["image_checksum"] != KEPT["image"]:
        problems.append("image checksum")
    if found["node"] != {"uuid": KEPT["node"], "provision_state": "enroll"}:
        problems.append(f"node {found['node']}")
    if found["ports"] != ["52:54:00:bb:00:01"]:
        problems.append(f"ports {found['ports']}")
    if found["object"] != "kept across the upgrade\n":
        problems.append("swift object")
    if found["stack_status"] != "CREATE_COMPLETE":
        problems.append(f"heat stack {found['stack_status']}")
    if "ctlplane" not in found["networks"]:
        problems.append("ctlplane network")
    return problems


def test_a_reboot_brings_the_undercloud_back_by_itself(baremetal):
    """Shut the machine down (systemd stops every unit, the boot unit's ExecStop runs
    ``undercroft stop``) and boot it: the boot unit's ``undercroft start`` recreates the
    namespace and starts every unit in step order; nobody runs anything by hand."""
    M.reboot()
    boot = M.run("systemctl", "show", "-p", "ActiveState,Result", f"undercroft-{NAME}.service").stdout
    assert "ActiveState=active" in boot and "Result=success" in boot, boot
    assert not [n for n, i in units().items() if i["statename"] != "RUNNING"]
    report = json.loads(undercroft("status", "--json").stdout)
    assert all(s["healthy"] for s in report), [s for s in report if not s["healthy"]]
    assert kept() == []


def test_no_secret_in_the_unit_files(baremetal):
    passwords = yaml.safe_load((ROOT / "home" / "undercloud-passwords.yaml").read_text())
    secrets = [str(v) for v in passwords["parameter_defaults"].values() if len(str(v)) >= 8]
    files = unit_files()
    assert len(files) > 30
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = path.read_text()
        assert not [s for s in secrets if s in text], path.name


def test_a_takeover_reads_back_this_hosts_secrets_from_etc(baremetal):
    """The baremetal undercloud's /etc is laid out as the Debian packages lay it out: what
    a takeover of it would import from there (lifecycle/takeover.py) is what the
    passwords file holds, so a host Undercroft did not install keeps its keys."""
    from undercroft.lifecycle import deployment, takeover, upgrade

    dep = deployment.load(ROOT / "undercloud.conf")
    found = takeover.read_host(M.path("/"), dep.database_passwords,
                               upgrade.takeovers_of(dep)).values
    kept = yaml.safe_load((ROOT / "home" / "undercloud-passwords.yaml").read_text())["parameter_defaults"]
    same = ["KeystoneFernetKey0", "KeystoneFernetKey1", "KeystoneCredential0", "KeystoneCredential1",
            "SwiftHashSuffix", "RabbitPassword", "NovaPassword", "GlancePassword", "KeystonePassword",
            "IronicPassword", "NeutronPassword", "HeatPassword", "SwiftPassword"]
    assert {k: found.get(k) == kept[k] for k in same} == {k: True for k in same}
    assert found["HeatAuthEncryptionKey"] == kept["HeatAuthEncryptionKey"][:32]  # as heat.conf has it


def test_rerun_changes_nothing(baremetal):
    out = undercroft("install").stdout
    assert "Nothing to do" in out, out


def test_stop_leaves_no_process_and_start_brings_everything_back_with_data(baremetal):
    undercroft("stop")
    try:
        info = units()
        left = M.host_processes_in_namespace(NAME)
    finally:  # the tests after this one need the undercloud running, whatever happened
        undercroft("start")
    assert {n: i["statename"] for n, i in info.items() if i["statename"] != "STOPPED"} == {}
    assert left == []  # nothing a service forked off survives stop
    assert kept() == []


def update_with(env_text: str | None) -> subprocess.CompletedProcess:
    """``undercroft update`` with the installed configuration plus one environment file."""
    extra = ""
    if env_text is not None:
        env = ROOT / "update-env.yaml"
        env.write_text(env_text)
        extra = f"custom_env_files = {env}"
    conf = ROOT / "undercloud-update.conf"
    conf.write_text(deployment_conf(NAME, ROOT, default=extra, undercroft="baremetal = true"))
    return undercroft("update", conf=conf, check=False)


def running_programs() -> dict[str, int]:
    return {n: i["pid"] for n, i in units().items() if i["statename"] == "RUNNING"}


def test_update_restarts_only_the_changed_host_process_and_rolls_back_a_broken_one(baremetal):
    """The minor update on the host runtime: the same UpdateExecutor, systemd units
    instead of containers (the replaced one kept as <name>-previous until the new one is
    healthy)."""
    before = running_programs()
    workers = max(1, min(4, (os.cpu_count() or 1) // 2)) + 1  # one more than the default
    proc = update_with(f"parameter_defaults:\n  GlanceWorkers: {workers}\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = running_programs()
    assert {n for n in after if after[n] != before.get(n)} == {f"{NAME}-glance_api"}, proc.stdout
    assert not [p for p in unit_files() if p.name.endswith("-previous.service")]
    proc = update_with("parameter_defaults:\n  MemcachedMaxConnections: -1\n")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and f"the previous {NAME}-memcached is back and healthy" in out, out
    assert update_with(None).returncode == 0  # back to the installed configuration
    report = json.loads(undercroft("status", "--json").stdout)  # exits 1 if anything is unhealthy
    assert all(s["healthy"] for s in report)
    assert kept() == []


def auth_url() -> str:
    clouds = yaml.safe_load((ROOT / "home/.config/openstack/clouds.yaml").read_text())
    return clouds["clouds"]["undercloud"]["auth"]["auth_url"]


def token_works(token: str) -> bool:
    """Authenticate with the token itself: keystone must still decrypt it."""
    proc = in_namespace(str(BIN / "openstack"), "--os-auth-type", "token", "--os-token", token,
                        "--os-auth-url", auth_url(), "--os-project-name", "admin",
                        "--os-project-domain-name", "Default", "--os-identity-api-version", "3",
                        "--os-cacert", str(ROOT / "home" / "undercloud-ca.pem"), "project", "list",
                        "-f", "json", check=False, env={"HOME": str(ROOT)})  # no clouds.yaml
    return proc.returncode == 0 and "admin" in proc.stdout


def host_units_left() -> list[str]:
    return [p.name for p in unit_files()]


def assert_upgraded(report_file: Path) -> dict:
    assert M.host_processes_in_namespace(NAME) == []  # epmd, say, must not outlive its unit
    running = set(podman_names(running_only=True))
    assert {f"{NAME}-{c}" for c in ("mysql", "rabbitmq", "keystone", "nova_compute",
                                    "neutron_dhcp", "ironic_conductor", "swift_proxy")} <= running
    assert host_units_left() == [] and not (ROOT / "state" / "host-units.json").exists()
    report = json.loads(report_file.read_text())
    assert report["lost"] == []
    assert all(report["after"][t] >= n for t, n in report["before"].items())
    assert report["after"]["keystone.user"] >= 2  # admin, bm-user, and the service users
    return report


def test_an_interrupted_upgrade_resumes_and_keeps_every_item_and_token(baremetal, image_build):
    """kill -9 once the first host process has been replaced; the re-run continues from
    the state it finds and ends like an uninterrupted upgrade."""
    finish_image_build(image_build)
    programs = len(host_units_left())
    log = ROOT / "upgrade-1.log"
    proc = subprocess.Popen([*M.exec_argv(), "sh", "-c", f'exec "$0" upgrade --config "$1" > "$2" 2>&1',
                             str(BIN / "undercroft"), str(ROOT / "undercloud.conf"), str(log)],
                            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 900
    while not (log.exists() and "host process stopped" in log.read_text()) and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    M.run("pkill", "-KILL", "-f", f"upgrade --config {ROOT}/undercloud.conf", check=False)
    proc.wait()
    first = log.read_text()
    assert "host process stopped" in first and "bind-mounted into the containers as is" in first, first
    assert 0 < len(host_units_left()) < programs  # interrupted half-way
    undercroft("upgrade")
    assert_upgraded(ROOT / "state" / "upgrade-report.json")
    mounts = json.loads(M.podman("inspect", f"{NAME}-mysql").stdout)[0]["Mounts"]
    assert {"/var/lib/mysql"} == {m["Source"] for m in mounts if m["Destination"] == "/var/lib/mysql"}
    assert kept() == []
    assert token_works(KEPT["token"]), "a token issued before the upgrade no longer validates"
    # containerized now: "upgrade" is the minor update, with nothing to do
    assert "Nothing to update" in undercroft("upgrade").stdout
    KEPT["programs"] = programs


def test_cleanup_removes_the_old_service_packages_and_keeps_data(baremetal):
    """``--cleanup``: no package left that would start an old service at boot; the
    containers do not need them (the next baremetal install puts them back)."""
    out = undercroft("upgrade", "--cleanup").stdout
    assert "removed" in out, out
    gone = ("keystone", "mariadb-server", "rabbitmq-server", "ironic-conductor", "nova-compute")
    assert [p for p in gone if M.installed(p)] == []
    assert M.installed("sudo") and M.installed("iptables") and M.installed("python3-keystone")
    assert M.path("/etc/keystone/keystone.conf").exists()  # configuration stays (remove, not purge)
    assert kept() == []
    assert token_works(KEPT["token"])
    assert "no host service package left" in undercroft("upgrade", "--cleanup").stdout


def test_rollback_returns_to_host_processes_with_every_item(baremetal):
    """After cleanup too: rollback installs the service packages again and starts the
    host processes over the same data."""
    undercroft("upgrade", "--rollback")
    assert podman_names() == [] and len(host_units_left()) == KEPT["programs"]
    assert M.installed("keystone") and M.installed("mariadb-server")
    assert kept() == []
    assert token_works(KEPT["token"])


def test_destroy_removes_the_host_processes_and_keeps_the_data(baremetal):
    """The host runtime's units go like containers do; the data in the distribution's
    paths stays (its packages own it)."""
    out = undercroft("destroy").stdout
    assert "distribution's paths" in out, out
    assert host_units_left() == [] and units() == {}
    assert not M.path(f"{UNIT_DIR}/undercroft-{NAME}.service").exists()  # the boot unit too
    assert not M.path(f"/run/netns/{NAME}").exists()
    assert M.path("/var/lib/mysql/keystone").is_dir() and M.path("/etc/keystone/keystone.conf").exists()
