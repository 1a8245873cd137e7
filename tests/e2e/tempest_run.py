"""Run upstream's API suites (tempest, ironic-tempest-plugin) against an undercloud.

Used by tests/e2e/test_tempest.py on the e2e tier's shared deployment, and by hand on
any other test deployment while developing (never through pytest):

    .venv/bin/python -m tests.e2e.tempest_run --namespace ucepoxy --root /var/tmp/ucepoxy

Everything happens under ``<root>/tempest`` (made afresh each run, 0700): tempest's
workspace with its tempest.conf (0600, tests/e2e/tempest_conf.py), its logs and stestr's
results. tempest runs inside the deployment's network namespace, from the tempest venv
(scripts/tempest-venv.sh, pinned by tests/e2e/tempest/requirements.txt), with the test
selection kept in tests/e2e/tempest/ (include.txt, exclude.txt: each exclusion with its
reason, listed in docs/testing.md).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SELECTION = REPO / "tests/e2e/tempest"
INCLUDE = SELECTION / "include.txt"
EXCLUDE = SELECTION / "exclude.txt"
VENV = Path(os.environ.get("UNDERCROFT_TEMPEST_VENV") or REPO / ".venv-tempest")
# Two workers: the machine has two cores, and the undercloud's services share them.
CONCURRENCY = 2
TIMEOUT = 30 * 60


def ensure_venv() -> Path:
    """The tempest venv, created or refreshed when its pinned requirements changed
    (scripts/tempest-venv.sh: a no-op when up to date)."""
    proc = subprocess.run(["bash", str(REPO / "scripts/tempest-venv.sh")], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, UNDERCROFT_TEMPEST_VENV=str(VENV)))
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/tempest-venv.sh failed:\n{proc.stdout}\n{proc.stderr}")
    return VENV


@dataclass
class Result:
    returncode: int
    seconds: float
    output: str
    counts: dict[str, int] = field(default_factory=dict)
    failing: list[str] = field(default_factory=list)
    workspace: Path | None = None

    @property
    def passed(self) -> int:
        return self.counts.get("passed", 0)

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0)

    @property
    def skipped(self) -> int:
        return self.counts.get("skipped", 0)

    def summary(self) -> str:
        return (f"tempest: {self.passed} passed, {self.failed} failed, {self.skipped} skipped "
                f"in {self.seconds / 60:.1f} min")


TOTALS = re.compile(r"^ - (Passed|Skipped|Failed|Expected Fail|Unexpected Success): (\d+)$", re.M)


def parse_totals(output: str) -> dict[str, int]:
    """tempest run's closing "Totals" block: {'passed': N, 'skipped': N, 'failed': N, ...}."""
    return {name.lower().replace(" ", "_"): int(n) for name, n in TOTALS.findall(output)}


SUITES = ("tempest.api.identity", "tempest.api.image", "tempest.api.network",
          "tempest.api.object_storage", "ironic_tempest_plugin.tests.api")
# stestr's line per test: "{worker} test.id[attrs] [0.123s] ... ok"
TEST_LINE = re.compile(r"^\{\d+\} (\S+?)(?:\[[^\]]*\])? \[[\d.]+s\] \.\.\. (ok|FAILED)$", re.M)


def passed_by_suite(output: str) -> dict[str, int]:
    """How many tests of each suite passed, from tempest run's lines."""
    counts = dict.fromkeys(SUITES, 0)
    for test_id, outcome in TEST_LINE.findall(output):
        for suite in SUITES:
            if outcome == "ok" and test_id.startswith(suite + "."):
                counts[suite] += 1
    return counts


def cloud_ca(clouds_yaml: Path, cloud: str) -> str | None:
    """The CA file of the cloud's entry in clouds.yaml (not its password)."""
    import yaml
    entry = yaml.safe_load(Path(clouds_yaml).read_text())["clouds"][cloud]
    return entry.get("cacert")


def run(namespace: str, root: Path, clouds_yaml: Path | None = None, cloud: str = "undercloud",
        concurrency: int = CONCURRENCY, python: str = sys.executable,
        extra: list[str] | None = None) -> Result:
    """tempest's selected API tests against the undercloud of ``namespace``, whose
    clouds.yaml is ``clouds_yaml`` (default: ``<root>/home/.config/openstack/clouds.yaml``)."""
    venv = ensure_venv()
    clouds_yaml = clouds_yaml or root / "home/.config/openstack/clouds.yaml"
    base = root / "tempest"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(mode=0o700, parents=True)
    workspace = base / "workspace"
    netns = ["ip", "netns", "exec", namespace]

    def call(cmd: list[str], **kw) -> subprocess.CompletedProcess:
        return subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)

    init = call([str(venv / "bin/tempest"), "init", "--workspace-path",
                 str(base / "workspaces.yaml"), "--name", f"{namespace}-tempest", str(workspace)])
    if init.returncode != 0:
        raise RuntimeError(f"tempest init failed:\n{init.stdout}\n{init.stderr}")
    gen = call([*netns, python, "-m", "tests.e2e.tempest_conf", "--clouds-yaml", str(clouds_yaml),
                "--cloud", cloud, "--output", str(workspace / "etc/tempest.conf"),
                "--workspace", str(workspace), "--facts", str(base / "facts.json")], cwd=REPO)
    if gen.returncode != 0:
        raise RuntimeError(f"tempest.conf generation failed:\n{gen.stdout}\n{gen.stderr}")

    start = time.monotonic()
    cmd = [*netns, str(venv / "bin/tempest"), "run", "--include-list", str(INCLUDE),
           "--exclude-list", str(EXCLUDE), "--concurrency", str(concurrency), *(extra or [])]
    env = dict(os.environ, PATH=f"{venv / 'bin'}:{os.environ.get('PATH', '')}")
    # tempest's object client opens its Expect: 100-continue connection with Python's
    # default TLS context, not [identity] ca_certificates_file: the default context trusts
    # the undercloud's CA through SSL_CERT_FILE (tempest talks to nothing else).
    cacert = cloud_ca(clouds_yaml, cloud)
    if cacert:
        env["SSL_CERT_FILE"] = cacert
    with open(base / "run.log", "w") as log:
        try:
            proc = subprocess.run(cmd, cwd=workspace, stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=env, timeout=TIMEOUT)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            rc = -1
    seconds = time.monotonic() - start
    output = (base / "run.log").read_text(errors="replace")
    failing = call([str(venv / "bin/stestr"), "failing", "--list"], cwd=workspace, env=env)
    ids = sorted({re.sub(r"\[.*\]$", "", ln.strip()) for ln in failing.stdout.splitlines()
                  if ln.strip() and not ln.startswith(" ")})
    return Result(rc, seconds, output, parse_totals(output), ids, workspace)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--namespace", required=True)
    ap.add_argument("--root", required=True, type=Path,
                    help="the deployment's root (clouds.yaml under home/, tempest/ made here)")
    ap.add_argument("--cloud", default="undercloud")
    ap.add_argument("--concurrency", type=int, default=CONCURRENCY)
    ap.add_argument("extra", nargs="*", help="more arguments for tempest run (e.g. a regex)")
    args = ap.parse_args(argv)
    result = run(args.namespace, args.root, cloud=args.cloud, concurrency=args.concurrency,
                 extra=args.extra)
    print(result.summary())
    for test_id in result.failing:
        print(f"FAILED {test_id}")
    print(f"workspace: {result.workspace} (run.log, logs/tempest.log)")
    return 0 if result.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
