"""Write a container's rendered config directory (0700 dirs, 0600 files, root-owned).

Only called right before a container is (re)created, so kept containers' files are never
touched. Unchanged files are not rewritten.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from undercroft.render.rendered import RenderedContainer
from undercroft.state import StateDir
from undercroft.state.layout import PREVIOUS


def _write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists() and path.read_text() == content:
        return
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(content)
    os.replace(tmp, path)


def write_config_dir(rc: RenderedContainer) -> None:
    root = rc.config_dir
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(root, 0o700)
    wanted = {root / "config.json"}
    _write(root / "config.json", json.dumps(rc.config_json, indent=2, sort_keys=True) + "\n")
    for f in rc.files:
        p = root / "files" / f.dest.lstrip("/")
        _write(p, f.content)
        wanted.add(p)
    for rel, value in rc.secret_files.items():
        p = root / rel
        _write(p, value)
        wanted.add(p)
    for p in list(root.rglob("*")):  # drop files no longer rendered
        if p.is_file() and p not in wanted:
            p.unlink()


def remove_config_dir(state: StateDir, name: str) -> None:
    shutil.rmtree(state.config(name), ignore_errors=True)


def keep_previous_config(state: StateDir, name: str) -> None:
    """Before an update recreates ``name``: keep its config dir for a rollback."""
    src, dst = state.config(name), state.previous_config(name)
    shutil.rmtree(dst, ignore_errors=True)
    if src.is_dir():
        shutil.copytree(src, dst, symlinks=True)


def restore_previous_config(state: StateDir, name: str) -> None:
    src, dst = state.previous_config(name), state.config(name)
    if src.is_dir():
        shutil.rmtree(dst, ignore_errors=True)
        os.replace(src, dst)


def drop_previous_config(state: StateDir, name: str) -> None:
    shutil.rmtree(state.previous_config(name), ignore_errors=True)


def drop_stale_previous(state: StateDir) -> list[str]:
    """After a converge that finished: the kept configs an interrupted update left (they
    hold secrets, and nothing rolls back to them any more). Returns their names."""
    stale = sorted(state.configs.glob(f"*{PREVIOUS}"))
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for p in stale]
