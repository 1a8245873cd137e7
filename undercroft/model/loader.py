"""Load and validate YAML templates; errors name the file, the key and the problem."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Type, TypeVar, overload

import yaml
from pydantic import BaseModel, ValidationError

from undercroft.errors import ConfigError
from undercroft.model.schema import Environment, ParameterDef, Role, ServiceTemplate

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
M = TypeVar("M", bound=BaseModel)


@overload
def read_yaml(path: Path, allow_list: Literal[False] = False) -> dict: ...


@overload
def read_yaml(path: Path, allow_list: bool) -> dict | list: ...


def read_yaml(path: Path, allow_list: bool = False) -> dict | list:
    """A YAML file's top-level mapping (empty if the file is); with ``allow_list``, a
    list is accepted too."""
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}:{where}: invalid YAML: {problem}")
    if data is None:
        data = {}
    if allow_list and isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def validate(model: Type[M], data: dict, path: Path, prefix: tuple = ()) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in (*prefix, *err["loc"])) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{path}: {key}: {msg}")
        raise ConfigError(problems[0], detail="\n".join(problems[1:]))


def load_role(path: Path) -> Role:
    return validate(Role, read_yaml(path), path)


def load_roles(path: Path, bundled: Path = TEMPLATES / "roles") -> list[Role]:
    """One role (a mapping), or several (a list, like TripleO's roles_data.yaml) for a
    multi-host deploy. A list item is a role, or the name of a bundled role
    (``[Controller, Compute]``, what ``openstack overcloud roles generate`` would
    concatenate). Names must be unique."""
    data = read_yaml(path, allow_list=True)
    if isinstance(data, dict):
        return [validate(Role, data, path)]
    if not data:
        raise ConfigError(f"{path}: the list of roles is empty")
    roles = []
    for i, item in enumerate(data):
        if isinstance(item, str):
            found = bundled / f"{item}.yaml"
            if not found.is_file():
                known = ", ".join(sorted(p.stem for p in bundled.glob("*.yaml")))
                raise ConfigError(f"{path}: [{i}]: no bundled role {item} (bundled: {known})")
            roles.append(load_role(found))
        elif isinstance(item, dict):
            roles.append(validate(Role, item, path, (i,)))
        else:
            raise ConfigError(f"{path}: [{i}]: expected a role (name, services) or a bundled "
                              f"role's name, got {type(item).__name__}")
    names = [r.name for r in roles]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"{path}: role {dup[0]} is defined twice")
    return roles


def load_environment(path: Path) -> Environment:
    return validate(Environment, read_yaml(path), path)


@dataclass(frozen=True)
class Catalog:
    """All service templates and global parameter definitions found in a templates dir."""

    root: Path
    services: dict[str, ServiceTemplate]
    parameters: dict[str, ParameterDef]

    def role_path(self, name_or_path: str) -> Path:
        if not is_role_name(name_or_path):
            return Path(name_or_path)
        return self.root / "roles" / f"{name_or_path}.yaml"


def is_role_name(value: str) -> bool:
    """A bundled role's name (``Standalone``) rather than a path to a roles file: no
    ``/`` and no ``.yaml``/``.yml`` suffix."""
    return "/" not in value and not value.endswith((".yaml", ".yml"))


def load_catalog(root: Path = TEMPLATES) -> Catalog:
    services = {}
    for path in sorted((root / "services").glob("*.yaml")):
        svc = validate(ServiceTemplate, read_yaml(path), path)
        if svc.name != path.stem:
            raise ConfigError(f"{path}: name: {svc.name!r} must match the file name {path.stem!r}")
        services[svc.name] = svc
    gpath = root / "parameters.yaml"
    raw = read_yaml(gpath).get("parameters", {}) if gpath.exists() else {}
    params = {k: validate(ParameterDef, v or {}, gpath, ("parameters", k)) for k, v in raw.items()}
    return Catalog(root, services, params)
