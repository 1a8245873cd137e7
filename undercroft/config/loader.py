"""Read undercloud.conf with oslo.config and turn every mistake into a one-line error.

oslo.config silently ignores unknown options and raises only when a bad value is read;
we scan the file first (with oslo's own ini parser, which tracks line numbers) so a typo
is reported with its line and the closest valid name. Deprecated names and options that
have no effect here are accepted; each gives a warning in ``UndercloudConf.warnings``,
which the commands print.
"""
from __future__ import annotations

import contextlib
import difflib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from oslo_config import cfg, iniparser

from undercroft.config import options
from undercroft.errors import ConfigError


class _Assignments(iniparser.BaseParser):
    """Every assignment as oslo.config reads it: (section, key, line, value lines)."""

    def __init__(self):
        super().__init__()
        self.section: str | None = None
        self.found: list[tuple[str | None, str, int, list[str]]] = []
        self._line = 0

    def new_section(self, section):
        self.section = section

    def _split_key_value(self, line):
        # oslo reports an assignment only once its value has ended; remember where it began
        self._line = self.lineno
        return super()._split_key_value(line)

    def assignment(self, key, value):
        self.found.append((self.section, key, self._line, value))


def assignments(path: Path) -> list[tuple[str, str, int, str]]:
    """(section, key, line, value) of every assignment, in file order, parsed by oslo's own
    ini parser (quotes removed as oslo.config does). A value continued on an indented line
    is refused: oslo.config would join the lines into one value, which would then land
    verbatim in a rendered file (a dnsmasq option, a line of neutron.conf)."""
    parser = _Assignments()
    try:
        with open(path) as f:
            parser.parse(f)
    except iniparser.ParseError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: {exc.msg}: {exc.line!r}; "
                          f"fix the syntax (key = value under a [section])")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file (undecodable bytes); "
                          f"undercloud.conf must be UTF-8 text")
    out, continued = [], []
    for section, key, line, value in parser.found:
        if section is None:
            raise ConfigError(f"{path}:{line}: '{key}' is set before any [section]; "
                              f"put it under [DEFAULT]")
        continued += [
            f"{path}:{line + i}: this indented line continues the value of '{key}' (line "
            f"{line}): every undercloud.conf value is one line; remove the indentation "
            f"if it is an option of its own, or the line" for i in range(1, len(value))]
        out.append((section, key, line, "\n".join(value)))
    if continued:
        raise ConfigError(continued[0], detail="\n".join(continued[1:]))
    return out


def scan(path: Path) -> list[tuple[str, str, int]]:
    """(section, key, line) of every assignment (see ``assignments``)."""
    return [(section, key, line) for section, key, line, _ in assignments(path)]


def check_file(path: str | os.PathLike, option: str = "--config") -> Path:
    """The absolute path of a readable undercloud.conf, or one ConfigError saying what
    is wrong with the path (oslo.config would say "not found" or raise Errno 13).
    ``option`` is how the command takes the path ("" for a positional argument)."""
    p = Path(path).expanduser().resolve()
    give = f"{option} " if option else ""
    if not p.is_file():
        if p.is_dir():
            raise ConfigError(f"{p}: is a directory; pass the undercloud.conf file itself "
                              f"({give}{p}/undercloud.conf?)")
        raise ConfigError(f"{p}: configuration file not found; " + (
            f"pass {option} PATH or create ~/undercloud.conf (etc/undercloud.conf is a "
            f"working example)" if option else "give the path of an existing undercloud.conf"))
    if not os.access(p, os.R_OK):
        raise ConfigError(f"{p}: not readable by this user; install runs as root, or "
                          f"fix the file's permissions")
    if p.read_bytes().startswith(b"\xef\xbb\xbf"):
        raise ConfigError(f"{p}:1: the file starts with a UTF-8 byte-order mark, which "
                          f"oslo.config cannot read; save it without one "
                          f"(sed -i '1s/^\\xEF\\xBB\\xBF//' {p})")
    return p


@contextlib.contextmanager
def _quiet_oslo():
    """oslo.config logs its own deprecation notices; ours (with file:line) replace them."""
    log = logging.getLogger("oslo_config.cfg")
    was = log.disabled
    log.disabled = True
    try:
        yield
    finally:
        log.disabled = was


def canonical(section: str, groups: list[str]) -> str | None:
    """The registered group a file section belongs to (group names match case-insensitively,
    as in oslo.config); None if there is none."""
    if section == "DEFAULT":
        return "DEFAULT"
    for g in groups:
        if g != "DEFAULT" and g.lower() == section.lower():
            return g
    return None


