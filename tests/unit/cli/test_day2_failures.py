"""Day-2 commands' failure modes end in one message (with what to do), exit 1, no
traceback, and before anything on the host changes."""
from __future__ import annotations

import pytest

from undercroft.cli import lifecycle, main as cli_main


@pytest.fixture
def run(monkeypatch, capsys):
    monkeypatch.setattr(lifecycle.os, "geteuid", lambda: 0)  # past the root check

    def _run(*argv: str) -> str:
        assert cli_main.main(list(argv)) == 1
        captured = capsys.readouterr()
        err = captured.err + captured.out
        assert "Traceback" not in err, err
        return err
    return _run


def test_restore_of_a_missing_archive(run, write_conf, tmp_path):
    err = run("restore", str(tmp_path / "nope.tar.gz"), "--config", str(write_conf()))
    assert "nope.tar.gz" in err


def test_restore_of_something_that_is_not_a_backup(run, write_conf, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar archive at all")
    err = run("restore", str(junk), "--config", str(write_conf()))
    assert "junk.tar.gz" in err


def test_destroy_purge_without_a_terminal_asks_for_yes(run, write_conf, monkeypatch):
    monkeypatch.setattr(lifecycle.sys.stdin, "isatty", lambda: False)
    err = run("destroy", "--purge-data", "--config", str(write_conf()))
    assert "-y" in err


def test_update_with_a_bad_option_names_file_and_line(run, write_conf):
    conf = write_conf("enable_heatt = true\n")
    err = run("update", "--config", str(conf))
    assert f"{conf}:" in err and "enable_heatt" in err


def test_upgrade_rollback_and_cleanup_together_is_refused(run, write_conf):
    err = run("upgrade", "--rollback", "--cleanup", "--config", str(write_conf()))
    assert "--rollback" in err and "--cleanup" in err


def test_rollback_of_a_deployment_that_was_never_upgraded_changes_nothing(run, write_conf, tmp_path):
    err = run("upgrade", "--rollback", "--config", str(write_conf()))
    assert "was not upgraded from host processes: nothing to roll back" in err
    state = tmp_path / "state"  # holds only the command's event log: no unit, no config
    assert not (state / "host-units.json").exists() and not (state / "config").exists()
