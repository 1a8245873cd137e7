"""Taking over an undercloud Undercroft did not install: Debian packages installed the
ordinary way, services run by the init system, secrets only in their config files.

Before anything is rendered, the secrets that stored data or clients depend on are
read from the host's configuration and put into the passwords file (values already
there win), so they are carried over, not generated. Which ones is the templates'
data, ``baremetal.takeover`` (model/schema.py ``Takeover``); this module reads them:

- key repositories (keystone's fernet and credential keys): the staged key ``0`` and
  the primary (highest);
- ini options (heat's ``auth_encryption_key``, swift's ``swift_hash_path_suffix`` and
  its keystone password), and options that refuse the takeover when set (swift's hash
  path prefix, which has no parameter here);
- the password of URLs in any ``/etc/*/*.conf`` (rabbitmq's, in ``transport_url``);
- whole files (the Erlang cookie);
- each service's database password (its template's ``databases``), from the
  ``connection`` URL naming that database (nova's cell mappings keep those URLs).

Then, per service in step order, its init services (the template's
``baremetal.init_services``) are stopped and disabled just before its containers start
over the same data (lifecycle/upgrade.py). ``<state_dir>/takeover.json`` records which,
so a resumed run skips them and ``--rollback`` enables and starts them again. Before
that, the rollback gives the data directories the containers used in place back to the
host's users (``give_back``): the images' ``mysql`` or ``rabbitmq`` user need not have the
host's uid, and the containers' start-up chowned those directories to theirs.
"""
from __future__ import annotations

import configparser
import grp
import json
import os
import pwd
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

from undercroft.config import passwords
from undercroft.errors import DeployError
from undercroft.fileio import write_atomic
from undercroft.model.schema import Takeover
from undercroft.plan.model import mounts
from undercroft.state import StateDir


@dataclass
class Found:
    values: dict[str, str] = field(default_factory=dict)  # parameter -> secret
    sources: dict[str, str] = field(default_factory=dict)  # parameter -> where (no value)
    notes: list[str] = field(default_factory=list)


def _ini(path: Path) -> configparser.RawConfigParser | None:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(path.read_text(errors="replace"), source=str(path))
    except (OSError, configparser.Error):
        return None
    return parser


def _get(parser, section: str, key: str) -> str:
    if section == "DEFAULT":
        return parser.defaults().get(key, "").strip()
    return parser.get(section, key, fallback="").strip() if parser.has_section(section) else ""


def _keys(directory: Path) -> tuple[str, str, int] | None:
    """(staged, primary, secondaries left out) of a keystone key repository."""
    try:
        numbered = sorted((int(p.name), p) for p in directory.iterdir() if p.name.isdigit())
    except OSError:
        return None
    if not numbered or numbered[0][0] != 0 or len(numbered) < 2:
        return None
    return (numbered[0][1].read_text().strip(), numbered[-1][1].read_text().strip(),
            len(numbered) - 2)


def _url_password(url: str, etc: Path = Path("/etc")) -> tuple[str, str, str] | None:
    """(user, password, database or vhost) of a connection or transport URL; a password
    kept in the client option file the URL names (``read_default_file``, as Undercroft
    renders them) is read from there, under ``etc``."""
    try:
        parts = urlsplit(url.split(",")[0])
    except ValueError:
        return None
    password = unquote(parts.password) if parts.password else _option_file_password(parts.query, etc)
    if not password:
        return None
    return unquote(parts.username or ""), password, parts.path.lstrip("/")


def _option_file_password(query: str, etc: Path) -> str | None:
    """The [client] (or read_default_group) password, read as PyMySQL reads it."""
    args = dict(parse_qsl(query))
    path = args.get("read_default_file", "")
    if not path.startswith("/etc/"):
        return None
    parser = _ini(etc / path[len("/etc/"):])
    if parser is None:
        return None
    value = _get(parser, args.get("read_default_group", "client"), "password")
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" else value or None


