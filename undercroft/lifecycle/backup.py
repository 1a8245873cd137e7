"""``backup`` and ``restore``: one 0600 archive that brings an undercloud back.

The archive holds a consistent dump of every service database (``mysqldump
--single-transaction``), undercloud.conf and its environment files, the passwords file
(every generated secret, keystone's fernet and credential keys included), the TLS CA,
and optionally the data directories of glance, swift and ironic (each as an inner GNU tar
that keeps extended attributes: swift's object metadata lives there). ``manifest.json``
lists every member with its sha256; restore refuses an archive that does not match.

Restore reads and checks the whole archive (gzip CRC and length, manifest, checksums)
before it changes anything, and refuses an undercloud that exists here (containers or
databases) unless forced: it would lose everything created since the backup.

Restore onto a fresh host (or after ``destroy --purge-data``): secrets and CA first, so
``install`` recreates users and databases with the same passwords; install runs up to the
database's step, the dump loads, the data directories come back, then the rest of the
install starts every service over the restored data.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from undercroft import __version__
from undercroft.errors import DeployError
from undercroft.runtime.podman import Podman

FORMAT = 1
# Opt-in data directories: name -> paths under data_root.
DATA = {"glance": ("glance",), "swift": ("swift", "swift-rings"), "ironic": ("ironic",)}


@dataclass(frozen=True)
class Sources:
    """What a backup reads, resolved by the caller from the deployment."""

    deployment: str
    # argv prefix that runs a client beside the server, as root on its unix socket:
    # ``podman ... exec <mysql container>`` or, on a baremetal undercloud, ``ip netns exec NS``
    mysql_exec: tuple[str, ...]
    databases: tuple[str, ...]
    conf: Path | None
    env_files: tuple[Path, ...]
    passwords: Path
    tls_dir: Path
    data_root: Path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def mysql_exec(settings, podman: Podman | None = None) -> tuple[str, ...]:
    """The prefix that runs the mariadb client tools as root over the server's socket:
    ``podman exec`` into the deployment's mysql container, or nothing on a baremetal
    undercloud (its mariadb's unix socket is the host's)."""
    if settings.baremetal:
        return ()
    return (*(podman or Podman()).cmd("exec"), f"{settings.container_prefix}mysql")


def dump_databases(mysql_exec: tuple[str, ...], databases: tuple[str, ...], dest: Path) -> None:
    """mysqldump as root over the server's unix socket: no password on any argv."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        proc = subprocess.run([*mysql_exec, "mysqldump",
                               "--single-transaction", "--routines", "--events", "--triggers",
                               "--databases", *databases], stdout=out, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise DeployError(f"backup: mysqldump ({' '.join(mysql_exec)}) failed "
                          f"(exit {proc.returncode})",
                          detail=proc.stderr.decode(errors="replace")[-1500:],
                          hint="is the undercloud running? 'undercroft status'")


# GNU tar, not tarfile: swift keeps object metadata in extended attributes, which
# tarfile drops (objects would come back quarantined); owners stay numeric.
TAR_FLAGS = ["--xattrs", "--xattrs-include=*", "--numeric-owner"]


