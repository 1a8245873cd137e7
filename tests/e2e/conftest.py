"""e2e tier: a real deploy of the default role in a namespace, checked with real clients.

The deployment is named ``uce2e`` (own namespace, state, data and log directories under
/var/tmp/undercroft-e2e) so it never collides with an operator's undercloud. Whatever a
previous run left is removed first.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from undercroft.config import releases
from undercroft.runtime.hostprep import dhcp_namespaces
from undercroft.runtime.podman import Podman

NAME = "uce2e"
ROOT = Path("/var/tmp/undercroft-e2e")
BIN = Path(sys.executable).parent


# The lab's own parameters (a heat environment through hieradata_override, so tests
# that add custom_env_files keep it): nova-compute reports nodes made available every
# 15 s instead of 60 s, so provisioning tests wait less for placement.
LAB_ENVIRONMENT = "parameter_defaults:\n  NovaUpdateResourcesInterval: 15\n"


# Every generated password of the shared test undercloud holds each character that has
# broken a format before (SQL, URL, INI, paste, my.cnf, rabbitmq.conf, shell, YAML) and
# inner spaces, so every service logging in proves its file's quoting (issue: secrets are
# data, never code). A parameter's refused characters are replaced (ZaqarPassword).
HOSTILE = "' \" @ % # ; \\ / $ ? & "


def hostile_passwords() -> dict[str, str]:
    """A distinct hostile value for each ``generate: password`` parameter."""
    import secrets as _secrets

    from undercroft.model.loader import load_catalog

    catalog = load_catalog()
    defs = {}
    for params in (catalog.parameters, *(s.parameters for s in catalog.services.values())):
        defs.update({n: d for n, d in params.items() if d.type == "secret" and d.generate == "password"})
    return {name: "".join("x" if c in (d.refuse_characters or "") else c
                          for c in f"{HOSTILE}{name[:5]} {_secrets.token_hex(6)}")
            for name, d in defs.items()}


def seed_passwords(home: Path) -> dict[str, str]:
    """Write a passwords file of hostile values before the first install (0600)."""
    from undercroft.config import passwords

    values = hostile_passwords()
    passwords.write(home / "undercloud-passwords.yaml", values)
    return values


# The OpenStack release the e2e deployments run (UNDERCROFT_TEST_RELEASE=zed runs the
# tiers on Zed); unset: the default release. Every test deployment names it, so a
# baremetal one's machine is built from that release's Debian suite
# (tests/e2e/machines.py) and runs it too.
RELEASE = os.environ.get("UNDERCROFT_TEST_RELEASE") or releases.DEFAULT


def release_line() -> str:
    return f"release = {RELEASE}\n"


def deployment_conf(name: str, root: Path, default: str = "", undercroft: str = "",
                    hostname: str = "undercloud.localdomain") -> str:
    """An undercloud.conf for a test deployment: its own namespace, name and directories
    under ``root``, so it never collides with an operator's or another test's. The lab's
    nodes are fake-hardware ones besides tripleoclient's default hardware types."""
    undercroft = release_line() + undercroft
    return f"""[DEFAULT]
output_dir = {root}/home
undercloud_hostname = {hostname}
enabled_hardware_types = ipmi,redfish,ilo,idrac,fake-hardware
{default}
[undercroft]
{undercroft}
network_namespace = {name}
deployment_name = {name}
data_root = {root}/data
state_dir = {root}/state
log_dir = {root}/log
"""


def host_processes_in_namespace(name: str) -> list[tuple[int, str]]:
    """(pid, command line) of the processes in namespace ``name`` that none of this
    host's podman containers holds (by the container's cgroup, ``libpod-<id>``): host
    processes. Run inside a test machine, whose own processes all sit in the machine
    container's cgroup, it tells the machine's containers from its host processes."""
    ids = Podman().call("ps", "-a", "-q", "--no-trunc").stdout.split()
    ns = f"net:[{os.stat(f'/run/netns/{name}').st_ino}]"
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/ns/net") != ns:
                continue
            cgroup = Path(f"/proc/{pid}/cgroup").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if not any(f"libpod-{i}" in cgroup for i in ids):
            found.append((int(pid), cmdline))
    return found


def conf_text(extra: str = "") -> str:
    return deployment_conf(NAME, ROOT, f"hieradata_override = {ROOT}/lab-environment.yaml\n{extra}")


