"""The error lines a service wrote to its own log file.

OpenStack services log to files under /var/log/<service> (bind-mounted from the host's
log dir), so a crashing nova-scheduler leaves only import warnings in the container log.
On failure the report quotes the ERROR/CRITICAL lines the service wrote since it started.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from undercroft.plan.model import mounts

LOG_MOUNT = "/var/log/"
# oslo.log's default format: "2026-11-26 09:23:17.223 1 ERROR nova <message>"
SEVERE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
NOISE = re.compile(r"(ERROR|CRITICAL) \S+(\s+(File |\^|\s|Traceback|During handling)|\s*$)")
READ_BYTES = 256 * 1024


def host_log_dirs(volumes: Iterable[str]) -> list[Path]:
    """Host sides of the volumes mounted under /var/log in the container."""
    return [Path(host) for host, path in mounts(volumes)
            if path.startswith(LOG_MOUNT) and host.startswith("/")]


def _tail_bytes(path: Path) -> str:
    with path.open("rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - READ_BYTES))
        return f.read().decode("utf-8", "replace")


def _norm(name: str) -> str:
    return name.replace("_", "-").lower()


def _belongs(path: Path, container: str) -> bool:
    """nova-scheduler.log is (uce2e-)nova_scheduler's; nova-api-wsgi.log is nova_api's."""
    stem, name = _norm(path.name.split(".log")[0]), _norm(container)
    parts = name.split("-")
    suffixes = ["-".join(parts[i:]) for i in range(len(parts)) if len(parts[i:]) > 1 or i == 0]
    return stem in name or any(s in stem for s in suffixes)


def recent_errors(volumes: Iterable[str], container: str, since: float,
                  limit: int = 8) -> tuple[Path | None, list[str]]:
    """The log file of ``container`` written after ``since`` (epoch seconds), and its last ``limit`` ERROR/CRITICAL
    lines; the last CRITICAL line (what killed it) is always among them."""
    files = [p for d in host_log_dirs(volumes) if d.is_dir()
             for p in d.iterdir() if p.is_file() and p.stat().st_mtime >= since]
    mine = [p for p in files if _belongs(p, container)]
    for path in sorted(mine, key=lambda p: p.stat().st_mtime, reverse=True):
        severe = [(ln, m.group(1)) for ln in _tail_bytes(path).splitlines()
                  if (m := SEVERE.match(ln))]
        if not severe:
            continue
        lines = [ln for ln, _ in severe]
        critical = [ln for ln, level in severe if level == "CRITICAL"]
        # traceback frames and blank lines repeat the ERROR prefix; keep the messages
        messages = [ln for ln in lines if not NOISE.search(ln)]
        picked = (messages or lines)[-limit:]
        if critical and critical[-1] not in picked:
            picked = picked[1:] + [critical[-1]]
        return path, picked
    return None, []
