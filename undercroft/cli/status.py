"""``status``: health of every deployed service."""
from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from undercroft.cli.base import UndercroftCommand
from undercroft.lifecycle import deployment, status
from undercroft.runtime.podman import Podman


class Status(UndercroftCommand):
    """Show each service's containers, state and a fresh healthcheck result."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        return parser

    def act(self, args):
        dep = deployment.load(self.config_path(args), self.overrides(args))
        expected: dict[str, list[str]] = {}
        for c in dep.rendered.containers:
            expected.setdefault(c.desired.service, []).append(c.desired.name)
        result = status.collect(Podman(), dep.settings.deployment_name, expected)
        if args.json:
            print(json.dumps(status.as_dict(result), indent=2))
        else:
            table = Table(title=f"Undercroft deployment '{dep.settings.deployment_name}'")
            for col in ("service", "health", "containers"):
                table.add_column(col)
            for s in result:
                detail = ", ".join(f"{c.name} {c.health}" for c in s.containers)
                table.add_row(s.service, "healthy" if s.healthy else "UNHEALTHY", detail)
            Console(highlight=False).print(table)
            n = sum(1 for s in result if s.healthy)
            print(f"{n}/{len(result)} services healthy")
        return 0 if all(s.healthy for s in result) else 1
