"""Each file format's own quoting, as Jinja2 filters: secrets are data, never code.

A password reaches SQL, URLs, oslo.config and paste INI files, my.cnf, Erlang terms and
shell through the function for that format below, never pasted raw. Values that need no
quoting render unchanged, so files of existing deployments (generated passwords are
letters and digits) do not change and nothing is recreated by an upgrade of Undercroft.

``unrepresentable`` names what no format here can carry; a secret holding it is refused
with one clear error before anything is rendered (see docs/security.md).
"""
from __future__ import annotations

import re
import shlex
import string
import urllib.parse

_PLAIN = re.compile(r"[A-Za-z0-9_.:/@+=-]+")
PRINTABLE = frozenset(string.printable) - frozenset("\t\n\r\x0b\x0c")


def unrepresentable(value: str) -> str | None:
    """Why ``value`` cannot be a secret here, or None when every format can carry it."""
    if not value:
        return "it is empty"
    bad = sorted({c for c in value if c not in PRINTABLE})
    if bad:
        return f"it holds a character other than printable ASCII ({', '.join(map(repr, bad))})"
    if value != value.strip():
        return ("it starts or ends with a space (paste-deploy INI files, swift's among "
                "them, strip spaces around every value)")
    if "\\$" in value:
        return "it holds a backslash followed by '$' (oslo.config reads '\\$' as an escaped '$')"
    return None


def ini(value: object) -> str:
    """An oslo.config value: ``$`` doubled (its template syntax); wrapped in double quotes
    when it starts or ends with a space or starts with a quote (oslo.config strips spaces,
    then removes one pair of matching quotes — only that, so quotes need no escaping)."""
    return _quoted_if_stripped(str(value), str(value).replace("$", "$$"))


def option_file(value: object) -> str:
    """A value of a MySQL option file as PyMySQL reads it (configparser without
    interpolation, one pair of matching quotes removed): quoted like ``ini``, no ``$`` rule."""
    return _quoted_if_stripped(str(value), str(value))


def _quoted_if_stripped(text: str, written: str) -> str:
    """``written`` as is, or in double quotes when the reader (strip, then remove one pair
    of matching quotes) would otherwise change ``text``."""
    if text and not text[0].isspace() and text[0] not in "\"'" and not text[-1].isspace():
        return written
    return f'"{written}"'


def swift_ini(value: object) -> str:
    """A value of a swift config file. Swift's reader (readconf and its paste loader)
    interpolates a value only when it holds ``%(``, so only then is ``%`` doubled (the
    doubled value still holds ``%(``, and reads back as the original)."""
    text = str(value)
    return text.replace("%", "%%") if "%(" in text else text


def url(value: object) -> str:
    """A URL's user or password part: every reserved character percent-encoded (SQLAlchemy
    and oslo.messaging decode it again)."""
    return urllib.parse.quote(str(value), safe="")


def sql(value: object) -> str:
    """A MariaDB string literal, quotes included (backslash and quote escaped)."""
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def mycnf(value: object) -> str:
    """A my.cnf option value: double-quoted, backslash and quote escaped (outside quotes
    '#' would start a comment), unless it is letters, digits and ``_.:/@+=-`` only."""
    text = str(value)
    if _PLAIN.fullmatch(text):
        return text
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def erlang_binary(value: object) -> str:
    """An Erlang binary literal for advanced.config (RabbitMQ): ``<<"...">>``."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'<<"{text}">>'


def shell(value: object) -> str:
    """One word for a POSIX shell (stackrc)."""
    return shlex.quote(str(value))


FILTERS = {"ini": ini, "option_file": option_file, "swift_ini": swift_ini, "url": url, "sql": sql, "mycnf": mycnf,
           "erlang_binary": erlang_binary, "shell": shell}
