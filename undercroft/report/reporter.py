"""Progress lines (rich) and a JSON-lines event log with timestamps.

The event log feeds ``bench/`` (critical path) and troubleshooting; it only ever holds
names, states, reasons and durations — never parameter values; known secret values are
masked in everything printed or recorded (undercroft/redact.py).
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from rich.console import Console

from undercroft import redact
from rich.markup import escape

STYLES = {"ok": "green", "keep": "dim", "fail": "bold red", "warn": "yellow", "run": "cyan",
          "remove": "magenta"}


class Reporter:
    def __init__(self, console: Console | None = None, event_log: Path | None = None,
                 quiet: bool = False):
        self.console = console or Console(highlight=False, soft_wrap=True)
        self.quiet = quiet
        self._lock = threading.Lock()
        self._events = None
        if event_log is not None:
            event_log.parent.mkdir(parents=True, exist_ok=True)
            self._events = open(event_log, "a")
        self.event_log = event_log
        self.started = time.monotonic()

    def __enter__(self) -> "Reporter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._events:
            self._events.close()
            self._events = None

    def event(self, kind: str, **fields) -> None:
        if self._events is None:
            return
        record = {"ts": round(time.time(), 3), "event": kind, **fields}
        line = json.dumps(record, sort_keys=True)
        if redact.redact(line) != line:  # mask inside the values, keeping the JSON valid
            record = {k: redact.redact(v) if isinstance(v, str) else v for k, v in record.items()}
            line = json.dumps(record, sort_keys=True)
        with self._lock:
            self._events.write(line + "\n")
            self._events.flush()

    def _print(self, text: str) -> None:
        with self._lock:
            self.console.print(redact.redact(text))

    def phase(self, title: str) -> None:
        self.event("phase", title=title)
        if not self.quiet:
            self._print(f"[bold]== {escape(title)}[/bold]")

    def line(self, status: str, name: str, detail: str = "", seconds: float | None = None) -> None:
        style = STYLES.get(status, "bold")
        took = f" ({seconds:.1f}s)" if seconds is not None else ""
        if not self.quiet or status in ("fail", "warn"):
            self._print(f"  [{style}]{status:<8}[/{style}] {escape(name)}"
                        f"{' ' + escape(detail) if detail else ''}{took}")

    def info(self, text: str) -> None:
        if not self.quiet:
            self._print(escape(text))

    def warn(self, text: str) -> None:
        self.event("warning", message=text)
        self._print(f"[yellow]WARNING[/yellow] {escape(text)}")

    def elapsed(self) -> float:
        return time.monotonic() - self.started
