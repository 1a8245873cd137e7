#!/usr/bin/env python3
"""Engine benchmark: the same N long-running containers converged by raw podman (the
floor), Undercroft's engine (make_plan + StepExecutor as a library), podman-compose,
paunch and Ansible containers.podman.

Why: docs/performance.md measures whole deploys, where the services' own start-up
dominates; this isolates what each converge engine itself adds on top of `podman run`.
Same set as ../shared/reference/measurements-peer-engines.md: containers from one local
image, 3 labels, 2 env vars, one read-only bind mount, host network, stop signal SIGKILL
(in the image, so no engine pays a stop timeout), one containers.conf for every engine.

Scenarios per engine: (a) first bring-up, (b) no-op re-run, (c) one env var changed on
one container, (d) one more container whose command exits 1 right after start: does the
run fail and name it? R rounds, engine order rotated each round. Numbers are reported,
never asserted. Run as root with the project venv:

    .venv/bin/python bench/engines_bench.py [--rounds 5] [-n 20] [--json FILE]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path("/var/tmp/undercroft-engines-bench")  # the bench's own dir: conf, mount, files
CONF = ROOT / "containers.conf"
MOUNT = ROOT / "mnt"
IMAGE = "localhost/undercroft-bench/sleeper:1"
FAIL_IMAGE = "localhost/undercroft-bench/sleeper:fail"  # CMD: `sleep notanumber` -> exit 1
BENCH_LABEL = "undercroft-bench"
UC_DEPLOYMENT = "ucbe-undercroft"
TOOLS = Path("/var/tmp/bench-venv/bin")  # --tools-venv/bin
TRACING = False  # --trace-calls
ENGINES = ("rawseq", "rawpar", "rawhc", "undercroft", "compose", "paunch", "ansible")
TITLES = {"rawseq": "raw `podman run -d`, sequential",
          "rawpar": "raw `podman run -d`, 2 in parallel",
          "rawhc": "raw, 2 in parallel + health flags + one `podman healthcheck run` each",
          "undercroft": "Undercroft engine (make_plan + StepExecutor)",
          "undercroft-lib": "… of which in the engine (excl. interpreter start-up + imports)",
          "compose": "podman-compose (`up -d`)", "paunch": "paunch (`apply`)",
          "ansible": "ansible-core + containers.podman (`podman_container` loop)"}
SCENARIOS = ("a", "b", "c", "d")
SC_TITLES = {"a": "(a) first bring-up", "b": "(b) no-op re-run", "c": "(c) one env var changed",
             "d": "(d) + one failing container"}
CONTAINERS_CONF = """\
# Same podman settings for every engine (Undercroft also passes them as flags).
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=8192:8192"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
VENV_HELP = """create it with:
  python3 -m venv /var/tmp/bench-venv
  /var/tmp/bench-venv/bin/pip install podman-compose paunch ansible-core ansible
(offline: extract ansible_collections/containers/podman from the `ansible` wheel into
 /var/tmp/bench-venv/lib/python3.*/site-packages/)"""


TRACE = ROOT / "trace"  # --trace-calls: a `podman` shim first on PATH logs every call


def env() -> dict:
    e = {**os.environ, "CONTAINERS_CONF": str(CONF)}
    if TRACING:
        e.update(PATH=f"{TRACE}:{e['PATH']}", UCBE_TRACE=str(TRACE / "calls.log"))
    return e


def start_tracing() -> None:
    global TRACING
    real = shutil.which("podman")
    TRACE.mkdir(parents=True, exist_ok=True)
    shim = TRACE / "podman"
    shim.write_text(f'#!/bin/sh\necho "$*" >> "$UCBE_TRACE"\nexec {real} "$@"\n')
    shim.chmod(0o755)
    TRACING = True


def traced_calls() -> dict[str, int] | None:
    """podman calls since the last read, by verb (then forgotten)."""
    log = TRACE / "calls.log"
    if not TRACING or not log.exists():
        return None if not TRACING else {}
    counts: dict[str, int] = {}
    for line in log.read_text().splitlines():
        line = line.replace("--runtime runc --cgroup-manager cgroupfs --events-backend file ", "")
        words = [w for w in line.split() if not w.startswith("-")]
        words = words or ["--version"]
        two = words[0] in ("container", "image", "pod", "healthcheck")
        verb = " ".join(words[:2]) if two else words[0]
        counts[verb] = counts.get(verb, 0) + 1
    log.unlink()
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def sh(*argv: str, check: bool = True, cwd: Path | None = None,
       extra_env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, stdin=subprocess.DEVNULL,
                          env={**env(), **(extra_env or {})})
    if check and proc.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc


def podman(*args: str, check: bool = False) -> subprocess.CompletedProcess:
    return sh("podman", *args, check=check)


# --- the container set (one description, translated per engine) ---------------------------
def container_set(engine: str, n: int, changed: bool = False, failing: bool = False) -> list[dict]:
    """N sleepers; with ``changed`` container 01 gets another BENCH_VALUE; with ``failing``
    container N+1 runs the image whose command exits 1 at once."""
    labels = {BENCH_LABEL: "1", "bench.engine": engine, "bench.set": "engines"}
    out = [{"name": f"ucbe-{engine}-{i:02d}", "image": IMAGE, "labels": labels,
            "env": {"BENCH_INDEX": str(i), "BENCH_VALUE": "changed" if changed and i == 1 else "base"},
            "volume": f"{MOUNT}:/mnt/bench:ro"} for i in range(1, n + 1)]
    if failing:
        out.append({**out[-1], "name": f"ucbe-{engine}-{n + 1:02d}", "image": FAIL_IMAGE,
                    "env": {"BENCH_INDEX": str(n + 1), "BENCH_VALUE": "base"}})
    return out


def observe(engine: str) -> dict[str, dict]:
    """name -> podman ps record of this engine's bench containers."""
    out = podman("ps", "-a", "--format", "json", "--filter", f"label={BENCH_LABEL}=1",
                 "--filter", f"label=bench.engine={engine}", check=True).stdout
    return {c["Names"][0]: c for c in json.loads(out or "[]")
            if c["Names"][0].startswith(f"ucbe-{engine}-")}


def wipe(engine: str) -> None:
    """Remove this engine's bench containers (label AND name prefix: never anything else)."""
    names = list(observe(engine))
    if names:
        podman("rm", "-f", "-t", "0", *names)
    if engine == "compose":
        if podman("pod", "exists", "pod_ucbe-compose").returncode == 0:
            podman("pod", "rm", "-f", "pod_ucbe-compose")
    if engine == "paunch":
        for pid in Path("/var/run").glob("ucbe-paunch-*.pid"):
            pid.unlink(missing_ok=True)


# --- engines: each converges the set and returns (exit code, output) ----------------------
def raw_hash(c: dict) -> str:
    return hashlib.sha256(json.dumps(c, sort_keys=True).encode()).hexdigest()[:12]


# What Undercroft's run_args() adds for a healthcheck "true" (see undercroft/runtime/podman.py).
HEALTH_FLAGS = ("--health-cmd", "true", "--health-interval", "30s", "--health-retries", "3",
                "--health-timeout", "10s", "--health-start-period", "60s",
                "--health-on-failure", "restart")


def apply_raw(engine: str, cset: list[dict], parallel: int, health: bool = False) -> tuple[int, str]:
    """The floor: one `podman ps`, compare a hash label, rm + run what differs. With
    ``health``, also what any engine that checks health with podman must pay at least."""
    have = {n: c.get("Labels", {}).get("bench.hash") for n, c in observe(engine).items()}

    def one(c: dict) -> subprocess.CompletedProcess:
        if c["name"] in have:
            podman("rm", "-f", "-t", "0", c["name"])
        args = ["run", "-d", "--name", c["name"], "--network", "host", "--volume", c["volume"]]
        for k, v in {**c["labels"], "bench.hash": raw_hash(c)}.items():
            args += ["--label", f"{k}={v}"]
        for k, v in c["env"].items():
            args += ["--env", f"{k}={v}"]
        if not health:
            return podman(*args, c["image"])
        proc = podman(*args, *HEALTH_FLAGS, c["image"])
        return proc if proc.returncode else podman("healthcheck", "run", c["name"])

    todo = [c for c in cset if have.get(c["name"]) != raw_hash(c)]
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        procs = list(pool.map(one, todo))
    return max((p.returncode for p in procs), default=0), "".join(p.stderr for p in procs)


