"""Multi-host: one Controller and two Compute hosts deployed from one inventory through
Ansible (``undercroft deploy --inventory``), each step on every host before the next.

The simulation (docs/install.md, "Several hosts"): a host is a network namespace with
its own br-ctlplane, a real sshd Ansible logs in to, its own podman storage (graphroot,
runroot, libpod tmp dir; the machine's image store mounted read-only as an additional
image store, so images are built once) and its own state, data and log directories.
All hosts share this machine's kernel, CPUs and file system. Ansible runs in a fourth
namespace, the deployer, and reaches the hosts over SSH on the ctlplane (veths into the
Controller's br-ctlplane). Only addresses inside these namespaces are used.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import BIN, release_line, wait_for
from undercroft.runtime.hostprep import dhcp_namespaces

pytestmark = pytest.mark.job("roles")

ROOT = Path("/var/tmp/undercroft-mn")
RUN = Path("/run/undercroft-mn")  # the hosts' podman runroots and libpod tmp dirs (tmpfs)
HOSTS = {"ctl0": ("Controller", "192.168.24.1"), "cmp0": ("Compute", "192.168.24.31"),
         "cmp1": ("Compute", "192.168.24.32")}
DEPLOYER = ("dep", "192.168.24.250")
ROLES = "- Controller\n- Compute\n"


def ns(host: str) -> str:
    return f"ucmn-{host}"


def sh(*argv: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(argv), capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def in_ns(host: str, *argv: str, **kw) -> subprocess.CompletedProcess:
    return sh("ip", "netns", "exec", ns(host), *argv, **kw)


def podman_env(host: str) -> dict[str, str]:
    """Where this host's podman keeps its containers (containers-storage's and libpod's
    own configuration variables, as /etc/containers/*.conf would on a real host)."""
    return {"CONTAINERS_STORAGE_CONF": str(ROOT / host / "storage.conf"),
            "CONTAINERS_CONF": str(ROOT / host / "containers.conf")}


def host_podman(host: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return sh("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend",
              "file", *args, check=check, env=dict(os.environ, **podman_env(host)))


def containers(host: str) -> dict[str, str]:
    out = host_podman(host, "ps", "-a", "--format", "json", "--filter",
                      f"label=undercroft.deployment={ns(host)}").stdout
    return {c["Names"][0]: c["State"] for c in json.loads(out or "[]")}


def wipe() -> None:
    """What an earlier run left: sshd, containers in each host's storage, namespaces."""
    for host in [*HOSTS, DEPLOYER[0]]:
        pid = ROOT / host / "sshd.pid"
        if pid.exists():
            try:
                os.kill(int(pid.read_text().strip() or 0), signal.SIGTERM)
            except (ValueError, ProcessLookupError):
                pass
        if (ROOT / host / "storage.conf").exists():
            names = list(containers(host))
            if names:
                host_podman(host, "rm", "-f", "-t", "0", *names, check=False)
        if Path("/run/netns", ns(host)).exists():
            for q in dhcp_namespaces(ns(host)):
                sh("ip", "netns", "del", q, check=False)
            sh("ip", "netns", "del", ns(host), check=False)
    # containers-storage keeps each graphroot's overlay directory bind-mounted on itself
    for mount in reversed(mounts_under(ROOT, RUN)):
        sh("umount", "-l", mount, check=False)
    shutil.rmtree(ROOT, ignore_errors=True)
    shutil.rmtree(RUN, ignore_errors=True)
    assert not ROOT.exists(), f"could not remove {ROOT}: {mounts_under(ROOT)}"


def mounts_under(*roots: Path) -> list[str]:
    points = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    return [m for m in points if any(m == str(r) or m.startswith(f"{r}/") for r in roots)]


def make_host_network() -> None:
    """Namespaces, each host's br-ctlplane with its address, veths into the Controller's."""
    for host in [*HOSTS, DEPLOYER[0]]:
        sh("ip", "netns", "add", ns(host))
        in_ns(host, "ip", "link", "set", "lo", "up")
    for host, (_, address) in HOSTS.items():
        in_ns(host, "ip", "link", "add", "br-ctlplane", "type", "bridge")
        in_ns(host, "ip", "link", "set", "br-ctlplane", "up")
        in_ns(host, "ip", "addr", "add", f"{address}/24", "dev", "br-ctlplane")
    for host in [h for h in HOSTS if h != "ctl0"] + [DEPLOYER[0]]:
        near = f"mn-{host}"
        sh("ip", "link", "add", near, "netns", ns("ctl0"), "type", "veth", "peer", "name", "eth0",
           "netns", ns(host))
        in_ns("ctl0", "ip", "link", "set", near, "master", "br-ctlplane", "up")
        if host == DEPLOYER[0]:
            in_ns(host, "ip", "addr", "add", f"{DEPLOYER[1]}/24", "dev", "eth0")
        else:
            in_ns(host, "ip", "link", "set", "eth0", "master", "br-ctlplane")
        in_ns(host, "ip", "link", "set", "eth0", "up")


def write_podman_conf(host: str) -> None:
    d = ROOT / host
    (d / "storage.conf").write_text(
        "[storage]\ndriver = \"overlay\"\n"
        f"graphroot = \"{d / 'storage'}\"\nrunroot = \"{RUN / host / 'storage'}\"\n"
        "[storage.options]\nadditionalimagestores = [\"/var/lib/containers/storage\"]\n")
    (d / "containers.conf").write_text(
        f"[engine]\ntmp_dir = \"{RUN / host / 'libpod'}\"\n"
        f"volume_path = \"{d / 'volumes'}\"\n")


def start_sshd(host: str, address: str) -> None:
    d = ROOT / host
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    # nsenter --net, not ip netns exec: that also gives the process a mount namespace
    # with a fresh /sys, without the cgroup mounts podman (runc) needs on this host
    sh("nsenter", f"--net=/run/netns/{ns(host)}", "/usr/sbin/sshd", "-f", "/dev/null",
       "-o", f"ListenAddress={address}", "-o", f"HostKey={ROOT / 'ssh' / 'host_key'}",
       "-o", f"PidFile={d / 'sshd.pid'}", "-o", f"AuthorizedKeysFile={ROOT / 'ssh' / 'id.pub'}",
       "-o", "PermitRootLogin=yes", "-o", "PasswordAuthentication=no", "-o", "StrictModes=no",
       "-o", "UsePAM=no")


def inventory() -> dict:
    hosts: dict[str, dict] = {"Controller": {"hosts": {}}, "Compute": {"hosts": {}}}
    for host, (role, address) in HOSTS.items():
        d = ROOT / host
        hosts[role]["hosts"][host] = {
            "ansible_host": address,
            "undercroft_local_ip": f"{address}/24",
            "undercroft_hostname": f"{host}.localdomain",
            "undercroft_dir": str(d / "inputs"),
            "undercroft_settings": {"network_namespace": ns(host), "deployment_name": ns(host),
                                    "state_dir": str(d / "state"), "log_dir": str(d / "log"),
                                    "data_root": str(d / "data")},
            "undercroft_environment": podman_env(host),
        }
    return {"all": {"vars": {"ansible_user": "root",
                             "ansible_ssh_private_key_file": str(ROOT / "ssh" / "id"),
                             "ansible_ssh_common_args": "-o StrictHostKeyChecking=no "
                                                        "-o UserKnownHostsFile=/dev/null",
                             "ansible_python_interpreter": "/usr/bin/python3"},
                    "children": hosts}}


def deploy() -> str:
    """``undercroft deploy --inventory`` from the deployer's namespace; its output."""
    proc = sh("ip", "netns", "exec", ns(DEPLOYER[0]), str(BIN / "undercroft"), "deploy",
              "--config", str(ROOT / "undercloud.conf"), "-r", str(ROOT / "roles.yaml"),
              "--inventory", str(ROOT / "inventory.yaml"), "--output", str(ROOT / "ansible"),
              check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"multi-host deploy failed:\n{out}"
    return out


def summary(out: str) -> dict[str, str]:
    """host -> the steps the callback's summary lists as changed ('none' if none)."""
    rows = out.split("== Summary", 1)[1].splitlines()[2:]
    return {r.split()[0]: r.split()[2] for r in rows if len(r.split()) == 3 and r.split()[0] in HOSTS}


@pytest.fixture(scope="module")
def cloud(podman):
    assert shutil.which("/usr/sbin/sshd"), "openssh-server is missing: run make test (host-deps)"
    wipe()
    for host in [*HOSTS, DEPLOYER[0]]:
        (ROOT / host).mkdir(parents=True)
    (ROOT / "ssh").mkdir(mode=0o700)
    sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(ROOT / "ssh" / "id"))
    sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(ROOT / "ssh" / "host_key"))
    make_host_network()
    for host, (_, address) in HOSTS.items():
        write_podman_conf(host)
        start_sshd(host, address)
    (ROOT / "inventory.yaml").write_text(yaml.safe_dump(inventory(), sort_keys=False))
    (ROOT / "roles.yaml").write_text(ROLES)
    (ROOT / "undercloud.conf").write_text("[DEFAULT]\nundercloud_public_host = 192.168.24.2\n"
                                          "undercloud_admin_host = 192.168.24.3\n"
                                          f"[undercroft]\nstate_dir = {ROOT / 'state'}\n"
                                          + release_line())
    # images once, into the machine's store every host reads (additionalimagestores)
    sh(str(BIN / "undercroft"), "images", "build", "--config", str(ROOT / "undercloud.conf"))
    out = deploy()
    print(out)
    yield out
    wipe()


def openstack(*args: str) -> list | dict:
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(ROOT / "ctl0/inputs/.config/openstack/clouds.yaml"))
    proc = in_ns("ctl0", str(BIN / "openstack"), "--os-cloud", "undercloud", *args, "-f", "json",
                 env=env, check=False)
    assert proc.returncode == 0, f"openstack {' '.join(args)} failed:\n{proc.stderr}"
    return json.loads(proc.stdout)


def test_each_host_runs_its_roles_containers_in_its_own_storage(cloud):
    ctl = containers("ctl0")
    assert {f"ucmn-ctl0-{c}" for c in ("mysql", "rabbitmq", "keystone", "nova_api",
                                       "neutron_api", "haproxy")} <= set(ctl)
    assert not [n for n in ctl if "nova_compute" in n]
    for host in ("cmp0", "cmp1"):
        assert containers(host) == {f"ucmn-{host}-nova_compute": "running",
                                    f"ucmn-{host}-nova_cells_discover": "exited"}


def test_two_nova_computes_on_the_two_compute_hosts(cloud):
    def up():
        found = openstack("compute", "service", "list", "--service", "nova-compute")
        return sorted(s["Host"] for s in found if s["State"] == "up")
    assert wait_for(up, timeout=120, interval=3) == ["cmp0.localdomain", "cmp1.localdomain"]
    # nova-compute creates its service and compute node records (so it is "up" and listed)
    # before it starts consuming its RPC queue: placement calls come first, and under load
    # they take long. A hypervisor list (microversion 2.88+ asks each compute for its
    # uptime over RPC) sent in between is dropped by rabbitmq and fails with a 500
    # MessagingTimeout. Wait until both computes consume their queues, as nova would need.
    def consuming():
        out = host_podman("ctl0", "exec", "ucmn-ctl0-rabbitmq", "rabbitmqctl", "list_queues",
                          "--quiet", "--no-table-headers", "name", "consumers").stdout
        queues = dict(line.split()[:2] for line in out.splitlines() if len(line.split()) >= 2)
        return all(int(queues.get(f"compute.{h}.localdomain", 0)) > 0 for h in ("cmp0", "cmp1"))
    assert wait_for(consuming, timeout=180, interval=3), "a nova-compute never consumed its queue"
    hypervisors = wait_for(lambda: len(openstack("hypervisor", "list")) == 2 and
                           openstack("hypervisor", "list"), timeout=180, interval=5)
    assert hypervisors, "nova never listed both hypervisors"
    assert sorted(h["Hypervisor Hostname"] for h in hypervisors) == ["cmp0.localdomain",
                                                                     "cmp1.localdomain"]


def test_a_rerun_changes_nothing_on_any_host(cloud):
    out = deploy()
    assert summary(out) == {"ctl0": "none", "cmp0": "none", "cmp1": "none"}, out
    assert "\n   0 changed" in out, out


def test_a_service_added_to_a_role_lands_on_that_roles_hosts_only(cloud):
    before = {h: containers(h) for h in HOSTS}
    (ROOT / "roles.yaml").write_text("- Controller\n- name: Compute\n"
                                     "  services: [nova_compute, memcached]\n"
                                     "  parameter_defaults: {NovaComputeDriver: fake}\n")
    out = deploy()
    assert summary(out) == {"ctl0": "none", "cmp0": "2", "cmp1": "2"}, out
    assert containers("ctl0") == before["ctl0"]
    for host in ("cmp0", "cmp1"):
        assert set(containers(host)) - set(before[host]) == {f"ucmn-{host}-memcached"}
