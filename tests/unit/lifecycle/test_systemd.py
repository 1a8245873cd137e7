"""The boot unit: written only where systemd is PID 1, and it runs `undercroft start`."""
from __future__ import annotations

from pathlib import Path

from undercroft.config import loader
from undercroft.config.translate import translate
from undercroft.lifecycle import systemd
from undercroft.report import Reporter


def test_unit_runs_start_and_stop_with_the_config(write_conf):
    settings = translate(loader.load(write_conf(undercroft="deployment_name = uc9\n"))).settings
    text = systemd.unit_text(settings, Path("/root/under cloud.conf"), "/opt/uc/bin/undercroft")
    assert systemd.unit_name(settings) == "undercroft-uc9.service"
    assert "ExecStart=/opt/uc/bin/undercroft start --config '/root/under cloud.conf'" in text
    assert "ExecStop=/opt/uc/bin/undercroft stop --config '/root/under cloud.conf'" in text
    assert "WantedBy=multi-user.target" in text and "Type=oneshot" in text


def test_nothing_is_written_without_systemd(write_conf, tmp_path, monkeypatch):
    settings = translate(loader.load(write_conf())).settings
    monkeypatch.setattr(systemd, "systemd_is_pid1", lambda: False)
    units = tmp_path / "units"
    units.mkdir()
    assert systemd.install_unit(settings, None, Reporter(quiet=True), unit_dir=units) is None
    assert list(units.iterdir()) == []
    assert systemd.remove_unit(settings, unit_dir=units) is False
