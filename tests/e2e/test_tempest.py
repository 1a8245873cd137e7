"""Upstream's API suites against the shared undercloud (issue 22): tempest's identity,
image, network (no project networks) and object storage API tests, and
ironic-tempest-plugin's API tests.

tempest and the plugin come from PyPI, pinned (tests/e2e/tempest/requirements.txt), in a
venv of their own (scripts/tempest-venv.sh). tempest.conf is written from the
deployment's clouds.yaml and what its APIs say (tests/e2e/tempest_conf.py); tempest runs
inside the deployment's namespace with two workers; the selection and each exclusion
with its reason are in tests/e2e/tempest/ and docs/testing.md ("Upstream API suites").
Everything tempest leaves (workspace, logs, stestr results) is under <lab root>/tempest.
"""
from __future__ import annotations

import pytest

from . import tempest_run
from .conftest import BIN, NAME, ROOT


@pytest.fixture(scope="module")
def tempest_result(deployed):
    return tempest_run.run(NAME, ROOT, python=str(BIN / "python"))


def test_upstream_api_suites_pass(tempest_result):
    result = tempest_result
    print(result.summary())
    failing = "\n".join(f"  {t}" for t in result.failing) or "  (none listed by stestr)"
    assert result.returncode == 0 and result.failed == 0, (
        f"{result.summary()}; failing tests:\n{failing}\n"
        f"details: {result.workspace}/../run.log and {result.workspace}/logs/tempest.log\n"
        f"{result.output[-3000:]}")
    # the selection ran: each suite passed tests of its own
    by_suite = tempest_run.passed_by_suite(result.output)
    assert all(by_suite.values()), by_suite

