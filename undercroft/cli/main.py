"""``undercroft`` console script (cliff)."""
from __future__ import annotations

import sys

from cliff.app import App
from cliff.commandmanager import CommandManager

from undercroft import __version__


class UndercroftApp(App):
    def __init__(self):
        super().__init__(
            description="Deploy an OpenStack undercloud from undercloud.conf into podman "
                        "containers built locally from Debian packages.",
            version=__version__,
            command_manager=CommandManager("undercroft.cli"),
            deferred_help=True,
        )


def main(argv=None) -> int:
    return UndercroftApp().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
