"""The OpenStack releases Undercroft deploys and the Debian suite that ships each.

Containers are built from the release's suite ([undercroft] release); a baremetal
undercloud installs its host's packages, so it runs the host's release.
"""
from __future__ import annotations

from pathlib import Path

SUITES = {"zed": "bookworm", "epoxy": "trixie"}
NAMES = {"zed": "OpenStack 2022.2 Zed from Debian 12 (bookworm)",
         "epoxy": "OpenStack 2025.1 Epoxy from Debian 13 (trixie)"}
DEFAULT = "epoxy"


def release_of_suite(suite: str) -> str | None:
    return next((r for r, s in SUITES.items() if s == suite), None)


def host_suite(os_release: Path = Path("/etc/os-release")) -> str:
    """This host's Debian suite (VERSION_CODENAME), "" if it does not say."""
    try:
        text = os_release.read_text()
    except OSError:
        return ""
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "VERSION_CODENAME":
            return value.strip().strip('"')
    return ""
