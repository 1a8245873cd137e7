"""Day-2 commands: update, start (after a reboot), stop, logs, backup/restore, destroy."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from undercroft.cli.base import UndercroftCommand, event_reporter
from undercroft.config import passwords
from undercroft.errors import DeployError
from undercroft.redact import redact
from undercroft.lifecycle import backup, deployment, destroy, logs, restart, upgrade
from undercroft.report import Reporter


def _root(what: str) -> None:
    if os.geteuid() != 0:
        raise DeployError(f"{what} must run as root (it manages podman and the network)")


class Start(UndercroftCommand):
    """Start an installed undercloud in step order (after a reboot): nothing is re-rendered.

    Recreates the network namespace or br-ctlplane if it is gone, then starts each
    stopped container as it was installed and waits for its healthcheck. To apply
    configuration changes, run install instead.
    """

    def act(self, args):
        _root("start")
        settings = deployment.settings(self.config_path(args), self.overrides(args))
        with event_reporter(settings.state, "start") as reporter:
            restart.start(settings, deployment.runtime_for(settings), reporter)
        return 0


class Stop(UndercroftCommand):
    """Stop the undercloud's running containers, last step first; data and config stay."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--timeout", type=int, default=10,
                            help="seconds each container gets to exit before SIGKILL")
        return parser

    def act(self, args):
        _root("stop")
        settings = deployment.settings(self.config_path(args), self.overrides(args))
        restart.stop(settings, deployment.runtime_for(settings), Reporter(), args.timeout)
        return 0


class Destroy(UndercroftCommand):
    """Remove the deployment's containers (baremetal: its host processes), generated
    configs and namespace.

    Data stays unless --purge-data (which also needs -y or a typed confirmation); only
    what Undercroft created is ever removed.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--purge-data", action="store_true",
                            help="also remove the data directories install created")
        parser.add_argument("-y", "--yes", action="store_true",
                            help="do not ask for confirmation of --purge-data")
        return parser

    def act(self, args):
        _root("destroy")
        settings = deployment.settings(self.config_path(args), self.overrides(args))
        if args.purge_data and not args.yes:
            if not sys.stdin.isatty():
                raise DeployError("--purge-data deletes the undercloud's databases and images",
                                  hint="add -y to confirm without a terminal")
            answer = input(f"Type '{settings.deployment_name}' to delete its data for good: ")
            if answer.strip() != settings.deployment_name:
                raise DeployError("not confirmed; nothing was changed")
        destroy.destroy(settings, deployment.runtime_for(settings), Reporter(), args.purge_data)
        return 0


class Logs(UndercroftCommand):
    """Show a service's container logs (all its containers), or one container's."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", help="service (e.g. keystone) or container name")
        parser.add_argument("-f", "--follow", action="store_true", help="keep following")
        parser.add_argument("--tail", type=int, default=50, help="lines per container")
        return parser

    def act(self, args):
        settings = deployment.settings(self.config_path(args), self.overrides(args))
        names, argv = logs.command(settings, deployment.runtime_for(settings), args.name,
                                   args.tail, args.follow)
        print(f"# {', '.join(names)}; service log files: {settings.log_dir}/<service>/, "
              f"container output: {settings.log_dir}/containers/<name>.log", file=sys.stderr)
        passwords.load(settings.passwords_file)  # known secrets are masked in what follows
        return redacted_output(argv)


def redacted_output(argv: list[str]) -> int:
    """Run ``argv``, copying its output line by line with known secrets masked."""
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", stdin=subprocess.DEVNULL) as proc:
        try:
            for line in proc.stdout or ():
                sys.stdout.write(redact(line))
                sys.stdout.flush()
        except KeyboardInterrupt:
            proc.terminate()
            raise
        return proc.wait()


