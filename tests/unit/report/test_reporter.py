"""Reporter: JSON-lines event log and quiet/markup behaviour."""
from __future__ import annotations

import io
import json

from rich.console import Console

from undercroft.report import Reporter


def make(tmp_path, quiet=False):
    out = io.StringIO()
    r = Reporter(console=Console(file=out, width=200, color_system=None), quiet=quiet,
                 event_log=tmp_path / "logs" / "events.jsonl")
    return r, out


def test_event_log_is_json_lines_with_timestamps(tmp_path):
    r, _ = make(tmp_path)
    r.event("container_start", container="mysql", step=2)
    r.phase("Step 2")
    r.warn("careful")
    r.close()
    lines = (tmp_path / "logs" / "events.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [rec["event"] for rec in records] == ["container_start", "phase", "warning"]
    assert records[0]["container"] == "mysql" and records[0]["step"] == 2
    assert all(isinstance(rec["ts"], float) for rec in records)
    assert records[2]["message"] == "careful"


def test_event_log_appends_across_runs(tmp_path):
    for _ in range(2):
        r, _ = make(tmp_path)
        r.event("install_start")
        r.close()
    assert len((tmp_path / "logs" / "events.jsonl").read_text().splitlines()) == 2


def test_quiet_hides_progress_but_not_failures_and_warnings(tmp_path):
    r, out = make(tmp_path, quiet=True)
    r.phase("Step 2")
    r.info("hello")
    r.line("ok", "mysql", "healthy", 1.25)
    r.line("fail", "keystone", "exited with code 1")
    r.warn("unused parameter")
    r.close()
    text = out.getvalue()
    assert "Step 2" not in text and "hello" not in text and "mysql" not in text
    assert "keystone exited with code 1" in text and "WARNING unused parameter" in text


def test_lines_show_duration_and_escape_markup(tmp_path):
    r, out = make(tmp_path)
    r.line("ok", "mysql", "healthy [bold]x[/bold]", 1.25)
    r.close()
    assert "mysql healthy [bold]x[/bold] (1.2s)" in out.getvalue() or \
        "mysql healthy [bold]x[/bold] (1.3s)" in out.getvalue()


def test_no_event_log_means_no_file(tmp_path):
    r = Reporter(console=Console(file=io.StringIO()), quiet=True)
    r.event("x", a=1)  # must not fail
    r.close()
    assert list(tmp_path.iterdir()) == []