@dataclass(frozen=True)
class Unknown:
    """A section or option that oslo.config would silently ignore.

    ``key`` is None for a whole section (reported once, on its first option's line);
    ``hint`` is the closest known name, if any; ``message`` says it, without the path.
    """

    section: str
    key: str | None
    line: int
    hint: str | None
    message: str


def unknown_names(entries, subnets: list[str], local_subnet: str) -> list[Unknown]:
    """Every unknown section and option of ``entries`` (section, key, line), with the
    closest known name (difflib), in file order. Shared by load and config migrate."""
    known = options.known_options(subnets, local_subnet)
    groups = list(known)
    subnet_keys = set(options.SUBNET_OPTION_NAMES)
    found: list[Unknown] = []
    reported: set[str] = set()  # an unknown section is one problem, not one per option
    for section, key, line in entries:
        group = canonical(section, groups)
        if group is None:
            if section in reported:
                continue
            reported.add(section)
            hint = difflib.get_close_matches(section, [g for g in groups if g != "auth"], n=1)
            if hint:
                text = f"unknown section [{section}]; did you mean [{hint[0]}]?"
            elif key in subnet_keys:
                text = (f"section [{section}] is not listed in subnets (subnets = "
                        f"{','.join(subnets)}); add '{section}' to subnets in [DEFAULT] or "
                        f"remove the section")
            else:
                text = f"unknown section [{section}]"
            found.append(Unknown(section, None, line, hint[0] if hint else None, text))
            continue
        if key not in known[group]:
            hint = difflib.get_close_matches(key, sorted(known[group]), n=1, cutoff=0.6)
            fix = f"did you mean '{hint[0]}'?" if hint else "remove it or check the option reference"
            where = ("a subnet option belongs in a subnet section"
                     if group == "DEFAULT" and key in subnet_keys else fix)
            found.append(Unknown(section, key, line, hint[0] if hint else None,
                                 f"unknown option '{key}' in [{section}]; {where}"))
    return found


def duplicates(entries) -> list[tuple[str, str, int, int]]:
    """(section, key, first line, line) for every option set again in the same section."""
    seen: dict[tuple[str, str], int] = {}
    found = []
    for section, key, line in entries:
        k = (section.lower(), key)
        if k in seen:
            found.append((section, key, seen[k], line))
        seen.setdefault(k, line)
    return found


def _check_known(path: Path, entries, subnets: list[str], local_subnet: str) -> None:
    problems = [f"{path}:{u.line}: {u.message}"
                for u in unknown_names(entries, subnets, local_subnet)]
    problems += [f"{path}:{line}: option '{key}' in [{section}] is set twice (first on line "
                 f"{first}); keep one" for section, key, first, line in duplicates(entries)]
    if problems:
        raise ConfigError(problems[0], detail="\n".join(problems[1:]))


@dataclass(frozen=True)
class UndercloudConf:
    """The effective option values, plus the file they came from (None = defaults).

    ``lines`` maps (group, option) to the line that set it, also when the file used a
    deprecated name. ``warnings`` holds one sentence per deprecated name or option
    without effect; the commands print them.
    """

    path: Path | None
    conf: cfg.ConfigOpts
    lines: dict[tuple[str, str], int]
    subnets: tuple[str, ...] = (options.LOCAL_SUBNET_DEFAULT,)
    local_subnet: str = options.LOCAL_SUBNET_DEFAULT
    warnings: list[str] = field(default_factory=list)

    def line_of(self, section: str, key: str) -> str:
        n = self.lines.get((section, key))
        return f"{self.path}:{n}" if n and self.path else str(self.path or "defaults")

    def is_set(self, section: str, key: str) -> bool:
        """Whether the file sets this option (under its name or a deprecated one)."""
        return (section, key) in self.lines

    def get(self, name: str, group: str = "DEFAULT"):
        try:
            with _quiet_oslo():
                return self.conf[name] if group == "DEFAULT" else self.conf[group][name]
        except (cfg.ConfigFileValueError, ValueError) as exc:
            where = self.line_of(group, name)
            raise ConfigError(f"{where}: [{group}] {name}: invalid value ({_short(exc)}); "
                              f"see docs/undercloud-conf.md for the accepted values")


