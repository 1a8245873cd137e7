"""``destroy``: take a deployment away, touching only what Undercroft created.

Always: the deployment's containers (found by label), their generated config dirs and,
in namespace placement, the namespace (and neutron's qdhcp namespaces). Data (databases, images, rings, nodes) stays
unless ``purge_data``; then exactly the directories host prep recorded as created
(``<state_dir>/created-dirs``) and the state dir go. The passwords file, stackrc and
clouds.yaml in output_dir are the operator's and stay.

A baremetal deployment goes the same way through the host runtime (its supervisor
programs or systemd units are the "containers"); its data lives in the distribution's
paths (/var/lib/mysql, /srv/node, ...) that the Debian packages own, so it stays even
with ``purge_data``, as do the packages and their /etc files (``apt-get purge``).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from undercroft.config.translate import Settings
from undercroft.lifecycle import systemd, watch
from undercroft.lifecycle.materialize import remove_config_dir
from undercroft.plan.restart import stop_order
from undercroft.report import Reporter
from undercroft.runtime import hostprep
from undercroft.runtime.protocol import Runtime


def _inside(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def destroy(settings: Settings, runtime: Runtime, reporter: Reporter, purge_data: bool) -> None:
    """``runtime``: the deployment's (Podman, or the host runtime for baremetal)."""
    watch.stop(settings)
    observed = runtime.containers(settings.deployment_name)
    reporter.phase("Host processes" if settings.baremetal else "Containers")
    for names in stop_order(observed):  # services first, last step first, then the rest
        runtime.stop_many(names)
    for o in sorted(observed, key=lambda o: -o.step):
        runtime.remove(o.name)
        remove_config_dir(settings.state, o.name)
        reporter.event("removed", container=o.name, reason="destroy")
    reporter.line("ok", "host processes" if settings.baremetal else "containers",
                  f"removed {len(observed)}")
    if systemd.remove_unit(settings):
        reporter.line("ok", systemd.unit_name(settings), "disabled and removed")
    ns = settings.network_namespace
    # The DHCP agent's qdhcp-* namespaces outlive its container; ours are found through
    # their veth peers in our namespace (or host network), so look before deleting that.
    for dhcp in hostprep.dhcp_namespaces(ns or None):
        subprocess.run(["ip", "netns", "del", dhcp], check=False)
        reporter.line("ok", "network", f"removed neutron's namespace {dhcp}")
    if ns and hostprep.namespace_exists(ns):
        subprocess.run(["ip", "netns", "del", ns], check=False)
        reporter.line("ok", "network", f"removed network namespace {ns}")
    if settings.baremetal:
        reporter.info("Data kept: a baremetal undercloud's databases, images, rings and nodes "
                      "live in the distribution's paths (/var/lib/mysql, /var/lib/glance, "
                      "/srv/node, ...), which its Debian packages own; re-run install to "
                      "redeploy over them, or remove them with 'apt-get purge' of those "
                      "packages.")
    if not purge_data:
        if not settings.baremetal:
            reporter.info("Data kept (databases, images, rings, nodes): re-run install to "
                          "redeploy over it, or destroy --purge-data to remove it.")
        return
    reporter.phase("Data")
    keep = settings.output_dir
    for path in sorted(hostprep.created_dirs(settings.state), key=lambda p: -len(p.parts)):
        if _inside(keep, path) or _inside(path, settings.state_dir):
            continue  # the operator's credentials; the state dir goes last
        if path.exists():
            shutil.rmtree(path)
            reporter.line("ok", str(path), "removed")
    if settings.state_dir.exists():
        shutil.rmtree(settings.state_dir)
        reporter.line("ok", str(settings.state_dir), "removed")
    reporter.info(f"Kept {settings.passwords_file} and the credentials in {keep}.")
