"""``install``, ``deploy`` (any role) and ``plan``."""
from __future__ import annotations

import os
from pathlib import Path


from undercroft.cli.base import UndercroftCommand, event_reporter
from undercroft.config import validations
from undercroft.config.facts import ThisHost
from undercroft.errors import DeployError, UndercroftError
from undercroft.lifecycle import deployment, image_builds, restart, role_choice, systemd, watch
from undercroft.lifecycle.multihost import export
from undercroft.lifecycle.multihost.run import run_playbook
from undercroft.model.loader import TEMPLATES, is_role_name
from undercroft.report import Reporter


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


def preview(command: UndercroftCommand, args, reporter: Reporter, host: bool = False):
    """Load the deployment read-only and warn about anything install would refuse; the
    command then exits 1 (``command.refused``), so a script can rely on the exit code.

    ``host``: also this host's preflight checks (plan, install --dry-run), as install
    runs them unless ``enable_validations = false``; ``config show`` is about the file."""
    path, overrides = command.config_path(args), command.overrides(args)
    uc, tr = deployment.configure(path, overrides)
    dep = deployment.load(path, overrides, reporter=reporter)
    warn_config(reporter, tr, dep.services)
    findings = validations.check_config(uc, tr)
    if host and validations.enabled(uc):
        findings.extend(validations.check_host(uc, tr, ThisHost(), dep.rendered.ports))
    problems = findings.problems
    for problem in problems:
        reporter.warn(f"install would refuse this: {problem}")
    command.refused = bool(problems)
    return uc, tr, dep


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
        parser.add_argument("--step", type=int, action="append", choices=range(1, 6),
                            metavar="N", help="converge only the containers of step N "
                            "(repeatable; what a multi-host deploy runs on each host)")
        parser.add_argument("--no-validations", action="store_true",
                            help="skip the preflight validations (memory, disk, hostname, "
                                 "addresses and ranges, interface, ports, sysctls)")
        return parser

    def act(self, args):
        if args.dry_run:
            return show_plan(self, args)
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
            host = ThisHost()
            findings.extend(validations.check_host(uc, tr, host, checked.rendered.ports))
            findings.raise_if_failed()
        if os.geteuid() != 0:
            raise DeployError("install must run as root (it manages podman, namespaces, /var/lib)")
        dep = deployment.load(path, overrides, persist_secrets=True)
        reporter = event_reporter(dep.settings.state, "install")
        try:
            warn_config(reporter, tr, checked.services)
            for w in held.held + findings.warnings:
                reporter.warn(w)
            if not validate:
                why = "--no-validations" if args.no_validations else "enable_validations = false"
                reporter.warn(f"preflight validations skipped ({why})")
            self.record(dep, args)
            deployment.install(dep, deployment.runtime_for(dep.settings), reporter,
                               build_images=not args.no_build,
                               steps=frozenset(args.step) if args.step else None)
            unit = systemd.install_unit(dep.settings, Path(path) if path else None, reporter)
            if unit is None:
                restart.report_watcher(watch.start(dep.settings), reporter)
                reporter.info("No systemd as PID 1 here: after a reboot run 'undercroft start'.")
        finally:
            reporter.close()
        return 0

    def record(self, dep, args) -> None:
        """What ``deploy`` chose; install keeps whatever was recorded."""


def add_role_arguments(parser, multi_host: bool):
    """-r/-e/-i/--output, shared by ``deploy`` and ``export ansible`` (where all but -e
    are required)."""
    parser.add_argument("--inventory", "-i", metavar="PATH", required=multi_host,
                        help="an Ansible inventory whose groups are the roles file's roles: "
                             "deploy every host through Ansible (see 'export ansible')")
    parser.add_argument("--output", metavar="DIR", required=multi_host,
                        help="where the playbook and per-host inputs go (deploy --inventory's "
                             "default: <state_dir>/ansible)")
    parser.add_argument("--roles-file", "-r", metavar="PATH", required=multi_host,
                        help="roles file (path, bundled role name, or roles/<Role>.yaml)")
    parser.add_argument("--environment-file", "-e", metavar="PATH", action="append",
                        default=[], dest="environment_files",
                        help="environment file, applied in order after custom_env_files "
                             "(repeatable)")
    return parser


