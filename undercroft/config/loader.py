"""Read undercloud.conf with oslo.config and turn every mistake into a one-line error.

oslo.config silently ignores unknown options and raises only when a bad value is read;
we scan the file first (with oslo's own ini parser, which tracks line numbers) so a typo
is reported with its line and the closest valid name.
"""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from oslo_config import cfg, iniparser

from undercroft.config import options
from undercroft.errors import ConfigError


class _SyntaxCheck(iniparser.BaseParser):
    def new_section(self, section):
        pass

    def assignment(self, key, value):
        pass


_SECTION = re.compile(r"^\s*\[([^\]]+)\]")
_KEY = re.compile(r"^([A-Za-z0-9_.-]+)\s*[=:]")


def _scan(path: Path) -> list[tuple[str, str, int]]:
    """(section, key, line) of every assignment; oslo's parser checks the syntax first."""
    try:
        with open(path) as f:
            _SyntaxCheck().parse(f)
    except iniparser.ParseError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: {exc.msg}: {exc.line!r}; "
                          f"fix the syntax (key = value under a [section])")
    entries, section = [], None
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if m := _SECTION.match(line):
            section = m.group(1).strip()
        elif m := _KEY.match(line):
            if section is None:
                raise ConfigError(f"{path}:{n}: '{m.group(1)}' is set before any [section]; "
                                  f"put it under [DEFAULT]")
            entries.append((section, m.group(1), n))
    return entries


def _check_known(path: Path, entries) -> None:
    known = options.known_options()
    problems = []
    for section, key, line in entries:
        group = "undercroft" if section.lower() == "undercroft" else section
        if group not in known:
            hint = difflib.get_close_matches(section, list(known), n=1)
            problems.append(f"{path}:{line}: unknown section [{section}]"
                            + (f"; did you mean [{hint[0]}]?" if hint else ""))
            continue
        if key not in known[group]:
            hint = difflib.get_close_matches(key, sorted(known[group]), n=1, cutoff=0.6)
            fix = f"did you mean '{hint[0]}'?" if hint else "remove it or check the option reference"
            problems.append(f"{path}:{line}: unknown option '{key}' in [{section}]; {fix}")
    seen: dict[tuple[str, str], int] = {}
    for section, key, line in entries:
        k = (section.lower(), key)
        if k in seen:
            problems.append(f"{path}:{line}: option '{key}' in [{section}] is set twice "
                            f"(first on line {seen[k]}); keep one")
        seen.setdefault(k, line)
    if problems:
        raise ConfigError(problems[0], detail="\n".join(problems[1:]))


@dataclass(frozen=True)
class UndercloudConf:
    """The effective option values, plus the file they came from (None = defaults)."""

    path: Path | None
    conf: cfg.ConfigOpts
    lines: dict[tuple[str, str], int]

    def line_of(self, section: str, key: str) -> str:
        n = self.lines.get((section, key))
        return f"{self.path}:{n}" if n and self.path else str(self.path or "defaults")

    def get(self, name: str, group: str = "DEFAULT"):
        try:
            return self.conf[name] if group == "DEFAULT" else self.conf[group][name]
        except (cfg.ConfigFileValueError, ValueError) as exc:
            where = self.line_of(group, name)
            raise ConfigError(f"{where}: [{group}] {name}: invalid value ({_short(exc)}); "
                              f"see docs/undercloud-conf.md for the accepted values")


def _short(exc: Exception) -> str:
    text = str(exc)
    m = re.search(r"is not valid: (.*)$", text)
    return m.group(1) if m else text


def load(path: str | os.PathLike | None) -> UndercloudConf:
    """Load undercloud.conf (or defaults if ``path`` is None). Values are checked eagerly."""
    conf = cfg.ConfigOpts()
    options.register(conf)
    files: list[str] = []
    lines: dict[tuple[str, str], int] = {}
    p = None
    if path is not None:
        p = Path(path).expanduser().resolve()
        if not p.is_file():
            raise ConfigError(f"{p}: configuration file not found; pass --config PATH or create "
                              f"~/undercloud.conf (etc/undercloud.conf is a working example)")
        entries = _scan(p)
        _check_known(p, entries)
        lines = {(("undercroft" if s.lower() == "undercroft" else s), k): n for s, k, n in entries}
        files = [str(p)]
    conf(args=[], project="undercroft", default_config_files=files,
         default_config_dirs=[], use_env=False)
    uc = UndercloudConf(p, conf, lines)
    for opt in options.DEFAULT_OPTS:
        uc.get(opt.dest)
    for opt in options.UNDERCROFT_OPTS:
        uc.get(opt.dest, "undercroft")
    return uc
