"""`config migrate` on an instack-era undercloud.conf gives a file that installs.

The migrated file keeps the old network (172.16.0.0/24), hardware types (ipmi, idrac,
ilo from classic drivers) and the [auth] passwords (carried into an environment file),
so the old admin password still logs in. It is deployed in its own namespace.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import BIN, release_line, wipe

pytestmark = pytest.mark.own_deployment  # before the install job's undercloud exists

NAME = "ucmig"
ROOT = Path("/var/tmp/undercroft-e2e-migrate")
OLD = Path(__file__).resolve().parents[1] / "unit" / "config" / "corpus" / "good" / "instack.conf"
OLD_ADMIN_PASSWORD = "6f3c5e0a8cd4e3c7b2b1d0e9"


def run(*argv: str, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(argv), capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)
    assert proc.returncode == 0, f"{' '.join(argv)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def migrated(podman):
    wipe(podman, NAME, ROOT)
    ROOT.mkdir(parents=True)
    conf = ROOT / "undercloud.conf"
    report = run(str(BIN / "undercroft"), "config", "migrate", str(OLD), "--output", str(conf)).stdout
    # Where this test may write: its own namespace, deployment name and directories.
    with open(conf, "a") as f:
        f.write(f"\n[undercroft]\nnetwork_namespace = {NAME}\ndeployment_name = {NAME}\n"
                f"data_root = {ROOT}/data\nstate_dir = {ROOT}/state\nlog_dir = {ROOT}/log\n"
                + release_line())
    text = conf.read_text().replace("[DEFAULT]\n", f"[DEFAULT]\noutput_dir = {ROOT}/home\n", 1)
    conf.write_text(text)
    install = run(str(BIN / "undercroft"), "install", "--config", str(conf))
    yield conf, report, install.stdout
    wipe(podman, NAME, ROOT)


def test_migration_report_maps_old_options(migrated):
    _, report, _ = migrated
    assert "enabled_hardware_types = ipmi,idrac,ilo" in report
    assert OLD_ADMIN_PASSWORD not in report


def test_migrated_file_installs_and_old_admin_password_logs_in(migrated):
    conf, _, out = migrated
    assert "Undercloud deployed" in out
    clouds = ROOT / "home/.config/openstack/clouds.yaml"
    assert yaml.safe_load(clouds.read_text())["clouds"]["undercloud"]["auth"]["password"] \
        == OLD_ADMIN_PASSWORD
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(clouds))
    token = run("ip", "netns", "exec", NAME, str(BIN / "openstack"), "--os-cloud", "undercloud",
                "token", "issue", "-f", "json", env=env).stdout
    assert json.loads(token)["id"]
    drivers = run("ip", "netns", "exec", NAME, str(BIN / "openstack"), "--os-cloud", "undercloud",
                  "baremetal", "driver", "list", "-f", "json", env=env).stdout
    assert {"ipmi", "idrac", "ilo"} <= {d.get("Supported driver(s)", d.get("name"))
                                       for d in json.loads(drivers)}
    subnet = run("ip", "netns", "exec", NAME, str(BIN / "openstack"), "--os-cloud", "undercloud",
                 "subnet", "show", "ctlplane-subnet", "-f", "json", env=env).stdout
    assert json.loads(subnet)["cidr"] == "172.16.0.0/24"
