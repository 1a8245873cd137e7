"""The CI jobs operators ask for, as one pytest run: ``unit``, ``integration``, then the
e2e jobs ``upgrade`` (baremetal undercloud to containers), ``roles`` (the same templates
as a Standalone all-in-one), ``install`` (fresh deploy, services, provisioning) and
``update`` (day 2: minor update, backup/restore, restart).

An e2e module names its job with ``pytestmark = pytest.mark.job("update")``; unmarked
e2e modules belong to ``install``. The upgrade and roles jobs run first, each removing
or stopping its deployment, before the ``install`` job's undercloud exists, so no two
deployments share the two CPUs. For the same reason a module marked
``pytest.mark.own_deployment`` (it deploys its own undercloud and removes it) runs first
in its job, before the job's shared deployment exists; ``pytest.mark.after_all`` runs
after every job (the check that the operator's own undercloud survived). At the end a
table lists each job with its test counts, outcome and time. ``--job NAME`` runs one.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest

ORDER = ("unit", "integration", "upgrade", "roles", "install", "update")


def job_of(item: pytest.Item) -> str:
    tier = item.nodeid.split("/")[1] if item.nodeid.startswith("tests/") else "unit"
    if tier != "e2e":
        return tier
    marker = item.get_closest_marker("job")
    return marker.args[0] if marker else "install"


@dataclass
class Job:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    started: float | None = None
    ended: float | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return "FAILED" if self.failed else ("passed" if self.passed else "no tests")


class JobsPlugin:
    def __init__(self, only: list[str] | None = None):
        self.only = set(only or ())
        self.jobs: dict[str, Job] = {}
        self.job_by_nodeid: dict[str, str] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        for item in items:
            self.job_by_nodeid[item.nodeid] = job_of(item)
        if self.only:
            dropped = [i for i in items if self.job_by_nodeid[i.nodeid] not in self.only]
            items[:] = [i for i in items if self.job_by_nodeid[i.nodeid] in self.only]
            config.hook.pytest_deselected(items=dropped)
        rank = {name: i for i, name in enumerate(ORDER)}
        items.sort(key=lambda i: (1 if i.get_closest_marker("after_all") else 0,
                                  rank.get(self.job_by_nodeid[i.nodeid], len(ORDER)),
                                  0 if i.get_closest_marker("own_deployment") else 1))  # stable

    def pytest_runtest_logstart(self, nodeid, location):
        job = self.jobs.setdefault(self.job_by_nodeid.get(nodeid, "unit"), Job())
        job.started = job.started or time.monotonic()

    def pytest_runtest_logreport(self, report):
        job = self.jobs.setdefault(self.job_by_nodeid.get(report.nodeid, "unit"), Job())
        job.seconds += report.duration
        job.ended = time.monotonic()
        if report.failed:
            job.failed += 1
            job.failures.append(report.nodeid)
        elif report.when == "call" and report.passed:
            job.passed += 1
        elif report.skipped:
            job.skipped += 1

    def rows(self) -> list[tuple[str, str, int, int, float]]:
        names = [n for n in ORDER if n in self.jobs] + sorted(set(self.jobs) - set(ORDER))
        return [(n, self.jobs[n].outcome, self.jobs[n].passed, self.jobs[n].failed,
                 self.jobs[n].seconds) for n in names]

    def pytest_terminal_summary(self, terminalreporter):
        tr = terminalreporter
        if not self.jobs:
            return
        tr.section("CI jobs")
        tr.write_line(f"{'job':<12} {'result':<9} {'passed':>6} {'failed':>6} {'time':>9}")
        for name, outcome, passed, failed, seconds in self.rows():
            minutes, secs = divmod(int(seconds), 60)
            tr.write_line(f"{name:<12} {outcome:<9} {passed:>6} {failed:>6} {minutes:>5}m{secs:02d}s")
