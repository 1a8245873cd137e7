"""The formats only MariaDB, Erlang and swift read, parsed by them: the SQL literal a
database user is created with and the my.cnf a client logs in with (one login proves
both), RabbitMQ's advanced.config read by Erlang's file:consult, and a swift config value
read by swift's readconf (it interpolates only values that hold '%('). Passwords: the hostile one of
the e2e lab, quote-edge cases and random printable ones (the seed is in the test id)."""
from __future__ import annotations

import json
import random
import string
import subprocess

import jinja2
import pytest

from undercroft.images import catalog
from undercroft.images.builder import ImageBuilder
from undercroft.model.loader import TEMPLATES
from undercroft.podman_cli import ULIMITS
from undercroft.render import quoting
from undercroft.render.databases import DB_SQL
from undercroft.report import Reporter
from tests.integration.conftest import BUILD_DIR, MIRROR

SEED = random.randrange(1 << 30)
CRAFTED = ["' \" @ % # ; \\ / $ ? & x", '"quoted"', "'single'", "a\\'b", "x\\", "#start",
           "end#", "a;b", "a\\\\\"b", "%(here)s", "${x}", "<<\"x\">>.", "~p~n"]


def passwords() -> list[str]:
    rng = random.Random(SEED)
    chars = string.printable[:95]  # letters, digits, punctuation, space
    out = list(CRAFTED)
    while len(out) < len(CRAFTED) + 40:
        value = "".join(rng.choice(chars) for _ in range(rng.randint(1, 30)))
        if quoting.unrepresentable(value) is None:
            out.append(value)
    return out


@pytest.fixture(scope="module")
def image_refs(podman):
    images = catalog.load(MIRROR)
    ImageBuilder(podman, Reporter(quiet=True), BUILD_DIR, MIRROR).ensure(
        catalog.closure(images, ["mariadb", "rabbitmq", "swift"]))
    return {name: images[name].ref for name in ("mariadb", "rabbitmq", "swift")}


def run(podman, image: str, mount, script: str) -> subprocess.CompletedProcess:
    return subprocess.run(podman.cmd("run", "--rm", *ULIMITS, "--network", "none", "--entrypoint", "sh",
                                     "-v", f"{mount}:/in", image, "-c", script),
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("seed", [SEED])
def test_mariadb_users_created_from_sql_literals_log_in_with_my_cnf(podman, image_refs, tmp_path, seed):
    values = passwords()
    sql = ["DELETE FROM mysql.global_priv WHERE User = '';"]
    for i, password in enumerate(values):
        sql.append(DB_SQL.format(name=f"db{i}", user=quoting.sql(f"u{i}"), password=quoting.sql(password)))
        (tmp_path / f"u{i}.cnf").write_text(
            f"[client]\nuser = u{i}\npassword = {quoting.mycnf(password)}\nsocket = /run/mysqld/t.sock\n")
    (tmp_path / "create.sql").write_text("".join(sql))
    script = f"""set -e
mariadb-install-db --user=mysql --datadir=/tmp/db --skip-test-db >/dev/null
mariadbd --user=mysql --datadir=/tmp/db --skip-networking --socket=/run/mysqld/t.sock 2>/dev/null &
until mariadb-admin --socket=/run/mysqld/t.sock ping >/dev/null 2>&1; do sleep 0.2; done
mariadb --socket=/run/mysqld/t.sock -uroot < /in/create.sql
for i in $(seq 0 {len(values) - 1}); do
  mariadb --defaults-extra-file=/in/u$i.cnf -N -e 'select current_user()' || echo "FAILED u$i"
done
"""
    proc = run(podman, image_refs["mariadb"], tmp_path, script)
    assert proc.returncode == 0, proc.stderr[-2000:]
    logged_in = proc.stdout.split()
    failed = [values[i] for i in range(len(values)) if f"u{i}@%" not in logged_in]
    assert not failed, f"could not log in with: {failed!r}\n{proc.stderr[-1500:]}"


@pytest.mark.parametrize("seed", [SEED])
def test_erlang_reads_the_rabbitmq_password_from_advanced_config(podman, image_refs, tmp_path, seed):
    values = passwords()
    template = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES / "config")),
                                  undefined=jinja2.StrictUndefined)
    template.filters.update(quoting.FILTERS)
    for i, password in enumerate(values):
        (tmp_path / f"a{i}.config").write_text(template.get_template("rabbitmq/advanced.config.j2")
                                               .render(RabbitUserName="undercloud", RabbitPassword=password))
    erl = ("[begin {ok, [[{rabbit, Kv}]]} = file:consult(F), "
           "io:format(\"~s~n\", [binary:encode_hex(proplists:get_value(default_pass, Kv))]) end "
           "|| F <- lists:sort(filelib:wildcard(\"/in/a*.config\"))], halt().")
    proc = run(podman, image_refs["rabbitmq"], tmp_path, f"erl -noshell -eval '{erl}'")
    assert proc.returncode == 0, proc.stderr[-2000:]
    order = sorted(range(len(values)), key=lambda i: f"/in/a{i}.config")
    read = [bytes.fromhex(h).decode() for h in proc.stdout.split()]
    assert read == [values[i] for i in order]


@pytest.mark.parametrize("seed", [SEED])
def test_swift_reads_its_password_back(podman, image_refs, tmp_path, seed):
    values = passwords()
    (tmp_path / "proxy.conf").write_text("".join(
        f"[filter:p{i}]\npassword = {quoting.swift_ini(p)}\n" for i, p in enumerate(values)))
    script = ("import json; from swift.common.utils import readconf; "
              "c = readconf('/in/proxy.conf'); "
              "print(json.dumps([c[f'filter:p{i}']['password'] for i in range(%d)]))" % len(values))
    proc = run(podman, image_refs["swift"], tmp_path, f'python3 -c "{script}"')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == values
