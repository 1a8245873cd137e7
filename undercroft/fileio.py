"""Atomic file writes with the mode set before the content is visible.

Secrets (passwords, keys, credentials) must never exist on disk with a wider mode, not
even for a moment, and a crash must never leave half a file: write a temp file created
with the final mode, then rename it over the target.
"""
from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path, text: str, mode: int = 0o600) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)  # O_CREAT's mode is masked by umask, and an old tmp keeps its own
    os.replace(tmp, path)
