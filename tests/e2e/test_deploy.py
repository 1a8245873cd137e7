"""The default Undercloud role deployed for real and converged again."""
from __future__ import annotations

import json
import stat

from tests.e2e.conftest import NAME, ROOT, conf_text
from undercroft.render import quoting
from undercroft.state import StateDir

SERVICES = {"keepalived", "haproxy", "mariadb", "rabbitmq", "memcached", "keystone", "glance",
            "placement", "ironic", "ironic_inspector", "neutron", "ironic_neutron_agent", "nova",
            "nova_compute", "heat", "swift", "mistral", "zaqar"}
CATALOG = {"identity", "image", "placement", "baremetal", "baremetal-introspection", "network",
           "compute", "orchestration", "object-store", "workflowv2", "messaging",
           "messaging-websocket"}


def test_token_issue(deployed):
    out = deployed.openstack("token", "issue", "-f", "json")
    token = json.loads(out)
    assert token["id"] and token["project_id"] and token["user_id"]


def test_endpoints_and_users(deployed):
    endpoints = json.loads(deployed.openstack("endpoint", "list", "-f", "json"))
    for service_type in CATALOG:
        interfaces = {e["Interface"] for e in endpoints if e["Service Type"] == service_type}
        assert interfaces == {"public", "internal", "admin"}, service_type
    users = json.loads(deployed.openstack("user", "list", "-f", "json"))
    assert "admin" in {u["Name"] for u in users}


def test_status_lists_every_service_healthy(deployed):
    proc = deployed.undercroft("status", "--config", str(deployed.conf), "--json")
    status = json.loads(proc.stdout)
    assert {s["service"] for s in status} == SERVICES
    assert all(s["healthy"] for s in status), status


def test_osc_plugin_runs_the_same_command(deployed):
    from tests.e2e.conftest import BIN
    import subprocess
    proc = subprocess.run([str(BIN / "openstack"), "undercloud", "plan", "--config", str(deployed.conf)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert f"Plan: {deployed.container_count} keep" in proc.stdout


def test_secrets_stay_secret(deployed, podman):
    secrets = [v for v in deployed.passwords.values() if len(v) >= 16]
    assert len(secrets) >= 14
    # 1. never on a command line during the deploy (the sampler did see the deploy's commands)
    assert any("keystone-manage bootstrap" in c for c in deployed.cmdlines)
    leaked = [c for c in deployed.cmdlines for s in secrets if s in c]
    assert not leaked, "secret visible in a process command line"
    # 2. never in podman's record of a container (labels, env, args)
    for name in deployed.container_ids(podman):
        dump = json.dumps(podman.inspect_json(name))
        assert not [s for s in secrets if s in dump], f"secret in podman inspect of {name}"
    # 3. never in what undercroft prints or logs, nor as a config file writes it
    events = "".join(p.read_text() for p in (ROOT / "state" / "events").glob("*.jsonl"))
    for s in secrets:
        for form in (s, quoting.url(s), quoting.ini(s).strip('"'), quoting.sql(s)[1:-1]):
            assert form not in deployed.install_output
            assert form not in events
    # 4. stored 0600
    for path in (ROOT / "home" / "undercloud-passwords.yaml", ROOT / "home" / "stackrc",
                 ROOT / "home/.config/openstack/clouds.yaml"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_rerun_changes_nothing(deployed, podman):
    before = deployed.container_ids(podman)
    passwords = deployed.passwords
    proc = deployed.undercroft("install", "--config", str(deployed.conf))
    assert f"Nothing to do: {deployed.container_count} containers unchanged" in proc.stdout
    assert deployed.container_ids(podman) == before
    assert deployed.passwords == passwords


def test_parameter_change_recreates_only_keystone(deployed, podman):
    env = ROOT / "keystone-threads.yaml"
    env.write_text("parameter_defaults:\n  KeystoneThreads: 8\n")
    conf2 = ROOT / "undercloud-changed.conf"
    conf2.write_text(conf_text(f"custom_env_files = {env}"))
    before = deployed.container_ids(podman)

    plan = deployed.undercroft("plan", "--config", str(conf2)).stdout
    changes = [ln.split() for ln in plan.splitlines()
               if ln.split() and ln.split()[0] in ("create", "recreate", "start", "remove")]
    assert [(c[0], c[1]) for c in changes] == [("recreate", f"{NAME}-keystone")], plan
    assert "changed: config:config.json" in plan
    assert f"Plan: 1 recreate, {deployed.container_count - 1} keep" in plan

    deployed.converge(f"custom_env_files = {env}")
    after = deployed.container_ids(podman)
    assert {n for n in before if before[n] != after.get(n)} == {f"{NAME}-keystone"}
    json.loads(deployed.openstack("token", "issue", "-f", "json"))


def test_a_health_watcher_runs_the_healthchecks_without_systemd(deployed):
    """No systemd timer runs podman's healthchecks here: the deployment's watcher does
    (tests/integration/lifecycle/test_watch.py: a hung service gets restarted)."""
    from undercroft.lifecycle import watch

    assert "health watcher" in deployed.install_output
    pid = int(StateDir(ROOT / "state").watcher_pidfile.read_text())
    argv = open(f"/proc/{pid}/cmdline").read().split("\0")
    assert watch.MODULE in argv and NAME in argv