def apply_undercroft(cset: list[dict]) -> tuple[int, str, dict]:
    """Runs the worker below in a fresh interpreter, like a CLI (start-up is paid)."""
    proc = sh(sys.executable, __file__, "--undercroft-worker", json.dumps(cset), check=False)
    try:
        info = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        sys.exit(f"bench: undercroft worker broke:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return proc.returncode, proc.stderr, info


def undercroft_worker(cset: list[dict]) -> int:
    """make_plan + StepExecutor on the set; prints one JSON line with a breakdown.

    Each container is its own service (a chain of one), so the executor's pool of two
    runs two at a time, as the raw 2-parallel floor does. The schema wants a healthcheck
    for long-running containers: "true", the cheapest one (it still costs one
    `podman healthcheck run` per container, which is what the breakdown shows).
    """
    t0 = time.monotonic()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from rich.console import Console
    from undercroft.errors import UndercroftError
    from undercroft.plan import DesiredContainer, make_plan
    from undercroft.plan.hashing import digest, short
    from undercroft.plan.model import labels
    from undercroft.report import Reporter
    from undercroft.runtime.executor import StepExecutor
    from undercroft.runtime.podman import Podman

    class CountingPodman(Podman):
        calls: dict[str, list] = {}

        def call(self, *args, **kw):
            t = time.monotonic()
            try:
                return super().call(*args, **kw)
            finally:
                verb = " ".join(args[:2]) if args[0] in ("container", "healthcheck") else args[0]
                n_s = self.calls.setdefault(verb, [0, 0.0])
                n_s[0] += 1
                n_s[1] += time.monotonic() - t

    t_import = time.monotonic() - t0
    desired, extra = [], {}
    for c in cset:
        spec = {"network": "host", "hostname": "", "volumes": [c["volume"]], "environment": c["env"],
                "cap_add": [], "privileged": False, "healthcheck": "true", "restart": "no",
                "log_path": str(ROOT / "logs" / f"{c['name']}.log"), "timeout": 60}
        inputs = {"image": c["image"], "config": {},
                  "spec": {k: short(digest(v)) for k, v in sorted(spec.items()) if k != "timeout"}}
        desired.append(DesiredContainer(name=c["name"], service=c["name"], step=1, order=1,
                                        image=c["image"], spec=spec, inputs=inputs))
        extra[c["name"]] = c["labels"]
    pm = CountingPodman()
    reporter = Reporter(console=Console(file=sys.stderr), quiet=True)
    executor = StepExecutor(pm, reporter, lambda d: {**labels(d, UC_DEPLOYMENT), **extra[d.name]})
    rc, plan, t_plan, t1 = 0, None, None, time.monotonic()
    try:
        plan = make_plan(desired, pm.containers(UC_DEPLOYMENT))
        t_plan = time.monotonic() - t1
        executor.execute(plan, {1: "bench"})
    except UndercroftError as err:
        print(f"error: {err.message}\n{err.detail}", file=sys.stderr)
        rc = 1
    print(json.dumps({"import_s": round(t_import, 3), "engine_s": round(time.monotonic() - t1, 3),
                      "observe_plan_s": t_plan and round(t_plan, 3),
                      "plan": plan.summary() if plan else "none", "failed": bool(rc),
                      "calls": {k: [n, round(s, 3)] for k, (n, s) in sorted(pm.calls.items())}}))
    return rc


def apply_compose(cset: list[dict]) -> tuple[int, str]:
    d = ROOT / "compose"
    d.mkdir(exist_ok=True)
    services = {c["name"]: {"image": c["image"], "container_name": c["name"],
                            "labels": c["labels"], "environment": c["env"],
                            "volumes": [c["volume"]], "network_mode": "host"} for c in cset}
    (d / "compose.yaml").write_text(json.dumps({"services": services}, indent=1))  # JSON is YAML
    proc = sh(str(TOOLS / "podman-compose"), "-p", "ucbe-compose", "-f", str(d / "compose.yaml"),
              "up", "-d", check=False, cwd=d)
    return proc.returncode, proc.stdout + proc.stderr


def apply_paunch(cset: list[dict]) -> tuple[int, str]:
    """No restart policy: with one, paunch writes systemd units and fails without systemd.
    paunch labels are per config, not per container: the same 3 labels go on all."""
    d = ROOT / "paunch"  # TripleO layout: one hashed-<container>.json per container
    d.mkdir(exist_ok=True)
    for old in d.glob("hashed-*.json"):
        old.unlink()
    for c in cset:
        (d / f"hashed-{c['name']}.json").write_text(json.dumps(
            {"image": c["image"], "net": "host", "environment": c["env"], "volumes": [c["volume"]]}))
    lab = [a for k, v in cset[0]["labels"].items() for a in ("--label", f"{k}={v}")]
    proc = sh(str(TOOLS / "paunch"), "--log-file", str(ROOT / "paunch.log"),  # not /var/log
              "apply", "--file", str(d),
              "--config-id", "ucbe-paunch", "--managed-by", "ucbe-bench", *lab, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def apply_ansible(cset: list[dict]) -> tuple[int, str]:
    d = ROOT / "ansible"
    (d / "tmp").mkdir(parents=True, exist_ok=True)
    task = {"containers.podman.podman_container": {
        "name": "{{ item.name }}", "image": "{{ item.image }}", "state": "started",
        "network": "host", "labels": "{{ item.labels }}", "env": "{{ item.env }}",
        "volumes": ["{{ item.volume }}"]},
        "loop": "{{ containers }}", "loop_control": {"label": "{{ item.name }}"}}
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [task]}]
    (d / "play.yaml").write_text(json.dumps(play, indent=1))
    (d / "vars.json").write_text(json.dumps({"containers": cset}))
    quiet = {"ANSIBLE_HOME": str(d), "ANSIBLE_LOCAL_TEMP": str(d / "tmp"), "ANSIBLE_NOCOLOR": "1",
             "ANSIBLE_PYTHON_INTERPRETER": str(TOOLS / "python"),
             "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_RETRY_FILES_ENABLED": "false"}
    proc = sh(str(TOOLS / "ansible-playbook"), "-i", "localhost,", "-e", f"@{d / 'vars.json'}",
              str(d / "play.yaml"), check=False, cwd=d, extra_env=quiet)
    return proc.returncode, proc.stdout + proc.stderr