def _tar_data(data_root: Path, sub: str, dest: Path) -> None:
    proc = subprocess.run(["tar", *TAR_FLAGS, "-C", str(data_root), "-cf", str(dest), sub],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise DeployError(f"backup: archiving {data_root / sub} failed", detail=proc.stderr[-1500:])


def create(src: Sources, output: Path, data: tuple[str, ...], reporter) -> Path:
    unknown = [d for d in data if d not in DATA]
    if unknown:
        raise DeployError(f"backup: unknown data set(s) {', '.join(unknown)}",
                          hint=f"choose from {', '.join(DATA)}")
    files: dict[str, str] = {}
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="undercroft-backup-") as tmp:
        os.chmod(tmp, 0o700)
        dump = Path(tmp) / "databases.sql"
        reporter.line("run", "databases", f"mysqldump --single-transaction of {len(src.databases)}")
        dump_databases(src.mysql_exec, src.databases, dump)
        members: list[tuple[str, Path]] = [("db/databases.sql", dump),
                                           ("secrets/undercloud-passwords.yaml", src.passwords)]
        if src.conf is not None:
            members.append(("config/undercloud.conf", src.conf))
        members += [(f"config/env/{i}-{p.name}", p) for i, p in enumerate(src.env_files)]
        if src.tls_dir.is_dir():
            members += [(f"tls/{p.name}", p) for p in sorted(src.tls_dir.iterdir()) if p.is_file()]
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(output, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            for name, path in members:
                tar.add(path, arcname=name, recursive=False)
                files[name] = _sha256(path)
            for d in data:
                for sub in DATA[d]:
                    root = src.data_root / sub
                    if not root.is_dir():
                        continue
                    reporter.line("run", "data", f"{d}: {root}")
                    inner = Path(tmp) / f"{sub}.tar"
                    _tar_data(src.data_root, sub, inner)
                    tar.add(inner, arcname=f"data/{sub}.tar", recursive=False)
                    files[f"data/{sub}.tar"] = _sha256(inner)
            manifest = {"format": FORMAT, "undercroft": __version__, "created": int(time.time()),
                        "deployment": src.deployment, "databases": list(src.databases),
                        "data": list(data), "env_files": [str(p) for p in src.env_files],
                        "files": files}
            blob = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mode, info.mtime = len(blob), 0o600, int(time.time())
            tar.addfile(info, io.BytesIO(blob))
    return output


def _not_a_backup(archive: Path, exc: Exception) -> DeployError:
    return DeployError(f"{archive}: not an undercroft backup ({exc.__class__.__name__}: {exc})")


def verify_compression(archive: Path) -> None:
    """Read the whole gzip stream, so its CRC and length are checked: tar stops at its own
    end marker and would accept an archive whose gzip trailer was cut off."""
    try:
        with gzip.open(archive, "rb") as f:
            while f.read(1 << 20):
                pass
    except EOFError:
        raise DeployError(f"{archive}: the archive is cut short (it ends before its end "
                          f"marker); nothing was changed — use a complete copy")
    except (OSError, zlib.error) as exc:
        raise DeployError(f"{archive}: not an undercroft backup or damaged "
                          f"({exc.__class__.__name__}: {exc}); nothing was changed")


def read_manifest(archive: Path) -> dict:
    """The manifest alone (it is the last member: this reads the whole archive once)."""
    verify_compression(archive)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            return json.loads(member.read()) if member else {}
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise _not_a_backup(archive, exc)


def extract_verified(archive: Path, dest: Path) -> dict:
    """Unpack into ``dest`` (0700) in one pass, then check every file against the
    manifest that came with it."""
    verify_compression(archive)
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(dest, numeric_owner=True, filter="tar")
        manifest = json.loads((dest / "manifest.json").read_text())
    except (OSError, tarfile.TarError, ValueError) as exc:
        raise _not_a_backup(archive, exc)
    if manifest.get("format") != FORMAT:
        raise DeployError(f"{archive}: backup format {manifest.get('format')!r} is not {FORMAT}")
    bad = [name for name, digest in manifest["files"].items()
           if not (dest / name).is_file() or _sha256(dest / name) != digest]
    if bad:
        raise DeployError(f"{archive}: {len(bad)} file(s) do not match the manifest's checksums",
                          detail="\n".join(bad[:20]), hint="the archive is damaged; use another")
    return manifest


def restore_data(extracted: Path, data_root: Path, manifest: dict, reporter) -> None:
    for d in manifest.get("data", []):
        for sub in DATA.get(d, ()):
            src = extracted / "data" / f"{sub}.tar"
            if not src.is_file():
                continue
            target = data_root / sub
            if target.exists():
                shutil.rmtree(target)
            proc = subprocess.run(["tar", *TAR_FLAGS, "-xpf", str(src), "-C", str(data_root)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise DeployError(f"restore: unpacking {sub} into {data_root} failed",
                                  detail=proc.stderr[-1500:])
            reporter.line("ok", "data", f"{d}: {target}")


def load_databases(podman_argv: list[str], container: str, dump: Path) -> None:
    with open(dump, "rb") as f:
        proc = subprocess.run([*podman_argv, "exec", "-i", container, "mysql"], stdin=f,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise DeployError(f"restore: loading the database dump failed (exit {proc.returncode})",
                          detail=proc.stderr.decode(errors="replace")[-1500:])


def existing(settings, containers: Sequence) -> str | None:
    """What of the undercloud ``settings`` names exists on this host, or None."""
    found = []
    if containers:
        running = sum(1 for c in containers if getattr(c, "state", "") == "running")
        found.append(f"{len(containers)} containers ({running} running)")
    mysql = Path("/var/lib/mysql") if settings.host_layout else settings.data_root / "mysql"
    if mysql.is_dir() and any(p.is_dir() and p.name not in ("mysql", "performance_schema", "sys")
                              for p in mysql.iterdir()):
        found.append(f"databases in {mysql}")
    return f"undercloud '{settings.deployment_name}' exists here ({', '.join(found)})" if found else None


def restore(archive: Path, conf: Path, reporter, force: bool = False,
            confirm: Callable[[str], bool] | None = None) -> None:
    """Everything restore does, in the order that keeps the system re-runnable.
    Nothing changes before the archive is verified and, over an existing undercloud,
    ``force`` or ``confirm`` (an operator's yes) allows it."""
    from undercroft.lifecycle import deployment

    with tempfile.TemporaryDirectory(prefix="undercroft-restore-") as tmp:
        os.chmod(tmp, 0o700)
        work = Path(tmp)
        reporter.phase("Archive")
        manifest = extract_verified(archive, work)
        reporter.line("ok", str(archive), f"{len(manifest['files'])} files match the manifest")
        saved_conf = work / "config/undercloud.conf"
        if not conf.exists() and not saved_conf.is_file():
            raise DeployError(f"{conf} does not exist and the backup holds no undercloud.conf")
        settings = deployment.settings(conf if conf.exists() else saved_conf)
        if settings.baremetal:  # before the passwords file or any service changes
            raise DeployError("restore does not serve baremetal deployments yet",
                              hint=f"restore as a containerized undercloud: drop [undercroft] "
                                   f"baremetal from {conf} (the dump and keys are the same)")
        podman = Podman()
        there = existing(settings, podman.containers(settings.deployment_name)
                         if podman.available() else [])
        if there and not force:
            made = time.strftime("%Y-%m-%d %H:%M", time.localtime(manifest.get("created", 0)))
            loss = (f"{there}: restoring the backup made {made} replaces its databases; "
                    f"everything created since then is lost")
            if not (confirm and confirm(loss)):
                raise DeployError(loss + "; nothing was changed",
                                  hint="restore onto a fresh host or after 'destroy "
                                       "--purge-data', or pass --force to replace it")
        saved = work / "secrets/undercloud-passwords.yaml"
        current = settings.passwords_file
        if current.exists() and current.read_bytes() != saved.read_bytes() and not force:
            raise DeployError(f"{current} exists and differs from the backup's passwords file",
                              hint="restore onto a fresh host or after 'destroy --purge-data', "
                                   "or pass --force to replace it")
        if not conf.exists():
            shutil.copy2(saved_conf, conf)
            os.chmod(conf, 0o600)
            reporter.line("ok", str(conf), "restored")
        for i, orig in enumerate(manifest.get("env_files", [])):
            target, kept = Path(orig), work / f"config/env/{i}-{Path(orig).name}"
            if not target.exists() and kept.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(kept, target)
                reporter.line("ok", str(target), "restored")
        settings = deployment.settings(conf)
        current.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(saved, current)
        os.chmod(current, 0o600)
        tls = settings.state.tls
        tls_files = sorted((work / "tls").glob("*")) if (work / "tls").is_dir() else []
        if tls_files:
            tls.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(tls, 0o700)
            for f in tls_files:
                shutil.copy2(f, tls / f.name)
        reporter.line("ok", "secrets", "passwords file and TLS CA restored")

        dep = deployment.load(conf, persist_secrets=True)
        mysql = f"{settings.container_prefix}mysql"
        db_step = dep.by_name(mysql).desired.step
        # the database first and nothing that uses it: the services start once, over the
        # restored data, instead of starting empty, stopping and starting again
        deployment.install(dep, podman, reporter, steps=frozenset(range(1, db_step + 1)))
        reporter.phase("Restore data")
        running = [o.name for o in podman.containers(settings.deployment_name)
                   if not o.oneshot and o.state == "running" and o.step > db_step]
        if running:  # --force over a running undercloud
            podman.stop_many(running)
            reporter.line("ok", "services", f"stopped {len(running)} to load the data")
        load_databases(podman.cmd(), mysql, work / "db/databases.sql")
        reporter.line("ok", "databases", ", ".join(manifest.get("databases", [])))
        restore_data(work, settings.data_root, manifest, reporter)
    # the rest of the install over the restored data: schema syncs find the schemas
    # current, bootstraps find their users; services stopped above start again
    deployment.install(dep, podman, reporter)