class Deploy(Install):
    """Deploy a role on this host: the same engine as install, any role and environments.

    ``-r``/``--roles-file``: a roles file, or a bundled one by name or as
    ``roles/<Role>.yaml`` (Undercloud, Standalone, Controller, Compute). ``-e``: heat-style
    environment files (parameter_defaults, enable_services/disable_services), after
    undercloud.conf's custom_env_files. Both are recorded, so later update, status, start
    and install of this deployment render the same role without repeating them.
    """

    def get_parser(self, prog_name):
        return add_role_arguments(super().get_parser(prog_name), multi_host=False)

    def overrides(self, args) -> dict:
        out = super().overrides(args)
        out[deployment.ROLE_CHOICE] = role_choice.RoleChoice(
            roles_file=self.roles_file(args.roles_file) if args.roles_file else None,
            env_files=tuple(role_choice.resolve_path(e, TEMPLATES, "environment file")
                            for e in args.environment_files))
        return out

    @staticmethod
    def roles_file(value: str) -> str:
        if is_role_name(value):
            return value
        return str(role_choice.resolve_path(value, TEMPLATES, "roles file"))

    def record(self, dep, args) -> None:
        role_choice.save(dep.settings.state, self.overrides(args)[deployment.ROLE_CHOICE])

    def act(self, args):
        if not args.inventory:
            return super().act(args)
        if not args.roles_file:
            raise UndercroftError("--inventory needs --roles-file (a roles file listing the "
                                  "inventory groups' roles, e.g. [Controller, Compute])")
        exported = export_ansible(self, args)
        print(f"Exported {len(exported.hosts)} hosts to {exported.output}; running ansible-playbook")
        run_playbook(exported)
        return 0


def export_ansible(command, args):
    """``export ansible`` and ``deploy --inventory``: per-host inputs and the playbook."""
    path = command.config_path(args)
    value = f"roles/{args.roles_file}.yaml" if is_role_name(args.roles_file) else args.roles_file
    roles = role_choice.resolve_path(value, TEMPLATES, "roles file")
    envs = [role_choice.resolve_path(e, TEMPLATES, "environment file") for e in args.environment_files]
    output = Path(args.output) if args.output else deployment.settings(path).state.ansible
    return export.export(Path(path) if path else None, roles, envs, Path(args.inventory), output)


class ExportAnsible(UndercroftCommand):
    """Write a multi-host deploy as an Ansible inventory + playbook (nothing is run).

    The inventory's groups are the roles file's roles (Controller, Compute); each host
    needs ``undercroft_local_ip`` (its ctlplane address with prefix) and may set
    ``undercroft_hostname``, ``undercroft_dir`` (where its inputs go, default
    /var/lib/undercroft-ansible), ``undercroft_settings`` ([undercroft] options),
    ``undercroft_bin`` and ``undercroft_environment``. --config is the base
    undercloud.conf every host shares (VIPs, subnets, TLS).
    """

    def get_parser(self, prog_name):
        return add_role_arguments(super().get_parser(prog_name), multi_host=True)

    def act(self, args):
        exported = export_ansible(self, args)
        for h in exported.hosts:
            print(f"{h.name:<16} {h.role:<12} {len(exported.services[h.name])} services: "
                  f"{', '.join(exported.services[h.name])}")
        print(f"Run: cd {exported.output} && ANSIBLE_CONFIG=ansible.cfg ansible-playbook deploy.yml")
        return 0


class Plan(UndercroftCommand):
    """Show what install would create, recreate, start, keep or remove, and why.

    Nothing on the host is changed.
    """

    def act(self, args):
        return show_plan(self, args)


def show_plan(command: UndercroftCommand, args) -> int:
    """``plan`` and ``install --dry-run``; exits 1 if install would refuse."""
    reporter = Reporter()
    _, _, dep = preview(command, args, reporter, host=True)
    rt = deployment.runtime_for(dep.settings)
    missing = image_builds.to_build(dep, rt)
    if missing:
        reporter.info(f"Images to build: {', '.join(missing)}")
    plan = deployment.compute_plan(dep, rt)
    deployment.print_plan(plan, reporter, verbose=True)
    return 1 if command.refused else 0
