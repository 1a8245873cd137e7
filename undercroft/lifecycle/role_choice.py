"""The role and extra environment files ``undercroft deploy`` was given, kept in the
deployment record (state/records.py).

``deploy --roles-file R -e E`` chooses what this host runs; later commands that render
the deployment (``install``, ``update``, ``plan``, ``status``...) must render the same
thing without the operator repeating the flags, or an ``update`` would converge a
Standalone host back to the Undercloud role. Precedence for the role: the command line
or, without one, this record; then undercloud.conf's ``roles_file``; then
``Undercloud``. The record's environment files come after undercloud.conf's
``custom_env_files``, as ``-e`` does. Each ``deploy`` replaces both.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from undercroft.errors import ConfigError
from undercroft.state import StateDir, records


@dataclass(frozen=True)
class RoleChoice:
    roles_file: str | None = None
    env_files: tuple[Path, ...] = ()

    @property
    def empty(self) -> bool:
        return self.roles_file is None and not self.env_files


def resolve_path(value: str, templates: Path, what: str) -> Path:
    """A path as given, else relative to the bundled templates (tripleoclient's
    ``rel_or_abs_path``: ``-r roles/Standalone.yaml`` finds the bundled role)."""
    for candidate in (Path(value).expanduser(), templates / value):
        if candidate.is_file():
            return candidate.resolve()
    raise ConfigError(f"{what} {value}: not found (looked at {Path(value).expanduser().resolve()} "
                      f"and {templates / value})", hint="give a path to a YAML file")


def load(state: StateDir) -> RoleChoice:
    record = records.load(state)
    return RoleChoice(record.roles_file, record.env_files)


def save(state: StateDir, choice: RoleChoice) -> None:
    records.update(state, roles_file=choice.roles_file, env_files=choice.env_files)
