"""``config show``, ``config migrate`` and ``config docs``."""
from __future__ import annotations

import json
from pathlib import Path

from cliff.lister import Lister
from rich.console import Console
from rich.markup import escape

from undercroft.cli.base import UndercroftCommand, print_error
from undercroft.cli.deploy import preview
from undercroft.config import differences, docs, hardware, migrate
from undercroft.config.facts import ThisHost
from undercroft.errors import ConfigError, UndercroftError
from undercroft.report import Reporter

MASK = "********"


def _show(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


class ConfigShow(UndercroftCommand, Lister):
    """Show every effective parameter, its value and where it came from.

    Sources: the default of a template, an undercloud.conf option (file:line, or the
    option's default), a computation, an environment file, or the passwords file.
    Values are tripleoclient's, as undercloud.conf makes them (before a template's type
    applies: DnsServers stays tripleoclient's comma-separated string); where a parameter
    or a service's configuration deliberately differs, the source says so ("deliberate
    difference ..."). With -f json or yaml, values are JSON values (lists, mappings,
    booleans, numbers), not text. Secrets are masked. Nothing is written: missing
    secrets are generated in memory.
    """

    def get_parser(self, prog_name):
        # Lister's own options (-f, -c COLUMN, ...) plus --config without its -c short form.
        parser = Lister.get_parser(self, prog_name)
        parser.add_argument("--config", metavar="PATH",
                            help="undercloud.conf to use (default: ~/undercloud.conf if it "
                                 "exists, else built-in defaults)")
        parser.add_argument("--netns", metavar="NAME",
                            help="as install's --netns (overrides [undercroft] "
                                 "network_namespace)")
        parser.add_argument("--services", action="store_true",
                            help="list the deployment's services instead of its parameters")
        return parser

    def run(self, parsed_args):
        try:
            rc = super().run(parsed_args)
        except UndercroftError as err:
            print_error(err)
            return 1
        return 1 if self.refused else rc

    def take_action(self, args):
        reporter = Reporter(console=Console(stderr=True, highlight=False, soft_wrap=True))
        uc, tr, dep = preview(self, args, reporter)
        if args.services:
            off = set(tr.disabled_services)
            rows = [(s, "deployed", "role / environment files") for s in dep.services]
            rows += [(s, "disabled", "undercloud.conf enable_* = false") for s in sorted(off)
                     if s not in dep.services]
            return ("Service", "State", "Source"), rows
        secret = dep.resolved.secret_names | set(tr.secret_parameters)
        values = dict(dep.resolved.values)
        sources = dict(dep.resolved.sources)
        for name, value in tr.parameters.items():
            if sources.get(name) == tr.sources[name]:  # not replaced by an environment file
                values[name] = value  # as undercloud.conf made it, before the template's type
        differ = hardware.differences(values) if "ironic" in dep.services else {}
        marks = differences.marks(uc, tr.parameters)
        native = getattr(args, "formatter", "") in ("json", "yaml")
        rows = []
        for name in sorted(values):
            value = MASK if name in secret and values[name] not in (None, "") else values[name]
            source = sources.get(name, "")
            for note in (marks.get(name), differ.get(name)):
                if note:
                    source = f"{source}; {note}" if source else note
            rows.append((name, value if native else _show(value), source))
        return ("Parameter", "Value", "Source"), rows


class ConfigValidate(UndercroftCommand):
    """Check undercloud.conf as install would, and report every problem at once.

    Runs the configuration checks, renders the role's templates with it (read-only) and,
    with --host, the host checks (memory, disk, hostname, interface, ports, sysctls).
    Exit 0 when install would accept it, 1 otherwise: for scripts and CI.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--host", action="store_true",
                            help="also run the host checks, on this host")
        return parser

    def act(self, args):
        from undercroft.lifecycle import deployment

        host = ThisHost() if args.host else None
        findings = deployment.validate(self.config_path(args), self.overrides(args), host)
        console = Console(stderr=True, highlight=False, soft_wrap=True)
        for warning in findings.warnings:
            console.print(f"[yellow]WARNING[/yellow] {escape(warning)}")
        for problem in findings.problems:
            console.print(f"[bold red]ERROR[/bold red] {escape(problem)}")
        if findings.problems:
            n = len(findings.problems)
            console.print(f"{n} problem{'s' if n > 1 else ''}: install would refuse this "
                          f"configuration", markup=False)
            return 1
        what = "configuration and host" if args.host else "configuration"
        print(f"{self.config_path(args) or 'built-in defaults'}: {what} valid")
        return 0


class ConfigMigrate(UndercroftCommand):
    """Rewrite an old (instack-undercloud or tripleoclient) undercloud.conf for Undercroft.

    Writes a new undercloud.conf with current option names, plus an environment file
    for values that have no option (instack's [auth] passwords), and prints what became
    of every old option. Nothing is lost silently: an unknown option or section, or an
    option set twice with different values, is an error naming the line (exit 1, nothing
    written) unless --force, which drops, renames or keeps the last as each error says.
    Existing files are replaced only with --force, after a backup.
    """

    needs_config = False

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("old", metavar="OLD.conf", help="the undercloud.conf to migrate")
        parser.add_argument("--output", "-o", metavar="NEW",
                            help="where to write the new file (default: replace OLD.conf, "
                                 "which needs --force)")
        parser.add_argument("--force", action="store_true",
                            help="migrate despite unknown options or sections and options set "
                                 "twice (each reported: dropped, renamed to the closest known "
                                 "section, or the last value kept), and replace existing "
                                 "files (each is backed up first)")
        parser.add_argument("--dry-run", action="store_true",
                            help="print the report and the new file; write nothing")
        return parser

    def act(self, args):
        console = Console(highlight=False, soft_wrap=True)
        errors = Console(stderr=True, highlight=False, soft_wrap=True)
        m = migrate.build(Path(args.old))
        refused = bool(m.problems) and not args.force
        console.print(f"[bold]Migrating {escape(str(m.source))}[/bold] "
                      f"({m.era} era): {len(m.report)} option(s)")
        for line in m.report:
            style = "yellow" if line.new is None else "green"
            console.print(f"  [{style}]{'dropped' if line.new is None else 'carried'}"
                          f"[/{style}] {escape(line.text())}")
        for note in m.notes:
            console.print(f"  [cyan]note[/cyan]    {escape(note)}")
        level = "[bold red]ERROR[/bold red]" if refused else "[yellow]WARNING[/yellow]"
        for problem in m.problems:
            errors.print(f"{level} {escape(problem)}")
        if refused:
            n = len(m.problems)
            errors.print(f"{n} problem{'s' if n > 1 else ''}: the migration would lose or "
                         f"change what {m.source} says; nothing written. Correct it, or pass "
                         f"--force to migrate as each line says", markup=False)
            return 1
        for w in migrate.check(m):  # raises, naming the old file's line, if it would not load
            errors.print(f"[yellow]WARNING[/yellow] {escape(w)}")
        if args.dry_run:
            console.print(escape(m.conf_text(migrate.ENV_NAME if m.parameters else None)),
                          markup=True)
            return 0
        output = Path(args.output) if args.output else m.source
        written, backups = migrate.write(m, output, force=args.force)
        for p in written:
            console.print(f"wrote {escape(str(p))}")
        for b in backups:
            console.print(f"backup {escape(str(b))}")
        return 0


class ConfigDocs(UndercroftCommand):
    """Generate docs/undercloud-conf.md and docs/migration.md's option table from the code."""

    needs_config = False

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--output", "-o", metavar="DIR", default="docs",
                            help="the docs directory (default: ./docs)")
        parser.add_argument("--check", action="store_true",
                            help="write nothing; exit 1 if a generated file is stale")
        return parser

    def act(self, args):
        out = Path(args.output)
        if not (out / docs.MIGRATION).is_file():
            raise ConfigError(f"{out / docs.MIGRATION}: not found; --output must be the "
                              f"docs directory (it updates the table in migration.md)")
        try:
            wanted = docs.render(out)
        except ValueError as exc:
            raise ConfigError(str(exc))
        stale = [p for p, text in wanted.items() if not p.is_file() or p.read_text() != text]
        if args.check:
            for p in stale:
                print(f"stale: {p} (run 'undercroft config docs --output {out}')")
            return 1 if stale else 0
        for p in stale:
            p.write_text(wanted[p])
            print(f"wrote {p}")
        if not stale:
            print("docs are up to date")
        return 0
