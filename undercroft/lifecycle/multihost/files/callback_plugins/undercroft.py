"""Ansible stdout callback for Undercroft's multi-host deploy: per host and step, the
same progress lines a local deploy prints; on failure the host's one short message;
at the end one summary table. (Copied next to deploy.yml by 'undercroft export ansible'.)
"""
from __future__ import annotations

import re

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: undercroft
    type: stdout
    short_description: Undercroft progress per host and step
    description: Prints each host's undercroft install output per step and a summary.
"""

PROGRESS = re.compile(r"^\s*(run|ok|keep|fail|warn|start|stop|remove|create|recreate)\b")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "undercroft"

    def __init__(self):
        super().__init__()
        self.rows: dict[str, dict] = {}

    def _row(self, host: str) -> dict:
        return self.rows.setdefault(host, {"changed_steps": [], "failed": "", "steps": 0})

    def v2_playbook_on_play_start(self, play):
        self._display.display(f"== {play.get_name()}")

    def _step(self, result) -> int | None:
        m = re.search(r"--step (\d)", result._task.get_name())
        return int(m.group(1)) if m else None

    def v2_runner_on_ok(self, result):
        host = result._host.get_name()
        step = self._step(result)
        if step is None:
            state = "changed" if result._result.get("changed") else "ok"
            self._display.display(f"   {host:<14} {state:<8} {result._task.get_name()}")
            return
        row = self._row(host)
        row["steps"] += 1
        out = result._result.get("stdout", "")
        if result._result.get("changed"):
            row["changed_steps"].append(step)
            for line in out.splitlines():
                if PROGRESS.match(line) and not line.lstrip().startswith("keep"):
                    self._display.display(f"   {host:<14} {line.strip()}")
        summary = [ln.strip() for ln in out.splitlines() if ln.strip().startswith(("Nothing to do", "Plan:"))]
        self._display.display(f"   {host:<14} step {step}: {summary[-1] if summary else 'done'}")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        host = result._host.get_name()
        r = result._result
        text = (r.get("stderr") or r.get("msg") or "").strip().splitlines()
        short = "\n".join(text[-15:])
        self._row(host)["failed"] = text[0] if text else "failed"
        self._display.display(f"   {host:<14} FAILED {result._task.get_name()}\n{short}", color="red")

    def v2_runner_on_unreachable(self, result):
        host = result._host.get_name()
        msg = result._result.get("msg", "unreachable")
        self._row(host)["failed"] = f"unreachable: {msg}"
        self._display.display(f"   {host:<14} UNREACHABLE {msg}", color="red")

    def v2_playbook_on_stats(self, stats):
        self._display.display("== Summary")
        self._display.display(f"   {'host':<14} {'result':<8} changed steps")
        for host in sorted(stats.processed):
            row = self._row(host)
            s = stats.summarize(host)
            result = "FAILED" if (s["failures"] or s["unreachable"]) else "ok"
            steps = ",".join(map(str, row["changed_steps"])) or "none"
            self._display.display(f"   {host:<14} {result:<8} {steps}")
            if row["failed"]:
                self._display.display(f"   {'':<14} {row['failed']}")
        changed = sum(stats.summarize(h)["changed"] for h in stats.processed)
        self._display.display(f"   {changed} changed")
