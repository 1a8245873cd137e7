"""A service's ``databases:`` become one one-shot that creates them (first in step 3).

It runs the mariadb client image with a root client config and an idempotent SQL file,
both rendered 0600 into this container's own config directory only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from undercroft.model.schema import ContainerTemplate, ServiceTemplate

if TYPE_CHECKING:  # pragma: no cover
    from undercroft.render.services import Renderer, RenderedContainer

DB_SQL = """\
CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS '{user}'@'%' IDENTIFIED BY '{password}';
ALTER USER '{user}'@'%' IDENTIFIED BY '{password}';
GRANT ALL PRIVILEGES ON `{name}`.* TO '{user}'@'%';
FLUSH PRIVILEGES;
"""
CLIENT_CNF = "[client]\nuser = root\npassword = {password}\nhost = {host}\nport = 3306\n"


def database_container(r: "Renderer", svc: ServiceTemplate, where: str) -> "RenderedContainer":
    from undercroft.errors import ConfigError
    from undercroft.render.services import RenderedFile

    for db in svc.databases:
        if db.password not in r.secret_names:
            raise ConfigError(f"{where}: databases {db.name}: password '{db.password}' "
                              f"is not a secret parameter")
    sql = "".join(DB_SQL.format(name=d.name, user=d.user, password=r.values[d.password])
                  for d in svc.databases)
    # Named per service: on a baremetal host every db_create copies its files into the
    # same /etc, in parallel with the others.
    client, script = f"/etc/undercroft/{svc.name}-db-client.cnf", f"/etc/undercroft/{svc.name}-db-create.sql"
    files = (
        RenderedFile(client, CLIENT_CNF.format(password=r.values["MysqlRootPassword"],
                                               host=r.values["LocalIp"]), "root", "0600"),
        RenderedFile(script, sql, "root", "0600"),
    )
    tpl = ContainerTemplate(
        name=f"{svc.name}_db_create", oneshot=True, image="mariadb",
        command=f"mariadb --defaults-extra-file={client} < {script}")
    return r.generated(svc, 3, 0, tpl, files, "mariadb")