def apply(engine: str, cset: list[dict]) -> tuple[int, str, dict | None]:
    if engine.startswith("raw"):
        return (*apply_raw(engine, cset, 1 if engine == "rawseq" else 2, engine == "rawhc"), None)
    if engine == "undercroft":
        return apply_undercroft(cset)
    fn = {"compose": apply_compose, "paunch": apply_paunch, "ansible": apply_ansible}[engine]
    return (*fn(cset), None)


# --- measuring ---------------------------------------------------------------------------------
def touched(before: dict, after: dict) -> dict:
    """How many containers a run recreated (new ID) or restarted (same ID, new start)."""
    same = [n for n in before if n in after and after[n]["Id"] == before[n]["Id"]]
    return {"recreated": sum(1 for n in after if n in before and n not in same),
            "restarted": sum(1 for n in same if after[n]["StartedAt"] != before[n]["StartedAt"])}


def one_round(engine: str, n: int) -> dict:
    """wipe -> (a) -> (b) -> (c) -> (d) -> wipe; each timed around the engine's call."""
    wipe(engine)
    res = {}
    sets = {"a": container_set(engine, n), "b": container_set(engine, n),
            "c": container_set(engine, n, changed=True),
            "d": container_set(engine, n, changed=True, failing=True)}
    for sc in SCENARIOS:
        before = observe(engine)
        traced_calls()
        t0 = time.monotonic()
        rc, output, info = apply(engine, sets[sc])
        secs = time.monotonic() - t0
        calls = traced_calls()
        after = observe(engine)
        running = sum(1 for c in after.values() if c["State"] == "running")
        r = {"seconds": round(secs, 3), "rc": rc, "running": running, **touched(before, after)}
        if info:
            r["undercroft"] = info
        if calls is not None:
            r["podman_calls"] = calls
        if sc == "d":
            fail_name = sets["d"][-1]["name"]
            r["names_failed_container"] = rc != 0 and fail_name in output
            r["output_tail"] = output.strip()[-400:]
        elif rc != 0 or running != n:
            sys.exit(f"bench: {engine} ({sc}) rc={rc}, {running}/{n} running:\n{output[-3000:]}")
        res[sc] = r
    wipe(engine)
    return res


def stats(xs: list[float]) -> dict:
    return {"median": round(statistics.median(xs), 2), "min": round(min(xs), 2),
            "max": round(max(xs), 2), "runs": len(xs)}


