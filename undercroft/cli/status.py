"""``status``: health of every deployed service, and whether its APIs answer."""
from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from undercroft.cli.base import UndercroftCommand
from undercroft.lifecycle import deployment, status
from undercroft.lifecycle.credentials import CA_FILE
from undercroft.lifecycle.probe import probe_in, reachable


def endpoint_status(dep) -> dict[str, list[status.EndpointStatus]]:
    """Public and internal URL of every catalog entry, probed from the clients' network."""
    wanted: dict[str, list[tuple[str, str]]] = {}
    for svc in (dep.catalog.services[n] for n in dep.services):
        for e in svc.keystone.services if svc.keystone else ():
            urls = dep.endpoints.urls(e)
            for interface in ("public", "internal"):
                wanted.setdefault(svc.name, []).append((interface, urls[interface]))
    ca = dep.settings.output_dir / CA_FILE
    results = probe_in(dep.settings.network_namespace,
                       sorted({u for pairs in wanted.values() for _, u in pairs}),
                       str(ca) if dep.tls and dep.tls.ca_pem and ca.exists() else None)
    return {name: [status.EndpointStatus(i, u, results.get(u, "?"), reachable(results.get(u, "")))
                   for i, u in pairs] for name, pairs in wanted.items()}


def _uptime(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    h, rest = divmod(seconds, 3600)
    return f"{h}h{rest // 60:02d}m" if h else f"{rest // 60}m{rest % 60:02d}s"


class Status(UndercroftCommand):
    """Show each service's containers (state, health, uptime, restarts, image) and
    whether its API endpoints answer; exits 1 if anything is unhealthy."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        parser.add_argument("--no-endpoints", action="store_true",
                            help="skip probing the API endpoints")
        return parser

    def act(self, args):
        dep = deployment.load(self.config_path(args), self.overrides(args))
        result = status.of_deployment(  # host processes of a baremetal one
            dep, deployment.runtime_for(dep.settings),
            None if args.no_endpoints else lambda: endpoint_status(dep))
        if args.json:
            print(json.dumps(status.as_dict(result), indent=2))
        else:
            table = Table(title=f"Undercroft deployment '{dep.settings.deployment_name}'")
            for col in ("service", "health", "containers", "endpoints"):
                table.add_column(col)
            for s in result:
                detail = "\n".join(
                    f"{c.name} {c.health}"
                    + (f" up {_uptime(c.uptime_s)}" if c.uptime_s is not None else "")
                    + (f" restarted {c.restarts}x" if c.restarts else "")
                    + f" {c.image.rsplit('/', 1)[-1]}" for c in s.containers)
                eps = "\n".join(f"{e.interface} {e.url} {e.result}" for e in s.endpoints)
                table.add_row(s.service, "healthy" if s.healthy else "UNHEALTHY", detail, eps)
            Console(highlight=False).print(table)
            n = sum(1 for s in result if s.healthy)
            print(f"{n}/{len(result)} services healthy")
        return 0 if all(s.healthy for s in result) else 1
