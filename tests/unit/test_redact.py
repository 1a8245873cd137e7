"""Known secrets never reach the terminal or the event log, in any form a file writes."""
from __future__ import annotations

import io
import json

from rich.console import Console

from undercroft import redact
from undercroft.cli.base import print_error
from undercroft.errors import DeployError
from undercroft.render import quoting
from undercroft.report import Reporter

SECRET = "p@ss w%rd#'$x"


def test_every_form_of_a_registered_secret_is_masked():
    redact.register([SECRET, "short"])
    for form in (SECRET, quoting.url(SECRET), quoting.sql(SECRET), quoting.ini(SECRET),
                 quoting.mycnf(SECRET)):
        assert SECRET not in redact.redact(f"near {form} at line 2")
        assert redact.MASK in redact.redact(form)
    assert redact.redact("a short word") == "a short word"  # too short to register


def test_reporter_masks_lines_warnings_and_events(tmp_path):
    redact.register([SECRET])
    out = io.StringIO()
    log = tmp_path / "events.jsonl"
    reporter = Reporter(console=Console(file=out, width=200), event_log=log)
    reporter.line("fail", "uce2e-mysql_bootstrap", f"ERROR 1064 near '{quoting.sql(SECRET)}'")
    reporter.warn(f"connection {quoting.url(SECRET)}@host failed")
    reporter.close()
    text = out.getvalue() + log.read_text()
    assert SECRET not in text and quoting.url(SECRET) not in text and redact.MASK in text
    assert [json.loads(line)["event"] for line in log.read_text().splitlines()] == ["warning"]


def test_an_error_with_a_log_tail_is_printed_masked(capsys):
    redact.register([SECRET])
    print_error(DeployError(f"step 2: {SECRET}", detail=f"password = {quoting.ini(SECRET)}",
                            hint=f"try {quoting.url(SECRET)}"))
    err = capsys.readouterr().err
    assert SECRET not in err and quoting.url(SECRET) not in err and err.count(redact.MASK) == 3
