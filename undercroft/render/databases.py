"""A service's ``databases:`` become one one-shot that creates them (first in step 3).

It runs the mariadb client image with a root client config and an idempotent SQL file,
both rendered 0600 into this container's own config directory only.

Services reach their database with a URL that names a client option file instead of
holding the password (``os.connection`` in templates/config/common/openstack.j2); every
file that names one gets it beside it (``client_files``), owned like that file, in that
file's directory (which its service user can already enter; /etc/undercroft may not be).
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from undercroft.errors import ConfigError
from undercroft.model.schema import ContainerTemplate, ServiceTemplate
from undercroft.render import quoting
from undercroft.render.rendered import Generated, RenderedFile

# Names come from templates (schema-checked identifiers); passwords only ever as quoted
# literals (render/quoting.py), so no value can end a statement.
DB_SQL = """\
CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS {user}@'%' IDENTIFIED BY {password};
ALTER USER {user}@'%' IDENTIFIED BY {password};
GRANT ALL PRIVILEGES ON `{name}`.* TO {user}@'%';
FLUSH PRIVILEGES;
"""
CLIENT_CNF = "[client]\nuser = root\npassword = {password}\nhost = {host}\nport = 3306\n"
USER_CNF = "# the password of database user {user} (PyMySQL's read_default_file)\n[client]\npassword = {password}\n"
NAMED = re.compile(r"read_default_file=(/[A-Za-z0-9_./-]+/db-([A-Za-z0-9_]+)\.cnf)")


def client_files(files: Iterable[RenderedFile], passwords: Mapping[str, str]) -> tuple[RenderedFile, ...]:
    """The client option files ``files`` name, each 0600 and owned like the first file
    that names it. ``passwords``: database user -> password."""
    out: dict[str, RenderedFile] = {}
    for f in files:
        for path, user in NAMED.findall(f.content):
            if path in out:
                continue
            if user not in passwords:
                raise ConfigError(f"{f.dest}: names {path}, but no enabled service has a "
                                  f"database user '{user}' (databases: in its template)")
            out[path] = RenderedFile(path, USER_CNF.format(
                user=user, password=quoting.option_file(passwords[user])), f.owner, "0600")
    return tuple(out.values())


def database_container(svc: ServiceTemplate, values: Mapping[str, Any], secret_names: set[str],
                       where: str) -> Generated:
    """``svc``'s ``<service>_db_create``: first (order 0) in its step-3 chain."""
    for db in svc.databases:
        if db.password not in secret_names:
            raise ConfigError(f"{where}: databases {db.name}: password '{db.password}' "
                              f"is not a secret parameter")
    sql = "".join(DB_SQL.format(name=d.name, user=quoting.sql(d.user),
                                password=quoting.sql(values[d.password]))
                  for d in svc.databases)
    # Named per service: on a baremetal host every db_create copies its files into the
    # same /etc, in parallel with the others.
    client, script = f"/etc/undercroft/{svc.name}-db-client.cnf", f"/etc/undercroft/{svc.name}-db-create.sql"
    files = (
        RenderedFile(client, CLIENT_CNF.format(password=quoting.mycnf(values["MysqlRootPassword"]),
                                               host=values["LocalIp"]), "root", "0600"),
        RenderedFile(script, sql, "root", "0600"),
    )
    tpl = ContainerTemplate(
        name=f"{svc.name}_db_create", oneshot=True, image="mariadb",
        command=f"mariadb --defaults-extra-file={client} < {script}")
    return Generated(svc, 3, 0, tpl, files, "mariadb")
