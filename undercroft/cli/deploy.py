"""``install`` and ``plan``."""
from __future__ import annotations

import os
from pathlib import Path


from undercroft.cli.base import UndercroftCommand, event_reporter
from undercroft.config import validations
from undercroft.errors import DeployError, UndercroftError
from undercroft.images.catalog import REPO
from undercroft.lifecycle import deployment, systemd
from undercroft.report import Reporter
from undercroft import runtime


def warn_config(reporter: Reporter, tr, services=None) -> None:
    """Print the configuration's warnings, and the enable_* = true that cannot take effect."""
    for w in tr.warnings:
        reporter.warn(w)
    if services is not None:
        for name in tr.requested_services:
            if name not in services:
                reporter.warn(f"service '{name}' is switched on in undercloud.conf but is not "
                              f"part of this deployment (no template for it in the role yet); "
                              f"it is not deployed")


def preview(command, args, reporter: Reporter):
    """Load the deployment read-only and warn about anything install would refuse."""
    path, overrides = command.config_path(args), command.overrides(args)
    uc, tr = deployment.configure(path, overrides)
    dep = deployment.load(path, overrides, reporter=reporter)
    warn_config(reporter, tr, dep.services)
    for problem in validations.check_config(uc, tr).problems:
        reporter.warn(f"install would refuse this: {problem}")
    return tr, dep


class HeldWarnings(Reporter):
    """A quiet reporter that keeps warnings to print later."""

    def __init__(self):
        super().__init__(quiet=True)
        self.held: list[str] = []

    def warn(self, text: str) -> None:
        self.held.append(text)


class Install(UndercroftCommand):
    """Deploy or converge the undercloud: host prep, images, containers step by step.

    Re-running with nothing changed makes no container changes.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--no-build", action="store_true",
                            help="fail instead of building missing images")
        parser.add_argument("--dry-run", action="store_true", help="same as 'plan'")
        parser.add_argument("--baremetal", action="store_true",
                            help="run the services as host processes from Debian packages "
                                 "(sets [undercroft] baremetal)")
        parser.add_argument("--no-validations", action="store_true",
                            help="skip the preflight validations (memory, disk, hostname, "
                                 "addresses and ranges, interface, ports, sysctls)")
        return parser

    def act(self, args):
        if args.dry_run:
            return Plan.show(self, args)
        path, overrides = self.config_path(args), self.overrides(args)
        # Everything below up to host prep is read-only: configuration, templates and the
        # preflight validations fail before anything on the host changes.
        # Warnings are held back until the checks pass: a failing install prints only
        # its failures, one line each.
        uc, tr = deployment.configure(path, overrides)
        held = HeldWarnings()
        validate = not args.no_validations and validations.enabled(uc)
        findings = validations.check_config(uc, tr) if validate else validations.Findings()
        try:
            checked = deployment.load(path, overrides, reporter=held)
        except UndercroftError:
            findings.raise_if_failed()  # the configuration's own problems come first
            raise
        if validate:
            host = validations.HostFacts()
            findings.extend(validations.check_host(uc, tr, host, checked.services))
            findings.raise_if_failed()
        if os.geteuid() != 0:
            raise DeployError("install must run as root (it manages podman, namespaces, /var/lib)")
        dep = deployment.load(path, overrides, persist_secrets=True)
        reporter = event_reporter(dep.settings.state_dir, "install")
        try:
            warn_config(reporter, tr, checked.services)
            for w in held.held + findings.warnings:
                reporter.warn(w)
            if not validate:
                why = "--no-validations" if args.no_validations else "enable_validations = false"
                reporter.warn(f"preflight validations skipped ({why})")
            deployment.install(dep, runtime.for_settings(dep.settings), reporter,
                               build_images=not args.no_build)
            unit = systemd.install_unit(dep.settings, Path(path) if path else None, reporter)
            if unit is None:
                reporter.info("No systemd as PID 1 here: after a reboot run 'undercroft start'.")
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
        _, dep = preview(self, args, reporter)
        rt = runtime.for_settings(dep.settings)
        if not dep.settings.baremetal:
            refs = rt.image_refs(REPO)
            missing = [i.name for i in dep.needed_images if i.ref not in refs]
            if missing:
                reporter.info(f"Images to build: {', '.join(missing)}")
        plan = deployment.compute_plan(dep, rt)
        deployment.print_plan(plan, reporter, verbose=True)
        return 0
