"""An old undercloud.conf as ``config migrate`` reads it, and what it must not lose.

oslo.config (and so tripleoclient) silently ignores an unknown section or option and
keeps the last of two values; a migration that did the same would drop an operator's
setting without a word. Here every such case becomes a ``Problem`` naming the file and
line: migrate refuses to write unless ``--force``, and then does what the problem says
(a misspelled section is renamed to the closest known one, an unknown option dropped,
the last of two values kept). The names and did-you-mean come from the loader's checks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from undercroft.config import loader, options


@dataclass(frozen=True)
class Entry:
    """One assignment. ``group`` is the section it belongs to (a misspelled section's
    closest known name), None when the section is unknown."""

    section: str
    group: str | None
    key: str
    line: int
    value: str

    @property
    def label(self) -> str:
        return f"[{self.section}] {self.key}"

    @property
    def shown(self) -> str:
        """The value as the report prints it (passwords masked)."""
        secret = self.group == "auth" or any(w in self.key for w in ("password", "secret",
                                                                       "otp", "token"))
        return "(secret)" if secret and self.value else self.value


@dataclass(frozen=True)
class Problem:
    """Information the migration would lose or change: refused unless --force."""

    line: int
    message: str            # "<file>:<line>: ... (--force <what it does>)"


@dataclass
class OldFile:
    path: Path
    entries: list[Entry]
    subnets: list[str]
    local_subnet: str
    problems: list[Problem] = field(default_factory=list)
    dropped: dict[int, str] = field(default_factory=dict)   # line -> why (unknown, superseded)

    def value(self, group: str, key: str) -> str | None:
        """The value oslo.config uses (the last one), None when unset."""
        found = [e.value for e in self.entries if e.group == group and e.key == key]
        return found[-1] if found else None

    def line(self, group: str, key: str) -> int | None:
        found = [e.line for e in self.entries if e.group == group and e.key == key]
        return found[-1] if found else None


def read(path: str | Path) -> OldFile:
    """Parse ``path`` (refusing what no migration can carry: bad syntax, a value
    continued on an indented line, an unreadable file) and list its problems."""
    p = loader.check_file(path, option="")
    found = loader.assignments(p)
    written = [(s, k, n) for s, k, n, _ in found]
    subnets, local = loader.subnet_names(p, {k: n for s, k, n in written if s == "DEFAULT"})
    sections = [u for u in loader.unknown_names(written, subnets, local) if u.key is None]
    renamed = {u.section: u.hint for u in sections if u.hint}
    resolved = [(renamed.get(s, s), k, n) for s, k, n in written]
    unknown = loader.unknown_names(resolved, subnets, local)
    lost = {u.section for u in unknown if u.key is None}
    groups = ["DEFAULT", "undercroft", "auth", *subnets]
    entries = [Entry(s, None if r in lost else loader.canonical(r, groups), k, n, v)
               for (s, k, n, v), (r, _, _) in zip(found, resolved)]
    old = OldFile(p, entries, subnets, local)
    at = {e.line: e for e in entries}
    for u in sections:
        if u.hint:
            old.problems.append(Problem(u.line, f"{p}:{u.line}: {u.message} (--force "
                                                f"migrates it as [{u.hint}])"))
    for u in unknown:
        if u.key is None:
            lines = [e.line for e in entries if e.section == u.section]
            old.problems.append(Problem(u.line, f"{p}:{u.line}: {u.message} (--force drops "
                                                f"its {len(lines)} option(s))"))
            old.dropped.update({n: u.message for n in lines})
        else:
            old.problems.append(Problem(u.line, f"{p}:{u.line}: {u.message} (--force drops "
                                                f"it)"))
            old.dropped[u.line] = u.message
    known = [(r, k, n) for r, k, n in resolved if at[n].group and n not in old.dropped]
    for _, key, first, line in loader.duplicates(known):
        a, b = at[first], at[line]
        if a.value != b.value:
            old.problems.append(Problem(line, (
                f"{p}:{line}: option '{key}' in [{b.section}] is set twice: line {first} = "
                f"{a.shown}, line {line} = {b.shown}; keep one (--force keeps the last, as "
                f"oslo.config did)")))
    for r, key, line in known:
        last = old.line(at[line].group or "", key)  # known: every entry has a group
        if last != line:
            old.dropped[line] = f"set again on line {last}, which wins (as in oslo.config)"
    old.problems.sort(key=lambda pr: pr.line)
    return old


def instack_era(old: OldFile) -> bool:
    """Whether the file was written for instack-undercloud (its options or [auth])."""
    names = set(options.SUBNET_DEPRECATED_DEFAULT) | {o.dest for o in options.INSTACK_OPTS}
    names |= {"discovery_interface", "discovery_runbench", "ipxe_deploy"}
    return any(e.group == "auth" or (e.group == "DEFAULT" and e.key in names)
               for e in old.entries)
