"""Row counts of every table in the service databases: what an upgrade must not lose.

Counted with the mariadb client as root over the server's unix socket (``mysql_exec``
is the argv prefix that runs a client beside it: ``podman exec <mysql>``, or nothing
on a baremetal host), so no password is on any command line.
"""
from __future__ import annotations

import subprocess

from undercroft.errors import DeployError


def _sql(mysql_exec: tuple[str, ...], query: str) -> list[list[str]]:
    proc = subprocess.run([*mysql_exec, "mysql", "-N", "-B", "-e", query],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise DeployError(f"counting rows ({' '.join(mysql_exec) or 'host'} mysql) failed "
                          f"(exit {proc.returncode})", detail=proc.stderr.strip()[-1500:])
    return [line.split("\t") for line in proc.stdout.splitlines() if line.strip()]


def row_counts(mysql_exec: tuple[str, ...], databases: tuple[str, ...]) -> dict[str, int]:
    """{"db.table": rows} for every base table of ``databases`` that exist."""
    if not databases:
        return {}
    names = ", ".join(f"'{d}'" for d in databases)
    tables = _sql(mysql_exec, "SELECT table_schema, table_name FROM information_schema.tables "
                              f"WHERE table_type = 'BASE TABLE' AND table_schema IN ({names}) "
                              "ORDER BY 1, 2")
    if not tables:
        return {}
    query = " UNION ALL ".join(f"SELECT '{db}.{t}', COUNT(*) FROM `{db}`.`{t}`" for db, t in tables)
    return {key: int(n) for key, n in _sql(mysql_exec, query)}


def compare(before: dict[str, int], after: dict[str, int]) -> tuple[list[str], list[str]]:
    """(lost, grew): one line per table with fewer rows (or gone) after, and per table
    with more. Running services add rows on their own (a nova-compute registering its
    node, keystone keeping password history); only fewer rows means data was lost."""
    lost: list[str] = []
    grew: list[str] = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if b == a:
            continue
        line = f"{key}: {'-' if b is None else b} -> {'-' if a is None else a}"
        (lost if a is None or (b is not None and a < b) else grew).append(line)
    return lost, grew
