"""Merge parameter values: defaults < role < undercloud.conf < environment files < secrets.

Environment files apply in order (later wins), like heat environments. Secrets come from
the passwords file unless an environment file sets them explicitly.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from undercroft import redact
from undercroft.errors import ConfigError
from undercroft.model.schema import Environment, ParameterDef, Role, ServiceTemplate
from undercroft.render import quoting


@dataclass(frozen=True)
class Resolved:
    values: dict[str, Any]
    sources: dict[str, str]
    definitions: dict[str, ParameterDef]

    @property
    def secret_names(self) -> set[str]:
        return {k for k, d in self.definitions.items() if d.type == "secret"}


def enabled_services(role: Role, envs: Iterable[tuple[Path, Environment]],
                     catalog_services: Mapping[str, ServiceTemplate], role_path: Path,
                     conf_disabled: Iterable[str] = ()) -> list[str]:
    """The role's services, then each env file's enable/disable lists, in order.

    ``conf_disabled`` are the services undercloud.conf's enable_* toggles switch off
    (``Translated.disabled_services``); they apply before the environment files, so an
    environment file can still enable one. Names that are not in the role or have no
    template (yet) are ignored: the toggles name every service tripleoclient knows.
    """
    def check(n: str, where: str) -> None:
        if n not in catalog_services:
            hint = difflib.get_close_matches(n, list(catalog_services), n=1)
            raise ConfigError(f"{where}: unknown service '{n}'"
                              + (f"; did you mean '{hint[0]}'?" if hint else ""))

    for n in role.services:
        check(n, f"{role_path}: services")
    off = set(conf_disabled)
    names = [n for n in role.services if n not in off]
    for path, env in envs:
        for n in env.enable_services:
            check(n, f"{path}: enable_services")
            if n not in names:
                names.append(n)
        for n in env.disable_services:
            check(n, f"{path}: disable_services")
        names = [n for n in names if n not in env.disable_services]
    return names


def check_role_parameters(role: Role, role_path: Path, global_defs: Mapping[str, ParameterDef],
                          catalog_services: Mapping[str, ServiceTemplate]) -> None:
    """A role's parameter_defaults must name parameters some template defines (a typo
    is an error, not a silently ignored value)."""
    known = set(global_defs).union(*(s.parameters for s in catalog_services.values()))
    for name in role.parameter_defaults:
        if name not in known:
            hint = difflib.get_close_matches(name, sorted(known), n=1)
            raise ConfigError(f"{role_path}: parameter_defaults: {name} is not a parameter of "
                              f"any service template" + (f"; did you mean {hint[0]}?" if hint else ""))


def _coerce(name: str, d: ParameterDef, value: Any, where: str) -> Any:
    def bad(expect: str):
        return ConfigError(f"{where}: parameter {name} = {value!r}: expected {expect}")
    if value is None:
        return None
    if d.type in ("string", "secret"):
        if isinstance(value, (dict, list)):
            raise bad("a string")
        return str(value)
    if d.type == "int":
        if isinstance(value, bool):
            raise bad("an integer")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad("an integer")
    if d.type == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "yes", "1", "on"):
            return True
        if str(value).lower() in ("false", "no", "0", "off"):
            return False
        raise bad("true or false")
    if d.type == "list":
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise bad("a list")
        return value
    if d.type == "dict" and not isinstance(value, dict):
        raise bad("a mapping")
    return value


def _checked(name: str, d: ParameterDef, value: Any, where: str) -> Any:
    value = _coerce(name, d, value, where)
    if d.allowed is not None and value is not None and value not in d.allowed:
        raise ConfigError(f"{where}: parameter {name} = {value!r}: expected one of "
                          f"{', '.join(map(str, d.allowed))}")
    return value


def check_secret(name: str, d: ParameterDef, value: str, source: str) -> None:
    """A secret every file format can carry (render/quoting.py), or one clear error that
    names the parameter and where it came from, never the value."""
    reason = quoting.unrepresentable(value)
    refused = sorted(set(value) & set(d.refuse_characters or ""))
    if refused and reason is None:
        reason = (f"it holds {' '.join(map(repr, refused))}, which a reader of {name} cannot "
                  f"carry (refused: {d.refuse_characters})")
    if reason:
        raise ConfigError(f"{source}: {name}: {reason}",
                          hint=f"choose another value for {name}, or remove it from the "
                               f"passwords file to have one generated")


def definitions(global_defs: Mapping[str, ParameterDef],
                services: Iterable[ServiceTemplate]) -> dict[str, ParameterDef]:
    defs = dict(global_defs)
    for svc in services:
        for name, d in svc.parameters.items():
            if name in defs and defs[name] != d:
                raise ConfigError(f"service {svc.name}: parameter {name} is already defined "
                                  f"differently; reuse the global definition")
            defs[name] = d
    return defs


def resolve(defs: Mapping[str, ParameterDef], translated: Mapping[str, Any],
            translated_sources: Mapping[str, str],
            envs: Iterable[tuple[Path, Environment]],
            secrets: Callable[[dict[str, ParameterDef]], Mapping[str, str]],
            warn: Callable[[str], None],
            role: tuple[Path, Role] | None = None) -> Resolved:
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, d in defs.items():
        if d.type != "secret":
            values[name] = d.default
            sources[name] = "default"
    if role is not None:  # a role may set parameters of services an env file switched off
        path, r = role
        for name, value in r.parameter_defaults.items():
            if name in defs:
                values[name] = _checked(name, defs[name], value, f"{path}: parameter_defaults")
                sources[name] = f"role {r.name}"
    for name, value in translated.items():
        values[name] = _checked(name, defs[name], value, translated_sources[name]) if name in defs else value
        sources[name] = translated_sources[name]
    for path, env in envs:
        for name, value in env.parameter_defaults.items():
            if name not in defs:
                hint = difflib.get_close_matches(name, list(defs), n=1)
                warn(f"{path}: parameter_defaults: {name} is not used by any enabled service"
                     + (f" (did you mean {hint[0]}?)" if hint else ""))
                continue
            values[name] = _checked(name, defs[name], value, f"{path}")
            sources[name] = f"environment {path}"
    wanted = {n: d for n, d in defs.items() if d.type == "secret" and n not in values}
    for name, value in secrets(wanted).items():
        if name in wanted:
            values[name] = value
            sources[name] = "passwords file"
    for name, d in defs.items():
        if d.type == "secret" and values.get(name) is not None:
            check_secret(name, d, str(values[name]), sources[name])
            redact.register([values[name]])  # an environment file's secrets too
    missing = sorted(n for n, d in defs.items() if values.get(n) is None and d.type != "secret"
                     and d.default is None and n not in translated)
    if missing:
        raise ConfigError(f"parameters without a value: {', '.join(missing)}; set them in an "
                          f"environment file (parameter_defaults)")
    return Resolved(values, sources, dict(defs))
