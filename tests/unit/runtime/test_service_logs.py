"""Which host log file is a container's, and which of its lines are worth quoting."""
from __future__ import annotations

import os
from pathlib import Path

from undercroft.runtime.service_logs import host_log_dirs, recent_errors


def test_only_volumes_mounted_under_var_log_are_log_dirs():
    assert host_log_dirs(["/srv/log/nova:/var/log/nova:z", "/etc/x:/etc/x:ro",
                          "named-volume:/var/log/y"]) == [Path("/srv/log/nova")]


def test_files_of_other_containers_and_older_files_are_ignored(tmp_path):
    line = "2026-11-26 09:00:00.000 7 ERROR ironic [-] boom\n"
    (tmp_path / "ironic-conductor.log").write_text(line)
    (tmp_path / "ironic-api.log").write_text(line.replace("boom", "api boom"))
    vols = [f"{tmp_path}:/var/log/ironic"]
    path, lines = recent_errors(vols, "uce2e-ironic_api", since=0)
    assert path == tmp_path / "ironic-api.log" and lines == [line.replace("boom", "api boom").strip()]
    os.utime(tmp_path / "ironic-api.log", (1000, 1000))
    assert recent_errors(vols, "uce2e-ironic_api", since=2000) == (None, [])


def test_api_running_under_uwsgi_owns_its_wsgi_log(tmp_path):
    (tmp_path / "nova-api-wsgi.log").write_text("2026-11-26 09:00:00.000 7 CRITICAL nova [-] x\n")
    path, lines = recent_errors([f"{tmp_path}:/var/log/nova"], "nova_api", since=0)
    assert path == tmp_path / "nova-api-wsgi.log" and len(lines) == 1
