"""Load and validate YAML templates; errors name the file, the key and the problem."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Type, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from undercroft.errors import ConfigError
from undercroft.model.schema import Environment, ParameterDef, Role, ServiceTemplate

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> dict:
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


def load_environment(path: Path) -> Environment:
    return validate(Environment, read_yaml(path), path)


@dataclass(frozen=True)
class Catalog:
    """All service templates and global parameter definitions found in a templates dir."""

    root: Path
    services: dict[str, ServiceTemplate]
    parameters: dict[str, ParameterDef]

    def role_path(self, name_or_path: str) -> Path:
        p = Path(name_or_path)
        if p.suffix in (".yaml", ".yml") or "/" in name_or_path:
            return p
        return self.root / "roles" / f"{name_or_path}.yaml"


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