class Update(UndercroftCommand):
    """Minor update: rebuild images whose inputs changed, then recreate only the changed
    containers one by one in step order, each gated on its healthcheck; a container that
    does not become healthy is replaced by the previous one and the update stops."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--refresh-packages", action="store_true",
                            help="rebuild every image from the Debian archive as it is now "
                                 "(point releases, security updates), then update")
        return parser

    def act(self, args):
        _root("update")
        path, overrides = self.config_path(args), self.overrides(args)
        checked = deployment.load(path, overrides)  # configuration errors before host changes
        if args.refresh_packages and checked.settings.baremetal:
            raise DeployError("--refresh-packages rebuilds images: a baremetal undercloud's "
                              "packages are the host's",
                              hint="upgrade them with apt-get, then run update (services whose "
                                   "configuration changed are restarted one by one)")
        if args.refresh_packages:
            epoch = deployment.refresh_packages(checked.settings)
            print(f"package epoch {epoch}: every image is rebuilt from today's archive")
        dep = deployment.load(path, overrides, persist_secrets=True)
        with event_reporter(dep.settings.state, "update") as reporter:
            deployment.update(dep, deployment.runtime_for(dep.settings), reporter)
        return 0


class Upgrade(Update):
    """Major upgrade: a baremetal undercloud (host processes) to containers in place.

    Undercroft's own baremetal undercloud, or one installed from the distribution's
    packages and run by the init system (its secrets are read from its configuration
    files and carried over). Backs up first, stops each service's host processes just before its containers
    start over the same data, and compares every table's row count before and after.
    Re-run the same command if it was interrupted. On a containerized undercloud this is
    the minor update ('undercroft update', --refresh-packages included), as
    'openstack undercloud upgrade' is.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--rollback", action="store_true",
                            help="remove the containers and run the host processes again "
                                 "over the same data")
        parser.add_argument("--cleanup", action="store_true",
                            help="after the upgrade, remove the host packages of the old "
                                 "services (apt-get remove: configuration and data stay); "
                                 "undercloud.conf: upgrade_cleanup")
        return parser

    def act(self, args):
        _root("upgrade")
        path, overrides = self.config_path(args), self.overrides(args)
        if args.rollback and args.cleanup:
            raise DeployError("--rollback and --cleanup undo each other",
                              hint="--rollback returns to host processes; --cleanup removes "
                                   "their packages after a finished upgrade: give one")
        settings = deployment.settings(path, overrides)
        if args.rollback:
            with event_reporter(settings.state, "rollback") as reporter:
                upgrade.rollback(path, overrides, reporter)
            return 0
        containerized = upgrade.has_containers(settings)
        if settings.baremetal or settings.state.upgrade_before.exists() or not containerized:
            # Undercroft's baremetal undercloud, or one installed from the distribution's
            # packages (a takeover), or an interrupted upgrade of either
            with event_reporter(settings.state, "upgrade") as reporter:
                upgrade.upgrade(path, overrides, reporter)
        elif not args.cleanup:
            return super().act(args)
        _, translated = deployment.configure(path, overrides)
        if args.cleanup or translated.parameters.get("UpgradeRemoveUnusedPackages") is True:
            with event_reporter(settings.state, "upgrade-cleanup") as reporter:
                upgrade.cleanup(deployment.load(path, overrides), reporter)
        return 0


class Backup(UndercroftCommand):
    """Write one 0600 archive: database dump, undercloud.conf and environment files,
    passwords, TLS CA, and (opt-in) glance/swift/ironic data, with a checksum manifest."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--output", "-o", metavar="FILE",
                            help="archive path (default: <output_dir>/undercloud-backup-"
                                 "<time>.tar.gz)")
        parser.add_argument("--data", default="", metavar="SETS",
                            help="data directories to include: comma list of glance, swift, "
                                 "ironic, or 'all'")
        return parser

    def act(self, args):
        _root("backup")
        path = self.config_path(args)
        dep = deployment.load(path, self.overrides(args))
        s = dep.settings
        data = tuple(backup.DATA) if args.data == "all" else \
            tuple(d.strip() for d in args.data.split(",") if d.strip())
        if s.baremetal and data:
            raise DeployError("--data is for containerized undercloud: a baremetal one keeps its "
                              "data in the distribution's paths (/var/lib/glance/images, "
                              "/srv/node, /var/lib/ironic)",
                              hint="back those up with the host's tools, or run the backup "
                                   "without --data (databases, configuration, passwords, CA)")
        src = backup.Sources(
            deployment=s.deployment_name,
            mysql_exec=backup.mysql_exec(s),
            databases=dep.databases,
            conf=Path(path).resolve() if path else None, env_files=s.env_files,
            passwords=s.passwords_file, tls_dir=s.state.tls, data_root=s.data_root)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        output = Path(args.output) if args.output else s.output_dir / f"undercloud-backup-{stamp}.tar.gz"
        reporter = Reporter()
        reporter.phase("Backup")
        backup.create(src, output, data, reporter)
        reporter.info(f"Backup written to {output} (mode 0600); keep it somewhere safe: it "
                      f"holds every password and key.")
        return 0


def _ask_yes(what: str) -> bool:
    return input(f"{redact(what)}.\nType 'yes' to restore anyway: ").strip() == "yes"


class Restore(UndercroftCommand):
    """Restore a backup onto a fresh host (or after destroy --purge-data): same
    passwords and keys, databases and opted-in data; then every service starts."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("archive", help="a file written by 'undercroft backup'")
        parser.add_argument("--force", action="store_true",
                            help="restore over an undercloud that exists here (its data since "
                                 "the backup is lost) or a passwords file that differs")
        return parser

    def act(self, args):
        _root("restore")
        archive = Path(args.archive)
        if not archive.is_file():
            raise DeployError(f"{archive}: no such file")
        conf = Path(self.config_path(args) or Path("~/undercloud.conf").expanduser())
        if self.overrides(args):
            raise DeployError("restore takes the namespace from undercloud.conf; drop --netns")
        reporter = Reporter()
        backup.restore(archive, conf, reporter, force=args.force,
                       confirm=_ask_yes if sys.stdin.isatty() else None)
        reporter.info(f"Restored from {archive}.")
        return 0
