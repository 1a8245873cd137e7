"""Registers the CI jobs (tests/jobs.py): order of the run and the summary table."""
from __future__ import annotations

from tests.jobs import ORDER, JobsPlugin


def pytest_addoption(parser):
    parser.addoption("--job", action="append", default=[], choices=list(ORDER),
                     help="run only this CI job's tests (repeatable)")


def pytest_configure(config):
    config.addinivalue_line("markers", "job(name): the CI job an e2e module belongs to "
                                       "(upgrade, roles, install, update); default install")
    config.addinivalue_line("markers", "own_deployment: the module deploys its own undercloud "
                                       "and removes it; it runs first in its job")
    config.addinivalue_line("markers", "after_all: runs after every job (checks what the "
                                       "suite must leave as it found it)")
    config.pluginmanager.register(JobsPlugin(config.getoption("job")), "undercroft-ci-jobs")