# oslo.config's and Python's wording of a bad value -> ours (what is wrong, what to write)
_WORDING = (
    (r"invalid literal for int\(\) with base 10: (.*)$", "expected a whole number, got {0}"),
    (r"Should be greater than or equal to (\S+)$", "must be {0} or more"),
    (r"Should be less than or equal to (\S+)$", "must be {0} or less"),
    (r"Valid values are \[(.*)\], but found (.*)$", "{1} is not one of {0}"),
    (r"Unexpected boolean value (.*)$",
     "{0} is not a boolean; write true or false (yes/no, on/off and 1/0 work too)"),
    (r'Value should start with "\["$',
     "expected a list in brackets, e.g. [{{destination: 10.10.10.0/24, nexthop: "
     "192.168.24.1}}]"),
)


def _short(exc: Exception) -> str:
    text = str(exc)
    m = re.search(r"is not valid: (.*)$", text)
    text = m.group(1) if m else text
    for pattern, wording in _WORDING:
        if found := re.search(pattern, text):
            return wording.format(*found.groups())
    return text


def subnet_names(p: Path, lines: dict) -> tuple[list[str], str]:
    """Read ``subnets``/``local_subnet`` first: they decide which sections exist."""
    probe = cfg.ConfigOpts()
    probe.register_opts([o for o in options.DEFAULT_OPTS if o.dest in ("subnets", "local_subnet")])
    probe(args=[], project="undercroft", default_config_files=[str(p)],
          default_config_dirs=[], use_env=False)
    subnets = [s for s in probe.subnets if s]
    local = probe.local_subnet
    where = lambda key: f"{p}:{lines.get(key, '?')}"  # noqa: E731
    if not subnets:
        raise ConfigError(f"{where('subnets')}: subnets is empty; list at least the local "
                          f"subnet (default: ctlplane-subnet)")
    bad = [s for s in subnets if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", s)
           or s.lower() in ("default", "undercroft", "auth")]
    if bad:
        raise ConfigError(f"{where('subnets')}: subnets = {','.join(subnets)}: '{bad[0]}' is "
                          f"not a usable section name; use letters, digits, '-', '_' or '.'")
    dup = sorted({s for s in subnets if [x.lower() for x in subnets].count(s.lower()) > 1})
    if dup:
        raise ConfigError(f"{where('subnets')}: subnets = {','.join(subnets)}: '{dup[0]}' is "
                          f"listed twice; list each subnet once")
    if local not in subnets:
        hint = difflib.get_close_matches(local, subnets, n=1)
        raise ConfigError(
            f"{where('local_subnet') if 'local_subnet' in lines else where('subnets')}: "
            f"local_subnet = {local} is not in subnets ({','.join(subnets)}); "
            + (f"did you mean '{hint[0]}'?" if hint else "add it to subnets"))
    return subnets, local


def _warnings(uc: UndercloudConf, entries, subnets, local) -> list[str]:
    """Deprecated names used, and options set that have no effect here."""
    out: list[str] = []
    p = uc.path
    by_dest: dict[tuple[str | None, str], tuple[str, str]] = {}
    for group, opts in [("DEFAULT", options.DEFAULT_OPTS)] + \
            [(s, options.subnet_opts(local=s == local)) for s in subnets]:
        for opt in opts:
            for dgroup, old in options.deprecated_names(opt):
                by_dest[(dgroup or group, old)] = (group, opt.dest)
    groups = ["DEFAULT", "undercroft", "auth", *subnets]
    auth_lines = []
    for section, key, line in entries:
        group = canonical(section, groups)
        if group is None:  # an unknown section: refused by _check_known already
            continue
        if group == "auth":
            auth_lines.append(line)
            continue
        if (group, key) in by_dest and key not in _current_names(group, subnets, local):
            new_group, new = by_dest[(group, key)]
            target = new if new_group == "DEFAULT" else f"[{new_group}] {new}"
            if uc.lines.get((new_group, new)) != line:
                out.append(f"{p}:{line}: '{key}' is deprecated and ignored because {target} "
                           f"is also set; remove '{key}'")
            else:
                out.append(f"{p}:{line}: '{key}' is deprecated; its value is used for {target}. "
                           f"Rename it (undercroft config migrate does this)")
    if auth_lines:
        out.append(f"{p}:{auth_lines[0]}: the [auth] section (instack-undercloud) is ignored: "
                   f"{options.AUTH_MEANING.ignored}")
    for group, opts in [("DEFAULT", options.DEFAULT_OPTS + options.INSTACK_OPTS)] + \
            [(s, options.subnet_opts(local=s == local)) for s in subnets]:
        for opt in opts:
            m = options.meaning(group, opt.dest)
            if not uc.is_set(group, opt.dest) or not (m.ignored or m.planned):
                continue
            value = uc.get(opt.dest, group)
            if value == opt.default or (opt.default is None and value in ("", [], None)):
                continue
            where = uc.line_of(group, opt.dest)
            if m.ignored:
                out.append(f"{where}: {opt.dest} has no effect in Undercroft: {m.ignored}")
            else:
                out.append(f"{where}: {opt.dest} is accepted but has no effect yet: "
                           f"{m.planned}")
    if uc.is_set("DEFAULT", "masquerade_network"):
        out.append(f"{uc.line_of('DEFAULT', 'masquerade_network')}: 'masquerade_network' "
                   f"(instack-undercloud) is deprecated; it sets masquerade = true in the "
                   f"subnet with that cidr. Set that instead (undercroft config migrate does "
                   f"this)")
    return out


