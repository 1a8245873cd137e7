"""Minor update: only the changed service is recreated and nothing is lost; an update
whose new container never gets healthy ends with the previous container back."""
from __future__ import annotations

import json
import os

import pytest

from tests.e2e.conftest import NAME, ROOT, conf_text

pytestmark = pytest.mark.job("update")

DATABASES = ("keystone", "glance", "ironic", "nova", "nova_api", "ovs_neutron", "heat",
             "placement", "mistral", "zaqar")


def sql(podman, query: str) -> list[list[str]]:
    """As root over the unix socket inside the mysql container: no password anywhere."""
    out = podman.call("exec", f"{NAME}-mysql", "mysql", "-N", "-B", "-e", query).stdout
    return [line.split("\t") for line in out.splitlines()]


def row_counts(podman) -> dict[str, int]:
    schemas = ",".join(f"'{d}'" for d in DATABASES)
    tables = sql(podman, "SELECT table_schema, table_name FROM information_schema.tables "
                         f"WHERE table_schema IN ({schemas}) AND table_type = 'BASE TABLE'")
    union = " UNION ALL ".join(f"SELECT '{s}.{t}', COUNT(*) FROM `{s}`.`{t}`" for s, t in tables)
    return {name: int(n) for name, n in sql(podman, union)}


def snapshot(deployed, podman) -> dict:
    def names(*cmd):
        # identity/object lists say "Name"; the baremetal client says "uuid"
        return sorted(r.get("Name") or r.get("uuid") or r.get("ID") for r in
                      json.loads(deployed.openstack(*cmd, "-f", "json")))
    images = {i["ID"]: i["Checksum"] for i in
              json.loads(deployed.openstack("image", "list", "--long", "-f", "json"))}
    objects = {c: names("object", "list", c) for c in names("container", "list")}
    return {"users": names("user", "list"), "projects": names("project", "list"),
            "images": images, "nodes": names("baremetal", "node", "list"),
            "objects": objects, "rows": row_counts(podman)}


def update(deployed, env_text: str | None):
    """Run `undercroft update` with the current conf plus (optionally) one more env file."""
    lines = [ln for ln in deployed.extra.splitlines() if ln.strip()]
    envs = [e.strip() for ln in lines if ln.startswith("custom_env_files")
            for e in ln.split("=", 1)[1].split(",") if e.strip()]
    lines = [ln for ln in lines if not ln.startswith("custom_env_files")]
    if env_text is not None:
        env = ROOT / f"update-{len(list(ROOT.glob('update-*.yaml')))}.yaml"  # never reused
        env.write_text(env_text)
        envs.append(str(env))
    extra = "\n".join(lines + ([f"custom_env_files = {','.join(envs)}"] if envs else []))
    conf = ROOT / "undercloud-current.conf"  # what current_conf reads (extra non-empty)
    conf.write_text(conf_text(extra))
    return deployed.undercroft("update", "--config", str(conf), check=False), extra


def test_update_recreates_only_the_changed_service_and_keeps_data(deployed, podman):
    before_ids = deployed.container_ids(podman)
    before = snapshot(deployed, podman)
    assert before["images"] and before["users"] and before["rows"]
    # one more glance worker than the default (half the CPUs, 1 to 4): a real change
    workers = max(1, min(4, (os.cpu_count() or 1) // 2)) + 1
    proc, extra = update(deployed, f"parameter_defaults:\n  GlanceWorkers: {workers}\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    deployed.extra = extra
    after_ids = deployed.container_ids(podman)
    changed = {n for n in after_ids if after_ids[n] != before_ids.get(n)}
    # glance's one-shots read the same glance-api.conf: they run again (idempotent)
    assert changed == {f"{NAME}-glance_db_sync", f"{NAME}-glance_metadefs",
                       f"{NAME}-glance_api"}, proc.stdout
    assert not any(n.endswith("-previous") for n in after_ids)
    assert snapshot(deployed, podman) == before


def test_update_with_a_broken_service_rolls_back(deployed, podman):
    before_ids = deployed.container_ids(podman)
    proc, _ = update(deployed, "parameter_defaults:\n  MemcachedMaxConnections: -1\n")
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "update stopped" in out and f"the previous {NAME}-memcached is back and healthy" in out
    assert "Maximum connections must be greater than 0" in out  # the new container's log tail
    # The same container (renamed back, not recreated) runs again; nothing else changed.
    assert deployed.container_ids(podman) == before_ids
    status = json.loads(deployed.undercroft("status", "--config", str(deployed.current_conf),
                                            "--json").stdout)
    assert all(s["healthy"] for s in status), [s for s in status if not s["healthy"]]
    # Without the bad change there is nothing left to update.
    proc, _ = update(deployed, None)
    assert proc.returncode == 0 and "Nothing to update" in proc.stdout, proc.stdout