def prepare(engines: list[str]) -> dict:
    """containers.conf, the mount, the two image tags; tool versions (skips none silently)."""
    ROOT.mkdir(parents=True, exist_ok=True)
    MOUNT.mkdir(exist_ok=True)
    (MOUNT / "hello").write_text("read-only bind mount\n")
    CONF.write_text(CONTAINERS_CONF)
    if podman("image", "exists", IMAGE).returncode != 0:
        bases = podman("images", "--format", "{{.Repository}}:{{.Tag}}", "--filter",
                       "reference=localhost/undercroft/base", check=True).stdout.split()
        if not bases:
            sys.exit("bench: no localhost/undercroft/base image: build the images first (make test)")
        build(IMAGE, f'FROM {bases[0]}\nENTRYPOINT ["sleep"]\nCMD ["infinity"]\nSTOPSIGNAL SIGKILL\n')
    if podman("image", "exists", FAIL_IMAGE).returncode != 0:
        build(FAIL_IMAGE, f'FROM {IMAGE}\nCMD ["notanumber"]\n')
    versions = {"podman": podman("--version").stdout.split()[-1], "python": platform.python_version()}
    others = podman("ps", "-a", "-q", "--filter", "label=managed_by=paunch").stdout.strip()
    if "paunch" in engines and others:
        sys.exit("bench: containers labelled managed_by=paunch exist; paunch falls back to those "
                 "and could rename them: not running")
    need = {"compose": "podman-compose", "paunch": "paunch", "ansible": "ansible-playbook"}
    for engine, tool in need.items():
        if engine in engines and not (TOOLS / tool).exists():
            sys.exit(f"bench: {TOOLS / tool} missing; {VENV_HELP}")
    def first_line(*argv: str) -> str:
        return sh(*argv).stdout.splitlines()[0].split()[-1].rstrip("]")

    if "compose" in engines:
        versions["podman-compose"] = first_line(str(TOOLS / "podman-compose"), "version")
    if "paunch" in engines:
        versions["paunch"] = first_line(str(TOOLS / "paunch"), "--version")
    if "ansible" in engines:
        versions["ansible-core"] = first_line(str(TOOLS / "ansible"), "--version")
        manifest = next(TOOLS.parent.glob("lib/python3*/site-packages/ansible_collections/"
                                          "containers/podman/MANIFEST.json"), None)
        if manifest is None:
            sys.exit(f"bench: containers.podman collection missing in {TOOLS.parent}; {VENV_HELP}")
        versions["containers.podman"] = json.loads(manifest.read_text())["collection_info"]["version"]
    return versions


def build(tag: str, containerfile: str) -> None:
    ctx = ROOT / "build"
    ctx.mkdir(exist_ok=True)
    (ctx / "Containerfile").write_text(containerfile)
    podman("build", "-q", "--label", f"{BENCH_LABEL}=1", "-t", tag, str(ctx), check=True)


def report(engines: list[str], rounds: list[dict]) -> dict:
    """Summaries per engine and scenario plus ratios to Undercroft (same run)."""
    out: dict = {}
    for e in engines:
        runs = [r[e] for r in rounds]
        out[e] = {sc: stats([r[sc]["seconds"] for r in runs]) for sc in SCENARIOS}
        out[e]["last_round"] = {sc: {k: runs[-1][sc].get(k) for k in
                                     ("recreated", "restarted", "podman_calls")} for sc in SCENARIOS}
        out[e]["failure"] = [{"rc": r["d"]["rc"], "names_it": r["d"]["names_failed_container"]}
                             for r in runs]
    if "undercroft" in engines:
        runs = [r["undercroft"] for r in rounds]
        out["undercroft-lib"] = {sc: stats([r[sc]["undercroft"]["engine_s"] for r in runs])
                                 for sc in SCENARIOS}
        out["undercroft-lib"]["breakdown"] = {sc: runs[-1][sc]["undercroft"] for sc in SCENARIOS}
        for e in out:
            out[e]["ratio_to_undercroft"] = {
                sc: round(out[e][sc]["median"] / out["undercroft"][sc]["median"], 2)
                for sc in SCENARIOS}
        order = [k for e in engines for k in ((e, "undercroft-lib") if e == "undercroft" else (e,))]
        out = {k: out[k] for k in order}  # the engine-only row right under Undercroft's
    return out