def run_undercroft(conf: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(BIN / "undercroft"), *args, "--config", str(conf)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if check and proc.returncode != 0:
        raise AssertionError(f"undercroft {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def run_openstack(name: str, root: Path, *args: str) -> str:
    """python-openstackclient inside the deployment's namespace, with its clouds.yaml."""
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(root / "home/.config/openstack/clouds.yaml"))
    proc = subprocess.run(["ip", "netns", "exec", name, str(BIN / "openstack"), "--os-cloud",
                           "undercloud", *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise AssertionError(f"openstack {' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


class CmdlineSampler(threading.Thread):
    """Records every process command line seen while a deploy runs (to look for secrets)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.seen: set[str] = set()
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        with open(f"/proc/{pid}/cmdline", "rb") as f:
                            self.seen.add(f.read().replace(b"\0", b" ").decode(errors="replace"))
                    except OSError:
                        pass
            time.sleep(0.02)


@dataclass
class Deployed:
    conf: Path
    install_output: str
    cmdlines: set[str] = field(default_factory=set)
    extra: str = ""  # [DEFAULT] lines of the undercloud.conf last converged to

    def converge(self, extra: str) -> subprocess.CompletedProcess:
        """Install with a conf of ``extra`` [DEFAULT] lines; later tests build on it."""
        conf = ROOT / "undercloud-current.conf"
        conf.write_text(conf_text(extra))
        proc = self.undercroft("install", "--config", str(conf))
        self.extra = extra
        return proc

    @property
    def current_conf(self) -> Path:
        """The undercloud.conf the deployment was last converged to."""
        return ROOT / "undercloud-current.conf" if self.extra else self.conf

    @property
    def passwords(self) -> dict[str, str]:
        data = yaml.safe_load((ROOT / "home" / "undercloud-passwords.yaml").read_text())
        return data["parameter_defaults"]

    def undercroft(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(BIN / "undercroft"), *args], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise AssertionError(f"undercroft {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def openstack(self, *args: str) -> str:
        return run_openstack(NAME, ROOT, *args)

    @property
    def container_count(self) -> int:
        return len(self.container_ids(Podman()))

    def container_ids(self, podman: Podman) -> dict[str, str]:
        out = podman.call("ps", "-a", "--format", "json", "--filter",
                          f"label=undercroft.deployment={NAME}").stdout
        return {c["Names"][0]: c["Id"] for c in json.loads(out or "[]")}


def wait_for(fn, timeout=120, interval=2):
    """Poll ``fn`` until it returns something truthy or ``timeout`` passes; return it."""
    deadline = time.monotonic() + timeout
    while True:
        result = fn()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def wipe(podman: Podman, name: str = NAME, root: Path = ROOT) -> None:
    """Remove a test deployment: its labelled containers, namespaces and files.

    Removing neutron_dhcp kills its dnsmasq but not its qdhcp-* namespaces (mounts on
    the host's /run/netns); they go before our namespace, while their veths still
    lead into it."""
    observed = podman.containers(name)
    podman.stop_many([c.name for c in observed if c.state == "running"], timeout=5)  # in parallel
    for c in observed:
        podman.remove(c.name)
    for ns in dhcp_namespaces(name) + [f"{name}-dhcp-probe", f"{name}-outsider", name]:  # probes
        if Path("/run/netns", ns).exists():
            subprocess.run(["ip", "netns", "del", ns], check=False)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def podman() -> Podman:
    assert os.geteuid() == 0, "the e2e tier needs root"
    return Podman()


@pytest.fixture(scope="session")
def deployed(podman):
    """A fresh deployment, or with UNDERCROFT_E2E_REUSE=1 (a developer iterating on one
    module; CI never sets it) the one an earlier run left, converged again.

    Removed when the run ends, so 'make test' leaves nothing of its own running on the
    operator's machine; UNDERCROFT_E2E_KEEP=1 (or REUSE) keeps it for debugging."""
    conf = ROOT / "undercloud.conf"
    reuse = os.environ.get("UNDERCROFT_E2E_REUSE") == "1" and conf.exists()
    if not reuse:
        wipe(podman)
        ROOT.mkdir(parents=True)
        conf.write_text(conf_text())
        seed_passwords(ROOT / "home")
    (ROOT / "lab-environment.yaml").write_text(LAB_ENVIRONMENT)
    sampler = CmdlineSampler()
    sampler.start()
    try:
        proc = subprocess.run([str(BIN / "undercroft"), "install", "--config", str(conf)],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
    finally:
        sampler.stop.set()
        sampler.join()
    output = proc.stdout + proc.stderr
    print(output)
    assert proc.returncode == 0, f"install failed:\n{output}"
    yield Deployed(conf, output, sampler.seen)
    if "1" not in (os.environ.get("UNDERCROFT_E2E_KEEP"), os.environ.get("UNDERCROFT_E2E_REUSE")):
        wipe(podman)
