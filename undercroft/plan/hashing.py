"""Stable hashes of container inputs (spec, rendered config files, image).

Unlike compose, the rendered config *file contents* are part of the hash, so a config
change recreates the container that reads it.
"""
import hashlib
import json
from typing import Any, Mapping


def digest(value: Any) -> str:
    """sha256 of a JSON-able value with sorted keys (bytes/str hashed as given)."""
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = value.encode()
    else:
        data = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(data).hexdigest()


def short(h: str) -> str:
    return h[:12]


def config_hash(inputs: Mapping[str, Any]) -> str:
    """The single hash stored in the ``undercroft.config-hash`` label."""
    return digest(inputs)


def changed_inputs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Names of the inputs that differ, e.g. ``image``, ``spec.volumes``, ``config:/etc/x``."""
    changed = []
    for group in sorted(set(old) | set(new)):
        a, b = old.get(group), new.get(group)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    changed.append(f"{group}:{key}")
        else:
            changed.append(group)
    return changed
