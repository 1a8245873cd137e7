"""The type check: mypy over undercroft/ (and the unit tests' fake runtime) with the
profile in pyproject.toml's [tool.mypy], the same as ``python -m mypy`` from the top
directory.

A unit test rather than a step of scripts/run-tests.sh: a type error is then one failed
test of the ``unit`` job in the CI table (tests/jobs.py) that ``make test`` prints, and a
plain ``pytest tests/unit`` catches it too.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_reports_no_type_errors(tmp_path):
    assert importlib.util.find_spec("mypy") is not None, \
        "mypy is not installed: pip install -e '.[test]' (make test does)"
    # a fresh cache in tmp_path: nothing is left in the checkout (a few seconds more)
    proc = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"mypy found type errors:\n{proc.stdout}{proc.stderr}"