def _current_names(group: str, subnets, local) -> set[str]:
    if group == "DEFAULT":
        return {o.dest for o in options.DEFAULT_OPTS + options.INSTACK_OPTS}
    return set(options.SUBNET_OPTION_NAMES)


def load(path: str | os.PathLike | None) -> UndercloudConf:
    """Load undercloud.conf (or defaults if ``path`` is None). Values are checked eagerly."""
    conf = cfg.ConfigOpts()
    files: list[str] = []
    lines: dict[tuple[str, str], int] = {}
    subnets, local = [options.LOCAL_SUBNET_DEFAULT], options.LOCAL_SUBNET_DEFAULT
    entries: list[tuple[str, str, int]] = []
    p = None
    if path is not None:
        p = check_file(path)
        entries = scan(p)
        default_lines = {k: n for s, k, n in entries if s == "DEFAULT"}
        subnets, local = subnet_names(p, default_lines)
        _check_known(p, entries, subnets, local)
        groups = ["DEFAULT", "undercroft", "auth", *subnets]
        lines = {(g, k): n for s, k, n in entries  # unknown sections were refused above
                 if (g := canonical(s, groups)) is not None}
        _map_deprecated_lines(lines, subnets, local)
        _check_subnet_sections(p, entries, subnets, local, default_lines)
        files = [str(p)]
    options.register(conf, subnets, local)
    conf(args=[], project="undercroft", default_config_files=files,
         default_config_dirs=[], use_env=False)
    uc = UndercloudConf(p, conf, lines, tuple(subnets), local)
    for opt in options.DEFAULT_OPTS + options.INSTACK_OPTS:
        uc.get(opt.dest)
    for opt in options.UNDERCROFT_OPTS:
        uc.get(opt.dest, "undercroft")
    for opt in options.AUTH_OPTS:
        uc.get(opt.dest, "auth")
    for s in subnets:
        for name in options.SUBNET_OPTION_NAMES:
            uc.get(name, s)
    if p is not None:
        uc.warnings.extend(sorted(_warnings(uc, entries, subnets, local), key=_line_number))
    return uc


def _line_number(warning: str) -> int:
    """Warnings in file order (those without a line last)."""
    m = re.match(r"[^:]*:(\d+): ", warning)
    return int(m.group(1)) if m else 10 ** 6


def _map_deprecated_lines(lines: dict, subnets: list[str], local: str) -> None:
    """Give the new name the line of a deprecated name when only the old one is set."""
    for opt in options.DEFAULT_OPTS:
        for dgroup, old in options.deprecated_names(opt):
            if ("DEFAULT", old) in lines and ("DEFAULT", opt.dest) not in lines:
                lines[("DEFAULT", opt.dest)] = lines[("DEFAULT", old)]
    for old, new in options.SUBNET_DEPRECATED_DEFAULT.items():
        if ("DEFAULT", old) in lines and (local, new) not in lines:
            lines[(local, new)] = lines[("DEFAULT", old)]


def _check_subnet_sections(p: Path, entries, subnets, local, default_lines) -> None:
    """Every listed subnet but the local one needs its own section: with Rocky's defaults
    a second subnet would silently reuse the local subnet's addresses."""
    present = {s.lower() for s, _, _ in entries}
    missing = [s for s in subnets if s != local and s.lower() not in present]
    if missing:
        raise ConfigError(
            f"{p}:{default_lines.get('subnets', '?')}: subnets lists '{missing[0]}' but the file "
            f"has no [{missing[0]}] section (or it is empty); add one with at least cidr, dhcp_start, dhcp_end, "
            f"inspection_iprange and gateway")
