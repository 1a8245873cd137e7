"""The role and extra environment files ``undercroft deploy`` was given, kept in state_dir.

``deploy --roles-file R -e E`` chooses what this host runs; later commands that render
the deployment (``install``, ``update``, ``plan``, ``status``...) must render the same
thing without the operator repeating the flags, or an ``update`` would converge a
Standalone host back to the Undercloud role. Precedence for the role: the command line
or, without one, this record; then undercloud.conf's ``roles_file``; then
``Undercloud``. The record's environment files come after undercloud.conf's
``custom_env_files``, as ``-e`` does. Each ``deploy`` replaces the record.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from undercroft.errors import ConfigError
from undercroft.fileio import write_atomic

RECORD = "deploy-role.json"


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


def load(state_dir: Path) -> RoleChoice:
    try:
        data = json.loads((state_dir / RECORD).read_text())
    except FileNotFoundError:
        return RoleChoice()
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{state_dir / RECORD}: unreadable ({exc})",
                          hint="re-run 'undercroft deploy' with the role and environment files")
    return RoleChoice(data.get("roles_file"), tuple(Path(p) for p in data.get("env_files", [])))


def save(state_dir: Path, choice: RoleChoice) -> None:
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(state_dir / RECORD, json.dumps(
        {"roles_file": choice.roles_file, "env_files": [str(p) for p in choice.env_files]},
        indent=2) + "\n")