def read_host(root: Path, databases: Iterable[tuple[str, str]],
              takeovers: Iterable[Takeover]) -> Found:
    """What the host under ``root`` (``/``; its config files in ``root/etc``) holds of
    the secrets ``takeovers`` name: the templates' ``baremetal.takeover`` of the services
    taken over (and of those read even when left alone). ``databases`` are (database,
    parameter) pairs from the enabled services' templates, whose passwords are found in
    the ``connection`` URLs of ``/etc/*/*.conf``. An option a template refuses raises
    DeployError before anything is read."""
    takeovers = list(takeovers)
    found = Found()
    etc = root / "etc"

    def host(path: str) -> Path:
        return root / path.lstrip("/")

    def take(param: str, value: str, where: str) -> None:
        if value and param not in found.values:
            found.values[param] = value
            found.sources[param] = where

    for t in takeovers:
        for refused in t.refuse:
            parser = _ini(host(refused.file))
            if parser and _get(parser, refused.section, refused.key):
                raise DeployError(f"{host(refused.file)} sets {refused.key}: {refused.why}",
                                  hint=refused.hint)
    for t in takeovers:
        for repo in t.key_repositories:
            directory = host(repo.path)
            keys = _keys(directory)
            if keys:
                take(repo.staged, keys[0], f"{directory}/0 (staged)")
                take(repo.primary, keys[1], f"{directory} (primary)")
                if keys[2]:
                    found.notes.append(f"{directory}: {keys[2]} secondary key(s) not carried "
                                       f"over (only what they encrypted before the last "
                                       f"rotation)")
        for option in t.options:
            parser = _ini(host(option.file))
            if parser:
                take(option.parameter, _get(parser, option.section, option.key),
                     f"{host(option.file)} [{option.section}] {option.key}")

    by_database = dict(databases)
    urls = [u for t in takeovers for u in t.urls]
    url_options = ["connection", *dict.fromkeys(u.option for u in urls)]
    for conf in sorted(etc.glob("*/*.conf")):
        parser = _ini(conf)
        if parser is None:
            continue
        for section in ["DEFAULT", *parser.sections()]:
            for key in url_options:
                url = _get(parser, section, key)
                parsed = _url_password(url, etc) if "://" in url else None
                if not parsed:
                    continue
                for u in urls:
                    if key == u.option and url.startswith(u.scheme):
                        take(u.parameter, parsed[1], f"{conf} [{section}] {key}")
                if key == "connection" and url.startswith("mysql"):
                    db = parsed[2].split("?")[0]
                    if db in by_database:
                        take(by_database[db], parsed[1], f"{conf} [{section}] connection ({db})")
    for t in takeovers:
        for secret in t.files:
            try:
                path = host(secret.path)
                take(secret.parameter, path.read_text().strip(), str(path))
            except OSError:
                pass
    return found


def import_secrets(passwords_file: Path, found: Found) -> list[str]:
    """Add what was found to the passwords file (0600); values already there win.
    Returns the names imported (never the values)."""
    current = passwords.load(passwords_file)
    new = {k: v for k, v in found.values.items() if k not in current}
    if new:
        passwords.write(passwords_file, {**current, **new})
    return sorted(new)


def load_record(state: StateDir) -> dict:
    try:
        return json.loads(state.takeover_record.read_text())
    except FileNotFoundError:
        return {}


def save_record(state: StateDir, record: dict) -> None:
    state.ensure()
    write_atomic(state.takeover_record, json.dumps(record, indent=1, sort_keys=True) + "\n", 0o600)


def present(init, services: dict[str, list[str]]) -> dict[str, list[str]]:
    """service -> its init services installed on this host (``services``: the
    templates' ``baremetal.init_services`` of the role's services)."""
    out = {}
    for service, names in services.items():
        here = [n for n in names if init.present(n)]
        if here:
            out[service] = here
    return out


def pending(record: dict, service: str | None = None) -> list[str]:
    """The recorded init services not disabled yet (of one service, or of all)."""
    services = record.get("services", {})
    names = services.get(service, []) if service else [n for ns in services.values() for n in ns]
    return [n for n in names if n not in record.get("disabled", [])]


def in_place_permissions(containers) -> list[tuple[str, str]]:
    """(path, owner) of the recursive permissions the rendered containers set on data
    directories they bind-mount in place (same path on the host and inside)."""
    out = []
    for c in containers:
        in_place = {host for host, path in mounts(c.desired.spec["volumes"]) if host == path}
        for perm in c.config_json.get("permissions", []):
            if perm.get("recurse") and perm["path"] in in_place \
                    and (perm["path"], perm["owner"]) not in out:
                out.append((perm["path"], perm["owner"]))
    return out


def give_back(path: str, owner: str) -> bool:
    """chown -R ``path`` to the host's ``owner`` ("user:group"); False if the host has no
    such user or group (then the directory is left as it is)."""
    user, _, group = owner.partition(":")
    try:
        uid = pwd.getpwnam(user).pw_uid
        gid = grp.getgrnam(group).gr_gid if group else pwd.getpwnam(user).pw_gid
    except KeyError:
        return False
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)
    return True
