"""Known secret values never reach a terminal or a log.

Every message the CLI prints (progress lines, warnings, errors with their log tails) and
every event it records passes through ``redact``. Values are registered where secrets
are read — the passwords file and the resolved parameters — each together with the
forms the renderers write it in (percent-encoded, INI-, SQL-, my.cnf-quoted), since a
failing service may echo the config line or statement that holds it.
"""
from __future__ import annotations

from typing import Iterable

MASK = "*****"
# Shorter values would mask ordinary words; no generated or accepted secret is this short
# in practice (generated ones are 32 characters).
MIN_LENGTH = 6

_known: set[str] = set()


def forms(value: str) -> set[str]:
    """``value`` as each file format writes it (render/quoting.py)."""
    from undercroft.render import quoting

    return {value, quoting.url(value), quoting.ini(value).strip('"'), quoting.swift_ini(value),
            quoting.sql(value)[1:-1], quoting.mycnf(value).strip('"'),
            quoting.erlang_binary(value)[3:-3], quoting.shell(value)}


def register(values: Iterable[object]) -> None:
    for value in values:
        text = str(value)
        if len(text) >= MIN_LENGTH:
            _known.update(f for f in forms(text) if len(f) >= MIN_LENGTH)


def redact(text: str) -> str:
    """``text`` with every known secret (longest first) replaced by ``*****``."""
    if not _known or not text:
        return text
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text
