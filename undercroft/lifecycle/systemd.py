"""Start at boot where systemd is PID 1: one unit that runs ``undercroft start``.

One unit per deployment, not one per container: ``start`` already knows the step order,
``after:`` and the healthchecks, and recreates the namespace/bridge first, which
per-container units could not express. Where systemd is not PID 1 (containers, this
build VM) nothing is written and the operator runs ``undercroft start`` after a boot.
"""
from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from undercroft.config.translate import Settings
from undercroft.runtime.systemd_units import systemd_is_pid1

UNIT_DIR = Path("/etc/systemd/system")


def unit_name(settings: Settings) -> str:
    return f"undercroft-{settings.deployment_name}.service"


def unit_text(settings: Settings, conf: Path | None, undercroft: str) -> str:
    cfg = f" --config {shlex.quote(str(conf))}" if conf else ""
    cmd = shlex.quote(undercroft)
    return f"""# Written by undercroft install: brings deployment '{settings.deployment_name}' up at boot.
[Unit]
Description=Undercroft undercloud '{settings.deployment_name}' (podman containers, step order)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart={cmd} start{cfg}
ExecStop={cmd} stop{cfg}
TimeoutStartSec=1800

[Install]
WantedBy=multi-user.target
"""


def install_unit(settings: Settings, conf: Path | None, reporter,
                 unit_dir: Path = UNIT_DIR) -> Path | None:
    if not systemd_is_pid1():
        reporter.event("systemd_unit_skipped", reason="systemd is not PID 1")
        return None
    undercroft = str(Path(sys.argv[0]).resolve()) if sys.argv and sys.argv[0] else "undercroft"
    path = unit_dir / unit_name(settings)
    text = unit_text(settings, conf.resolve() if conf else None, undercroft)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
        subprocess.run(["systemctl", "daemon-reload"], check=False)
        subprocess.run(["systemctl", "enable", path.name], check=False, capture_output=True)
        reporter.line("ok", path.name, "enabled: the undercloud starts at boot")
    return path


def remove_unit(settings: Settings, unit_dir: Path = UNIT_DIR) -> bool:
    path = unit_dir / unit_name(settings)
    if not path.exists():
        return False
    subprocess.run(["systemctl", "disable", path.name], check=False, capture_output=True)
    path.unlink()
    subprocess.run(["systemctl", "daemon-reload"], check=False)
    return True
