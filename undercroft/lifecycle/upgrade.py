"""``upgrade``: a baremetal undercloud (host processes) to containers, in place.

1. Preflight: a baremetal deployment of this name exists (host units in
   ``<state_dir>/host-units.json``), or a takeover: none does, but the role's services
   run as the distribution's init services, whose secrets are then imported from
   ``/etc`` (lifecycle/takeover.py); podman is there, the containerized role renders.
2. Plan: which host processes stop, which containers start, which data directories
   the containers bind-mount as is (the distribution's paths the host used).
3. Backup: the same archive as ``undercroft backup`` (databases, configuration,
   passwords and keys, CA), written before anything changes; if it fails, nothing does.
   Row counts of every service table are recorded beside it.
4. Step by step, service by service: just before a service's first container starts, its
   host processes are stopped and their supervisor programs removed (in a takeover: its
   init services stopped and disabled, recorded in ``takeover.json``); the containers run
   over the same data (mysql_bootstrap runs mariadb-upgrade, db_sync one-shots the
   schema upgrades) and each must pass its healthcheck, as in install.
5. Report: row counts after against before, in ``<state_dir>/upgrade-report.json``;
   a table with fewer rows fails the command (running services may add rows).

Passwords and keys come from the same passwords file, so keystone's fernet keys and
every service password are unchanged: tokens issued before the upgrade still validate.

Resumable: the first run records the host layout in the deployment record (from then
on the deployment is a containerized one over the host layout) and leaves the
before-counts in ``<state_dir>/upgrade-before.json``. A run killed at any point is
re-run with the same command: host units still recorded are stopped when their
service's containers start, containers already healthy are kept.
``--rollback`` removes the containers and installs the host processes again over the
same data (the backup is there if the data itself was damaged).

``--cleanup`` (or ``upgrade_cleanup = true``), once no host process is left: removes the
host packages that ship the old services (init scripts, systemd units that would start
them at boot), with ``apt-get remove``: their configuration and data stay.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from undercroft.errors import DeployError
from undercroft.fileio import write_atomic
from undercroft.lifecycle import backup, counts, deployment, takeover
from undercroft.lifecycle.materialize import write_config_dir
from undercroft.model.schema import Takeover
from undercroft.plan import make_plan
from undercroft.plan.model import mounts
from undercroft.report import Reporter
from undercroft.images import recipe
from undercroft.runtime import hostpackages, hostprep, initservices
from undercroft.runtime.executor import StepExecutor
from undercroft.runtime.host import HostRuntime
from undercroft.runtime.podman import Podman
from undercroft.runtime.protocol import Runtime
from undercroft.state import records


def _in_place_dirs(dep: deployment.Deployment) -> list[str]:
    return sorted({host for c in dep.rendered.containers
                   for host, path in mounts(c.desired.spec["volumes"]) if host == path})


def _show_plan(dep, plan, units, reporter: Reporter, record: dict) -> None:
    reporter.phase("Upgrade plan")
    processes = [u for u in units if not u.oneshot]
    for u in processes:
        reporter.line("stop", u.name, f"host process ({u.service}), replaced by its container")
    for service in record.get("services", {}):
        for name in takeover.pending(record, service):
            reporter.line("stop", name, f"{record['init']} service ({service}), stopped, "
                                        f"disabled and replaced by its containers")
    for a in plan.actions:
        if a.kind.writes:
            reporter.line(a.kind.value, a.name, f"[{a.service}, step {a.step}] {a.reason}")
    for d in _in_place_dirs(dep):
        reporter.line("keep", d, "bind-mounted into the containers as is")
    reporter.info(f"Plan: stop {len(processes)} host processes; containers: {plan.summary()}")


def _start_upgrade(dep, config, databases, reporter: Reporter) -> dict:
    """Backup and before-counts, then the marker: from here on, re-runs resume."""
    s = dep.settings
    reporter.phase("Backup before upgrade")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    archive = s.output_dir / f"undercloud-upgrade-backup-{stamp}.tar.gz"
    src = backup.Sources(
        deployment=s.deployment_name, mysql_exec=(), databases=databases,
        conf=Path(config).resolve() if config else None, env_files=s.env_files,
        passwords=s.passwords_file, tls_dir=s.state.tls, data_root=s.data_root)
    backup.create(src, archive, (), reporter)  # raises: nothing has changed yet
    reporter.line("ok", "backup", f"{archive} (0600)")
    rows = counts.row_counts((), databases)
    before = {"backup": str(archive), "started": int(time.time()), "rows": rows}
    reporter.line("ok", "counts", f"{len(rows)} tables, {sum(rows.values())} rows recorded")
    write_atomic(s.state.upgrade_before, json.dumps(before, indent=1) + "\n", 0o600)
    records.update(s.state, runtime="containers", layout="host")
    return before


def _init_services(dep) -> dict[str, list[str]]:
    return {n: dep.catalog.services[n].baremetal.init_services for n in dep.services}


def takeovers_of(dep) -> list[Takeover]:
    """The templates' ``baremetal.takeover`` a takeover reads: of the services taken over
    (the role's, enabled), and of the others whose secrets are read even when left alone."""
    return [t.baremetal.takeover for n, t in dep.catalog.services.items()
            if n in dep.services or t.baremetal.takeover.read_when_left_alone]


def _begin_takeover(dep, init, reporter: Reporter, root: Path) -> dict:
    """A package-installed undercloud Undercroft did not install: its init services
    found, its secrets imported into the passwords file. Returns the takeover record."""
    s = dep.settings
    found = takeover.present(init, _init_services(dep))
    if not found:
        raise DeployError(f"no baremetal undercloud '{s.deployment_name}' found: no host units "
                          f"in {s.state_dir} and none of the role's services installed as "
                          f"{init.kind} services",
                          hint="check --config; a new undercloud is 'undercroft install'")
    reporter.phase("Takeover of a package-installed undercloud")
    for service, names in found.items():
        reporter.line("keep", service, f"{init.kind}: {', '.join(names)}")
    outside = takeover.present(init, {n: t.baremetal.init_services for n, t in
                                      dep.catalog.services.items() if n not in dep.services})
    for service, names in outside.items():
        reporter.warn(f"{service} is installed here ({', '.join(names)}) but not in this role or "
                      f"not enabled: its init services are left alone, and its endpoints and "
                      f"service user are removed from keystone as for any disabled service "
                      f"(enable it in undercloud.conf to take it over too)")
    secrets = takeover.read_host(root, dep.database_passwords, takeovers_of(dep))
    imported = takeover.import_secrets(s.passwords_file, secrets)
    for name in imported:
        reporter.line("ok", name, f"carried over from {secrets.sources[name]}")
    for note in secrets.notes:
        reporter.warn(note)
    record = {"init": init.kind, "services": found, "disabled": []}
    takeover.save_record(s.state, record)
    return record


def set_host_log_aside(log: str | None) -> None:
    """A host process logged plain lines to the path its container's log takes (podman's
    k8s-file format, which podman 5 refuses to read with a plain line in it): the host's
    lines move to ``<name>.host.log``, appended if an earlier run left one."""
    if not log or not Path(log).exists():
        return
    path = Path(log)
    aside = path.with_name(path.stem + ".host.log")
    with open(aside, "ab") as out:
        out.write(path.read_bytes())
    path.unlink()


def has_containers(settings) -> bool:
    """Whether podman runs containers of this deployment: ``upgrade`` of a containerized
    undercloud is the minor update."""
    return bool(Podman().containers(settings.deployment_name))


def upgrade(config, overrides, reporter: Reporter, podman: Podman | None = None,
            init=None, root: Path = Path("/")) -> dict:
    """``init``/``root``: the host's init system and file system, whose configuration a
    takeover reads (tests pass fakes).
    ``podman``: Podman itself, not just any runtime: the upgrade builds the images and
    counts rows with the mariadb client in the mysql container (``podman exec``)."""
    podman = podman or Podman()
    s = deployment.settings(config, overrides)
    host = HostRuntime(s.state)
    units = host.containers(s.deployment_name)
    before_file = s.state.upgrade_before
    resuming = before_file.exists()
    record = takeover.load_record(s.state)
    init = init or (initservices.init_services(netns=s.network_namespace)
                    if record or not units else None)
    if not units and not resuming:
        if podman.containers(s.deployment_name):
            reporter.info(f"Deployment '{s.deployment_name}' already runs in containers: "
                          f"nothing to upgrade.")
            return {}
        # a first look, nothing written (its warnings come with the second load below):
        # what the role's services are, for the init services and the secrets to import
        first = deployment.load(config, overrides, reporter=Reporter(quiet=True), upgrading=True)
        record = _begin_takeover(first, init, reporter, root)
    # secrets now in the passwords file (generated ones too): render with them
    dep = deployment.load(config, overrides, reporter=reporter, persist_secrets=True,
                          upgrading=True)
    hostprep.ensure_packages(reporter)  # podman, runc, debootstrap
    plan = make_plan(dep.rendered.desired, podman.containers(s.deployment_name))
    _show_plan(dep, plan, units, reporter, record)
    databases = dep.databases
    if resuming:
        before = json.loads(before_file.read_text())
        reporter.info(f"Resuming the upgrade started at {time.ctime(before['started'])}; "
                      f"backup: {before['backup']}")
    else:
        before = _start_upgrade(dep, config, databases, reporter)

    def disable_init_services(service: str) -> None:
        names = takeover.pending(record, service)
        for name in names:
            init.disable(name)
            record["disabled"].append(name)
            takeover.save_record(s.state, record)
            reporter.line("ok", name, f"{init.kind} service stopped and disabled")
        if names:
            for command in dep.catalog.services[service].baremetal.after_init_stop:
                init.after_stop(command)

    def replace_host_units(d) -> None:
        mine = [u.name for u in host.containers(s.deployment_name) if u.service == d.service]
        host.stop_many(mine)  # a service's processes stop together, as its containers would
        for name in mine:
            log = host.log_path(name)
            host.remove(name)
            set_host_log_aside(log)
            reporter.line("ok", name, "host process stopped and its program removed")
        disable_init_services(d.service)
        write_config_dir(dep.by_name(d.name))

    # install's convergence (host prep, images, plan, execution, credentials), with the
    # host units of each service stopped just before its first container starts
    executor = StepExecutor(podman, reporter, dep.labels_for, before_start=replace_host_units)
    deployment.converge(dep, podman, reporter, executor)
    gone = [u.name for u in host.containers(s.deployment_name)]  # no longer in the role
    host.stop_many(gone)
    for name in gone:
        host.remove(name)
        reporter.line("ok", name, "host process removed (not in the containerized role)")
    for service in record.get("services", {}):  # services whose containers were all kept
        disable_init_services(service)
    host.state_file.unlink(missing_ok=True)

    reporter.phase("After the upgrade")
    after = counts.row_counts(backup.mysql_exec(dep.settings, podman), databases)
    lost, grew = counts.compare(before["rows"], after)
    report = {"backup": before["backup"], "before": before["rows"], "after": after,
              "lost": lost, "grew": grew}
    write_atomic(s.state.upgrade_report, json.dumps(report, indent=1) + "\n", 0o600)
    if lost:
        raise DeployError(f"fewer rows after the upgrade in {len(lost)} tables",
                          detail="\n".join(lost[:20]),
                          hint=f"report: {s.state.upgrade_report}; 'undercroft upgrade --rollback' "
                               f"returns to host processes, the backup is {before['backup']}")
    for line in grew:
        reporter.line("ok", "rows", f"{line} (added by the running services)")
    same = len(after) - len(grew)
    reporter.info(f"Upgraded to containers: {len(after)} tables, no row lost ({same} "
                  f"unchanged, {len(grew)} grew). Report: {s.state.upgrade_report}")
    before_file.unlink()
    return report


def rollback(config, overrides, reporter: Reporter, podman: Runtime | None = None,
             init=None) -> None:
    """Back to host processes over the same data: containers removed, units installed
    (after a takeover: the init services disabled by it enabled and started again).
    ``podman``: the containers' runtime (tests pass a fake)."""
    s = deployment.settings(config, overrides)
    state = s.state
    upgraded = records.load(state).layout == "host" or any(
        p.exists() for p in (state.upgrade_before, state.takeover_record, state.host_units))
    if not upgraded:
        raise DeployError(f"'{s.deployment_name}' was not upgraded from host processes: "
                          f"nothing to roll back",
                          hint="--rollback follows 'undercroft upgrade' of a baremetal or "
                               "package-installed undercloud (state in "
                               f"{s.state_dir}); 'undercroft install' with "
                               "'[undercroft] baremetal = true' deploys host processes")
    podman = podman or Podman()
    observed = podman.containers(s.deployment_name)
    reporter.phase("Rollback to host processes")
    podman.stop_many([o.name for o in observed if o.state == "running"])
    for o in observed:
        podman.remove(o.name)
        reporter.line("ok", o.name, "container removed")
    record = takeover.load_record(s.state)
    if record:
        dep = deployment.load(config, overrides, reporter=Reporter(quiet=True), upgrading=True)
        for path, owner in takeover.in_place_permissions(dep.rendered.containers):
            if Path(path).is_dir() and takeover.give_back(path, owner):
                reporter.line("ok", path, f"owned by the host's {owner} again")
        init = init or initservices.init_services(netns=s.network_namespace)
        for name in list(record["disabled"]):
            init.enable(name)
            record["disabled"].remove(name)
            takeover.save_record(s.state, record)
            reporter.line("ok", name, f"{init.kind} service enabled and started again")
        records.update(state, runtime="containers", layout="data_root")  # none of ours left
        for done in (state.host_layout_marker, state.upgrade_before, state.takeover_record):
            done.unlink(missing_ok=True)
        return
    records.update(state, runtime="baremetal", layout="data_root")
    state.host_layout_marker.unlink(missing_ok=True)
    state.upgrade_before.unlink(missing_ok=True)
    dep = deployment.load(config, {**(overrides or {}), "baremetal": True}, reporter=reporter,
                          persist_secrets=True)
    deployment.install(dep, HostRuntime(s.state), reporter)


def cleanup(dep: deployment.Deployment, reporter: Reporter) -> list[str]:
    """Remove the host's service packages after a finished upgrade; returns their names."""
    s = dep.settings
    if records.load(s.state).layout != "host":
        raise DeployError(f"'{s.deployment_name}' was not upgraded from host processes: "
                          f"no host package of it to clean up",
                          hint="--cleanup follows 'undercroft upgrade' of a baremetal undercloud")
    if s.state.upgrade_before.exists() or HostRuntime(s.state).containers(s.deployment_name) \
            or takeover.pending(takeover.load_record(s.state)):
        raise DeployError("the upgrade has not finished: host processes may still need their packages",
                          hint="run 'undercroft upgrade' until it reports success, then --cleanup")
    reporter.phase("Cleanup of host packages")
    wanted = recipe.for_images(dep.images, dep.image_names).packages
    packages = hostpackages.service_packages(wanted)
    hostpackages.remove(packages, reporter)
    return packages