def print_tables(summary: dict) -> None:
    def cell(e: str, sc: str) -> str:
        s = summary[e][sc]
        ratio = summary[e].get("ratio_to_undercroft", {}).get(sc)
        return f"{s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f})" + (f" ×{ratio:.2f}" * bool(ratio))

    print("| engine | " + " | ".join(SC_TITLES[s] for s in SCENARIOS) + " |")
    print("|---|" + "---|" * len(SCENARIOS))
    for e in summary:
        print(f"| {TITLES[e]} | " + " | ".join(cell(e, sc) for sc in SCENARIOS) + " |")
    print("\nmedian seconds (min–max); ×: ratio to the Undercroft engine row, same run\n")

    def calls(t: dict) -> str:
        return "" if t["podman_calls"] is None else f", {sum(t['podman_calls'].values())} podman calls"

    print("| engine | (b) recreated / restarted | (c) recreated / restarted | (d) exit codes "
          "| (d) fails naming the container |")
    print("|---|---|---|---|---|")
    for e, s in summary.items():
        if "failure" in s:
            t = s["last_round"]
            codes = ",".join(str(f["rc"]) for f in s["failure"])
            named = "yes" if all(f["names_it"] for f in s["failure"]) else \
                "no" if not any(f["names_it"] for f in s["failure"]) else "sometimes"
            print(f"| {TITLES[e]} | {t['b']['recreated']} / {t['b']['restarted']}{calls(t['b'])} | "
                  f"{t['c']['recreated']} / {t['c']['restarted']}{calls(t['c'])} | {codes} | {named} |")
    if "undercroft-lib" in summary:
        print("\nUndercroft, where the time goes (last round; podman calls by verb: count / summed s)")
        for sc, b in summary["undercroft-lib"]["breakdown"].items():
            calls = ", ".join(f"{v} {n}/{s:.2f}s" for v, (n, s) in b["calls"].items())
            in_podman = sum(s for _, s in b["calls"].values())
            print(f"- {SC_TITLES[sc]}: imports {b['import_s']:.2f}s, engine {b['engine_s']:.2f}s "
                  f"(observe+plan {b['observe_plan_s'] or 0:.2f}s; plan: {b['plan']}); "
                  f"in podman {in_podman:.2f}s summed over 2 threads: {calls}")


def main() -> int:
    global TOOLS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    ap.add_argument("--rounds", "-r", type=int, default=5)
    ap.add_argument("-n", "--containers", type=int, default=20)
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset")
    ap.add_argument("--tools-venv", type=Path, default=Path("/var/tmp/bench-venv"),
                    help="venv with podman-compose, paunch, ansible-core + containers.podman")
    ap.add_argument("--json", type=Path, help="write results here (bench/results/DATE-engines.json)")
    ap.add_argument("--rmi", action="store_true", help="remove the sleeper image tags at the end")
    ap.add_argument("--trace-calls", action="store_true",
                    help="count every engine's podman calls through a logging shim (adds ~2 ms a call)")
    ap.add_argument("--undercroft-worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.undercroft_worker:
        return undercroft_worker(json.loads(args.undercroft_worker))
    if os.geteuid() != 0:
        sys.exit("bench: run as root")
    TOOLS = args.tools_venv / "bin"
    engines = [e for e in args.engines.split(",") if e]
    if unknown := set(engines) - set(ENGINES):
        sys.exit(f"bench: unknown engines {sorted(unknown)}; choose from {', '.join(ENGINES)}")
    versions = prepare(engines)
    if args.trace_calls:
        start_tracing()
    load_before = os.getloadavg()
    if load_before[0] >= 1.0:
        print(f"bench: load average {load_before[0]:.2f}: numbers will be noisy", file=sys.stderr)
    rounds = []
    try:
        for i in range(args.rounds):
            order = engines[i % len(engines):] + engines[:i % len(engines)]
            print(f"round {i + 1}/{args.rounds}: {' '.join(order)}", file=sys.stderr)
            rounds.append({e: one_round(e, args.containers) for e in order})
    finally:
        for e in engines:
            wipe(e)
        if args.rmi:
            podman("rmi", FAIL_IMAGE, IMAGE)
        shutil.rmtree(ROOT, ignore_errors=True)
    summary = report(engines, rounds)
    print_tables(summary)
    load = {"before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()]}
    print(f"\nversions: {versions}; load average before {load['before']}, after {load['after']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "machine": {"cpus": os.cpu_count(), "kernel": platform.release()}, "versions": versions,
            "containers": args.containers, "rounds": args.rounds, "load_average": load,
            "summary": summary, "raw": rounds}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
