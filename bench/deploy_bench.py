#!/usr/bin/env python3
"""Deploy benchmark: cold / warm deploy, no-op re-run, one-service change, plan alone,
and the running undercloud's memory (PSS per service).

Runs the real CLI against a throw-away deployment (namespace ``ucbench``), each scenario
several times, and reports median and spread plus the ratio of the warm deploy's wall
time to its critical path (the longest chain of one-shot and start-to-healthy durations
per step, from the deploy's own event log). Not part of the test suite: numbers are
reported, never asserted.

    python bench/deploy_bench.py [--runs 3] [--cold] [--json bench/results/NAME.json]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

NAME = "ucbench"
ROOT = Path("/var/tmp/undercroft-bench")
BIN = Path(sys.executable).parent
CONF = ROOT / "undercloud.conf"
ENV = ROOT / "change.yaml"


def conf_text() -> str:
    return f"""[DEFAULT]
output_dir = {ROOT}/home
undercloud_hostname = undercloud.localdomain
custom_env_files = {ENV}
[undercroft]
network_namespace = {NAME}
deployment_name = {NAME}
data_root = {ROOT}/data
state_dir = {ROOT}/state
log_dir = {ROOT}/log
"""


def sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if check and proc.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def podman(*args: str, check: bool = False):
    return sh("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs",
              "--events-backend", "file", *args, check=check)


def wipe() -> None:
    out = podman("ps", "-a", "--format", "{{.Names}}", "--filter",
                 f"label=undercroft.deployment={NAME}").stdout.split()
    if out:
        podman("rm", "-f", "-t", "0", *out)
    if Path("/run/netns", NAME).exists():
        sh("ip", "netns", "del", NAME, check=False)
    shutil.rmtree(ROOT, ignore_errors=True)
    ROOT.mkdir(parents=True)
    CONF.write_text(conf_text())
    set_threads(4)


def set_threads(n: int) -> None:
    ENV.write_text(f"parameter_defaults:\n  KeystoneThreads: {n}\n")


def timed(*args: str) -> float:
    t0 = time.monotonic()
    sh(str(BIN / "undercroft"), *args, "--config", str(CONF))
    return time.monotonic() - t0


def latest_events() -> list[dict]:
    files = sorted((ROOT / "state" / "events").glob("install-*.jsonl"), key=lambda p: p.stat().st_mtime)
    return [json.loads(line) for line in files[-1].read_text().splitlines()]


# ../shared/reference/measurements-critical-path.md: the measured phases of a deploy
# (infra, schema syncs, API starts) run back to back on this VM kind, images present.
REFERENCE_FLOOR_S = 68.0


def registration_seconds(events: list[dict]) -> float:
    """How long the keystone_register one-shot took (every service, user, endpoint)."""
    done = [e["seconds"] for e in events
            if e["event"] == "container_done" and e["container"].endswith("keystone_register")]
    return done[-1] if done else float("nan")


def critical_path(events: list[dict]) -> tuple[float, list[str]]:
    """Per step, the longest service chain (sum of its containers' durations); summed."""
    chains: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for e in events:
        if e["event"] == "container_done":
            chains[e["step"]][e["service"]] += e["seconds"]
    total, path = 0.0, []
    for step in sorted(chains):
        service, secs = max(chains[step].items(), key=lambda kv: kv[1])
        total += secs
        path.append(f"step {step}: {service} {secs:.1f}s")
    return total, path


def _rollup(pid: str) -> tuple[int, int]:
    """(Pss, Rss) in kB of one process, from /proc/PID/smaps_rollup."""
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def memory() -> dict:
    """PSS and RSS of every process in the deployment's running containers, by service.

    A container's processes are those sharing its init process's PID namespace. PSS
    splits shared pages (the common image layers' libraries) fairly between processes,
    so the total is what the undercloud really costs; RSS double counts them.
    """
    out = podman("ps", "--format", "json", "--filter", f"label=undercroft.deployment={NAME}").stdout
    by_ns: dict[str, str] = {}
    for c in json.loads(out or "[]"):
        pid = c.get("Pid")
        if pid:
            try:
                by_ns[os.readlink(f"/proc/{pid}/ns/pid")] = c["Labels"]["undercroft.service"]
            except OSError:
                pass
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            ns = os.readlink(f"/proc/{pid}/ns/pid")
        except OSError:
            continue
        if ns in by_ns:
            pss, rss = _rollup(pid)
            per[by_ns[ns]][0] += pss
            per[by_ns[ns]][1] += rss
    mib = lambda kb: round(kb / 1024, 1)  # noqa: E731
    return {"total_pss_mib": mib(sum(v[0] for v in per.values())),
            "total_rss_mib": mib(sum(v[1] for v in per.values())),
            "pss_mib_by_service": {k: mib(v[0]) for k, v in sorted(per.items(),
                                                                   key=lambda kv: -kv[1][0])}}


def stats(xs: list[float]) -> dict:
    return {"median": round(statistics.median(xs), 2), "min": round(min(xs), 2),
            "max": round(max(xs), 2), "runs": len(xs)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cold", action="store_true",
                    help="also measure a cold deploy: removes every localhost/undercroft image first")
    ap.add_argument("--json", type=Path, help="write results here (e.g. bench/results/DATE.json)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: run as root")
    res: dict = {"machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                             "python": platform.python_version()}, "scenarios": {}}
    if args.cold:
        imgs = podman("images", "--format", "{{.Repository}}:{{.Tag}}",
                      "--filter", "reference=localhost/undercroft/*").stdout.split()
        if imgs:
            if podman("rmi", *imgs).returncode != 0:
                sys.exit("bench: --cold needs the undercroft images unused; stop other deployments first")
        wipe()
        res["scenarios"]["cold (images + deploy)"] = stats([timed("install")])
    warm, crit, ratio, floor, register, noop, change, plan = [], [], [], [], [], [], [], []
    path: list[str] = []
    for i in range(args.runs):
        wipe()
        t = timed("install")
        events = latest_events()
        cp, path = critical_path(events)
        warm.append(t)
        crit.append(cp)
        ratio.append(t / cp)
        floor.append(t / REFERENCE_FLOOR_S)
        register.append(registration_seconds(events))
    for i in range(args.runs):
        noop.append(timed("install"))
    for i in range(args.runs):
        set_threads(5 + i)
        change.append(timed("install"))
    for i in range(args.runs):
        plan.append(timed("plan"))
    time.sleep(30)  # let the services settle (workers forked, caches warm) before measuring
    res["memory"] = memory()
    sc = res["scenarios"]
    sc["warm deploy (images present)"] = stats(warm)
    sc["critical path of warm deploy"] = stats(crit)
    sc["warm deploy / critical path"] = stats(ratio)
    sc[f"warm deploy / reference floor ({REFERENCE_FLOOR_S:.0f} s)"] = stats(floor)
    sc["keystone registration (in the warm deploy)"] = stats(register)
    sc["no-op re-run"] = stats(noop)
    sc["one-service change (keystone)"] = stats(change)
    sc["plan alone"] = stats(plan)
    res["critical_path"] = path
    print("| scenario | median s | min–max s | runs |\n|---|---|---|---|")
    for name, s in sc.items():
        print(f"| {name} | {s['median']} | {s['min']}–{s['max']} | {s['runs']} |")
    print("\ncritical path (last warm deploy): " + "; ".join(path))
    m = res["memory"]
    print(f"\nmemory after deploy: PSS {m['total_pss_mib']} MiB (RSS {m['total_rss_mib']} MiB); "
          + ", ".join(f"{k} {v}" for k, v in m["pss_mib_by_service"].items()))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=2) + "\n")
    wipe()
    shutil.rmtree(ROOT, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
