"""The deployment record: what a state directory holds, in one versioned file.

Later commands must render and run the deployment the way it was installed without
the operator repeating it: on which runtime, with its data where, which role and
environment files ``deploy`` was given, and which OpenStack release it runs. These
facts live in ``deployment.json``. State directories from before the record keep them
in older files (``host-layout``, ``host-units.json``, ``deploy-role.json``); ``load``
derives the record from those and leaves them in place.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from undercroft.errors import ConfigError
from undercroft.fileio import write_atomic
from undercroft.state.layout import StateDir

VERSION = 1
# what a record that names no release runs: it was written before Epoxy existed here
LEGACY_RELEASE = "zed"
FIX_RECORD = ("fix the JSON by hand: the fields are version, runtime, layout, roles_file, "
              "env_files and release")

Runtime = Literal["containers", "baremetal"]
# data_root: data under [undercroft] data_root; host: where a baremetal undercloud kept it
# (/var/lib/mysql, /srv/node, ...), bind-mounted as is after ``upgrade``
Layout = Literal["data_root", "host"]


class DeploymentRecord(BaseModel):
    """What is installed from this state directory; configure() follows it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = VERSION
    runtime: Runtime = "containers"
    layout: Layout = "data_root"
    roles_file: str | None = None  # deploy -r: a bundled role name or a path
    env_files: tuple[Path, ...] = ()  # deploy -e, applied after custom_env_files
    release: str = LEGACY_RELEASE  # the OpenStack release the deployment runs


def load(state: StateDir) -> DeploymentRecord:
    """The record, or for a state dir from before it the one its older files imply.
    Nothing is written, so read-only commands (plan, status) stay read-only."""
    path = state.deployment_record
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return derive(state)
    except (OSError, ValueError) as exc:
        raise _unreadable(path, exc, FIX_RECORD)
    if not isinstance(data, dict):
        raise _unreadable(path, "not a JSON object", FIX_RECORD)
    if data.get("version", VERSION) != VERSION:
        raise ConfigError(f"{path}: record version {data.get('version')!r}, this Undercroft "
                          f"reads version {VERSION}",
                          hint="run the Undercroft that installed this deployment, or a newer one")
    try:
        return DeploymentRecord.model_validate(data)
    except ValidationError as exc:
        raise _unreadable(path, exc, FIX_RECORD)


def derive(state: StateDir) -> DeploymentRecord:
    """Migration from the files that held these facts before the record."""
    runtime: Runtime
    layout: Layout
    if state.host_layout_marker.exists():  # upgrade: containers over the host's data
        runtime, layout = "containers", "host"
    elif state.host_units.exists():  # install --baremetal
        runtime, layout = "baremetal", "data_root"
    else:
        runtime, layout = "containers", "data_root"
    roles_file, env_files = _legacy_role_choice(state.role_choice)
    return DeploymentRecord(runtime=runtime, layout=layout, roles_file=roles_file,
                            env_files=env_files)


def installed_release(state: StateDir) -> str | None:
    """The release the deployment of this state directory runs; None before its first
    install (a record ``deploy`` saved with its role before installing anything says
    nothing yet: converge records the release before it writes a container's config).
    Deployments from before the record ran Zed, the only release there was."""
    try:
        if not any(state.configs.iterdir()):
            return None
    except OSError:  # no config directory: nothing was ever installed from here
        return None
    return load(state).release if state.deployment_record.exists() else LEGACY_RELEASE


def save(state: StateDir, record: DeploymentRecord) -> None:
    state.ensure()
    write_atomic(state.deployment_record,
                 json.dumps(record.model_dump(mode="json"), indent=2, sort_keys=True) + "\n")


def update(state: StateDir, **changes) -> DeploymentRecord:
    """The record with ``changes`` (field=value) applied, validated and saved."""
    current = load(state).model_dump()
    record = DeploymentRecord.model_validate({**current, **changes})
    save(state, record)
    return record


def _legacy_role_choice(path: Path) -> tuple[str | None, tuple[Path, ...]]:
    try:
        data = json.loads(path.read_text())
        return data.get("roles_file"), tuple(Path(p) for p in data.get("env_files", []))
    except FileNotFoundError:
        return None, ()
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        raise _unreadable(path, exc, f"remove {path} and re-run 'undercroft deploy' with the "
                                     f"role and environment files")


def _unreadable(path: Path, why: object, hint: str) -> ConfigError:
    return ConfigError(f"{path}: unreadable ({why})", hint=hint)
