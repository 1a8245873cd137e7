"""Shared command behaviour: config options, one-message errors, no auth for OSC."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from cliff.command import Command
from rich.console import Console
from rich.markup import escape

from undercroft.errors import UndercroftError
from undercroft.redact import redact
from undercroft.report import Reporter
from undercroft.state import StateDir

DEFAULT_CONFIG = Path("~/undercloud.conf").expanduser()


def print_error(err: UndercroftError) -> None:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(f"[bold red]ERROR[/bold red] {escape(redact(err.message))}", markup=True)
    if err.detail:
        console.print(redact(err.detail), markup=False)
    if err.hint:
        console.print(f"hint: {redact(err.hint)}", markup=False)


class UndercroftCommand(Command):
    """Base: ``--config``/``--netns`` options and operator-friendly failures."""

    auth_required = False  # python-openstackclient: do not authenticate for these commands
    needs_config = True
    refused = False  # set by cli/deploy.py:preview: install would refuse the configuration

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        if self.needs_config:
            parser.add_argument("--config", "-c", metavar="PATH",
                                help="undercloud.conf to use (default: ~/undercloud.conf if it "
                                     "exists, else built-in defaults)")
            parser.add_argument("--netns", metavar="NAME",
                                help="run services in this network namespace "
                                     "(overrides [undercroft] network_namespace)")
        return parser

    def config_path(self, args):
        if getattr(args, "config", None):
            return args.config
        return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None

    def overrides(self, args) -> dict:
        out: dict = {"network_namespace": args.netns} if getattr(args, "netns", None) else {}
        if getattr(args, "baremetal", False):
            out["baremetal"] = True
        return out

    def take_action(self, parsed_args):
        try:
            return self.act(parsed_args) or 0
        except UndercroftError as err:
            print_error(err)
            return 1
        except KeyboardInterrupt:
            print("interrupted; re-run the same command to continue", file=sys.stderr)
            return 130

    def act(self, parsed_args):  # pragma: no cover - abstract
        raise NotImplementedError



def event_reporter(state: StateDir, command: str) -> Reporter:
    """A progress reporter that also keeps this run's event log in the state dir."""
    return Reporter(event_log=state.event_log(command, time.strftime("%Y%m%d-%H%M%S")))
