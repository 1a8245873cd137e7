"""``install`` and ``plan``."""
from __future__ import annotations

import os
import time

from undercroft.cli.base import UndercroftCommand
from undercroft.errors import DeployError
from undercroft.lifecycle import deployment
from undercroft.report import Reporter
from undercroft.runtime.podman import Podman


def _event_log(dep, command: str):
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return dep.settings.state_dir / "events" / f"{command}-{stamp}.jsonl"


class Install(UndercroftCommand):
    """Deploy or converge the undercloud: host prep, images, containers step by step.

    Re-running with nothing changed makes no container changes.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--no-build", action="store_true",
                            help="fail instead of building missing images")
        parser.add_argument("--dry-run", action="store_true", help="same as 'plan'")
        return parser

    def act(self, args):
        if args.dry_run:
            return Plan.show(self, args)
        if os.geteuid() != 0:
            raise DeployError("install must run as root (it manages podman, namespaces, /var/lib)")
        dep = deployment.load(self.config_path(args), self.overrides(args), persist_secrets=True)
        reporter = Reporter(event_log=_event_log(dep, "install"))
        try:
            deployment.install(dep, Podman(), reporter, build_images=not args.no_build)
        finally:
            reporter.close()
        return 0


class Plan(UndercroftCommand):
    """Show what install would create, recreate, start, keep or remove, and why.

    Nothing on the host is changed.
    """

    def act(self, args):
        return self.show(args)

    def show(self, args):
        reporter = Reporter()
        dep = deployment.load(self.config_path(args), self.overrides(args), reporter=reporter)
        podman = Podman()
        missing = [i.name for i in dep.needed_images if not podman.image_exists(i.ref)]
        if missing:
            reporter.info(f"Images to build: {', '.join(missing)}")
        plan = deployment.compute_plan(dep, podman)
        deployment.print_plan(plan, reporter, verbose=True)
        return 0
