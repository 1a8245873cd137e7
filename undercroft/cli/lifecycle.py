"""Day-2 commands: ``start`` (after a reboot), ``stop``, ``destroy`` and ``logs``."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from undercroft.cli.base import UndercroftCommand
from undercroft.errors import DeployError
from undercroft.lifecycle import deployment, destroy, restart
from undercroft.report import Reporter
from undercroft.runtime.podman import Podman


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
        stamp = time.strftime("%Y%m%d-%H%M%S")
        reporter = Reporter(event_log=settings.state_dir / "events" / f"start-{stamp}.jsonl")
        try:
            restart.start(settings, Podman(), reporter)
        finally:
            reporter.close()
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
        restart.stop(settings, Podman(), Reporter(), args.timeout)
        return 0


class Destroy(UndercroftCommand):
    """Remove the deployment's containers, generated configs and namespace.

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
        destroy.destroy(settings, Podman(), Reporter(), args.purge_data)
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
        podman = Podman()
        observed = podman.containers(settings.deployment_name)
        full = f"{settings.container_prefix}{args.name}"
        names = [o.name for o in observed if o.service == args.name] or \
            [o.name for o in observed if o.name in (args.name, full)]
        if not names:
            services = sorted({o.service for o in observed})
            raise DeployError(f"no service or container '{args.name}' in deployment "
                              f"'{settings.deployment_name}'",
                              hint=f"services: {', '.join(services) or 'none (not installed)'}")
        argv = podman.cmd("logs", "--tail", str(args.tail), *(["--names"] if len(names) > 1
                                                               else []),
                          *(["-f"] if args.follow else []), *names)
        print(f"# {', '.join(names)}; service log files: {settings.log_dir}/<service>/, "
              f"container output: {settings.log_dir}/containers/<name>.log", file=sys.stderr)
        return subprocess.call(argv)
