"""Run an exported multi-host deploy with ansible-playbook (the callback prints progress)."""
from __future__ import annotations

import os
import subprocess

from undercroft.errors import DeployError
from undercroft.lifecycle.multihost.export import Exported
from undercroft.lifecycle.multihost.inventory import BIN


def run_playbook(exported: Exported) -> None:
    env = dict(os.environ, ANSIBLE_CONFIG=str(exported.output / "ansible.cfg"),
               ANSIBLE_NOCOLOR="1" if not os.isatty(1) else os.environ.get("ANSIBLE_NOCOLOR", ""))
    proc = subprocess.run([str(BIN / "ansible-playbook"), str(exported.playbook)], env=env,
                          cwd=exported.output, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise DeployError(f"the multi-host deploy failed (ansible-playbook exit {proc.returncode}); "
                          f"the summary above names the host and its error",
                          hint=f"fix it and re-run: finished steps are not repeated "
                               f"(or: cd {exported.output} && ANSIBLE_CONFIG=ansible.cfg "
                               f"ansible-playbook deploy.yml)")
