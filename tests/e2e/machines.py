"""Throw-away machines for the host-level e2e tiers (baremetal, takeover).

A baremetal undercloud owns the distribution's paths (/var/lib/mysql, /etc/keystone,
/etc/systemd/system, ...): on the machine that runs the suite they would collide with
the operator's own undercloud (``make deploy``'s containers keep their data in the
same /var/lib/mysql). So each of those tiers gets a machine of its own, made here and
removed afterwards: a privileged podman "machine container" with its own root file
system (the project's base image plus systemd, podman and the role's packages,
``machine/Containerfile``), its own podman storage for the containers an upgrade
starts (the host's image store mounted read-only as an additional image store, so
images are built once) and the host's network, as a second Debian host would share a
LAN; the deployment itself runs in a namespace of its own inside.

Why a container and not a QEMU VM: only TCG works here (KVM guests hang), and a whole
undercloud under TCG runs several times slower on two cores; a machine container runs
it at full speed and still gives a real systemd as PID 1, a root file system of its own
and a reboot (``podman stop`` sends systemd SIGRTMIN+3: an orderly shutdown of every
unit; ``podman start`` boots it again). The measurements are in docs/testing.md.

``systemd=False`` boots a host without systemd instead (dumb-init as PID 1): a Debian
host with sysv-rc init scripts and supervisor, the path the CI host itself has.

The repository, its virtualenv and the virtualenv's interpreter are mounted read-only
at their own paths, so the tests run the same ``undercroft`` inside; a tier's files
directory is shared at its own path, so the tests read reports and clouds.yaml directly. Everything else inside the
machine is read through ``path()`` (``/proc/<pid>/root``), never the host's own paths.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from undercroft.images import catalog
from undercroft.images.builder import ImageBuilder
from undercroft.plan.hashing import digest
from undercroft.podman_cli import GLOBAL_FLAGS
from undercroft.report import Reporter
from undercroft.runtime.podman import Podman

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
PYTHON = Path(sys.base_prefix)  # the venv's interpreter (pyenv's, say), if not the system's
RECIPE = Path(__file__).with_name("machine")
LABEL = "undercroft.test-machine"
HOST_IMAGES = "/var/lib/containers/storage"
PODMAN = ["podman", *GLOBAL_FLAGS]


def _podman(*args: str, check: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([*PODMAN, *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def build_base(conf: Path) -> None:
    """The rootfs and base images of ``conf`` (the machine image's parents)."""
    from undercroft.lifecycle import deployment

    dep = deployment.load(conf)
    with tempfile.TemporaryDirectory(prefix="undercroft-machine-") as logs:
        ImageBuilder(Podman(), Reporter(quiet=True), Path(logs), dep.settings.debian_mirror).ensure(
            catalog.closure(dep.images, ["base"]))


def machine_image(conf: Path) -> str:
    """The machine image for the role of ``conf`` (built if its content hash is new):
    the base image of that configuration plus ``machine/Containerfile`` and the Debian
    packages a baremetal install of the role would put on the host."""
    from undercroft.images import recipe
    from undercroft.lifecycle import deployment
    from undercroft.runtime.hostpackages import HOST_ONLY

    dep = deployment.load(conf)
    packages = recipe.for_images(dep.images, dep.image_names).packages
    packages += [p for p in HOST_ONLY if p not in packages]
    mirror = dep.settings.debian_mirror
    build_dir = Path(tempfile.mkdtemp(prefix="undercroft-machine-"))
    try:
        context = build_dir / "context"
        shutil.copytree(RECIPE, context)
        (context / "packages.txt").write_text(" ".join(packages) + "\n")
        base = dep.images["base"]
        tag = digest({"parent": base.ref, "recipe": (RECIPE / "Containerfile").read_text(),
                      "packages": packages, "mirror": mirror})[:16]
        image = catalog.ImageDef("machine", "base", context, tag)
        images = [*catalog.closure(dep.images, ["base"]), image]
        ImageBuilder(Podman(), Reporter(quiet=True), build_dir / "logs", mirror).ensure(images)
        return image.ref
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)


class Machine:
    def __init__(self, name: str, image: str, shared: list[Path], storage: Path,
                 systemd: bool = True):
        self.name = name
        self.image = image
        self.shared = shared
        self.storage = storage  # the machine's own podman storage, on the host's disk
        self.systemd = systemd

    # -- life cycle -------------------------------------------------------------------
    @staticmethod
    def remove_all(name: str) -> None:
        """Whatever an earlier run left of machine ``name`` (by label)."""
        out = _podman("ps", "-a", "--format", "{{.Names}}", "--filter", f"label={LABEL}={name}",
                      check=False).stdout.split()
        if out:
            _podman("rm", "-f", "-t", "5", *out, check=False, timeout=300)

    def boot(self) -> None:
        self.remove_all(self.name)
        shutil.rmtree(self.storage, ignore_errors=True)
        self.storage.mkdir(parents=True)
        volumes = [f"{self.storage}:/var/lib/containers/storage",
                   f"{HOST_IMAGES}:/var/lib/host-images:ro",
                   "/sys/fs/cgroup:/sys/fs/cgroup:rw",  # every v1 hierarchy, for nested podman
                   f"{REPO}:{REPO}:ro"]
        volumes += [f"{p}:{p}:ro" for p in (VENV, PYTHON)
                    if not p.is_relative_to(REPO) and not p.is_relative_to("/usr")]
        volumes += [f"{p}:{p}" for p in self.shared]
        init = (["--systemd=always"] if self.systemd
                else ["--systemd=false", "--entrypoint", "/usr/bin/dumb-init"])
        _podman("run", "-d", "--name", self.name, "--hostname", self.name,
                "--add-host", f"{self.name}:127.0.1.1", "--label",
                f"{LABEL}={self.name}", "--privileged", "--cgroupns=host", "--network=host",
                "--ulimit", "nofile=16384:16384", "--ulimit", "nproc=8192:8192",
                *init, *[a for v in volumes for a in ("-v", v)], self.image,
                *([] if self.systemd else ["sleep", "infinity"]))
        self.wait_booted()

    def wait_booted(self, timeout: float = 120) -> None:
        if not self.systemd:
            return
        deadline = time.monotonic() + timeout
        while True:
            state = self.run("systemctl", "is-system-running", check=False).stdout.strip()
            if state in ("running", "degraded"):
                return
            assert time.monotonic() < deadline, f"machine {self.name} did not boot: {state}"
            time.sleep(1)

    def reboot(self, timeout: int = 600, boot_timeout: float = 1800) -> None:
        """An orderly shutdown (systemd stops every unit, the boot unit's ExecStop
        included) and a boot of the same root file system. The boot is over when systemd
        says so: after the boot unit's ``undercroft start`` (2.5 min on a loaded 2-core
        machine), within its own TimeoutStartSec."""
        _podman("stop", "-t", str(timeout), self.name, timeout=timeout + 60)
        _podman("start", self.name)
        self.wait_booted(boot_timeout)

    def destroy(self) -> None:
        self.remove_all(self.name)
        shutil.rmtree(self.storage, ignore_errors=True)

    # -- inside -------------------------------------------------------------------------
    @property
    def pid(self) -> int:
        return int(_podman("inspect", "--format", "{{.State.Pid}}", self.name).stdout)

    def path(self, path: str | Path) -> Path:
        """A path of the machine's file system, seen from the host (open, stat, glob
        and readlink it; never ``resolve()`` it: /proc/PID/root reads as "/")."""
        return Path(f"/proc/{self.pid}/root") / str(path).lstrip("/")

    def exec_argv(self, env: dict[str, str] | None = None) -> list[str]:
        """The host command line that runs what follows it inside the machine."""
        envs = [a for k, v in (env or {}).items() for a in ("--env", f"{k}={v}")]
        return [*PODMAN, "exec", "--workdir", "/", *envs, self.name]

    def run(self, *argv: str, check: bool = True, env: dict[str, str] | None = None,
            timeout: float | None = None) -> subprocess.CompletedProcess:
        """A command inside the machine (as root, in /, no stdin)."""
        proc = subprocess.run([*self.exec_argv(env), *argv],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"[{self.name}] {' '.join(argv)} failed (exit {proc.returncode}):"
                                 f"\n{proc.stdout}\n{proc.stderr}")
        return proc

    def python(self, code: str, *args: str) -> object:
        """Run ``code`` with the project's virtualenv inside the machine; it prints one
        JSON value, returned here."""
        proc = self.run(str(VENV / "bin" / "python"), "-c", code, *args,
                        env={"PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"})
        return json.loads(proc.stdout)

    def podman(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(*PODMAN, *args, check=check)

    def labelled_containers(self, deployment: str, running_only: bool = False) -> list[str]:
        out = self.podman("ps", *([] if running_only else ["-a"]), "--format", "{{.Names}}",
                          "--filter", f"label=undercroft.deployment={deployment}").stdout
        return out.split()

    def process_info(self, deployment: str) -> dict[str, dict]:
        """The host runtime's long-running processes of ``deployment`` as its process
        manager (systemd or supervisor) reports them (pids are the machine's)."""
        info = self.python("import json\nfrom undercroft.runtime.host import process_manager\n"
                           "print(json.dumps(process_manager().all_info()))")
        assert isinstance(info, dict)
        return {n: i for n, i in info.items() if n.startswith(f"{deployment}-")}

    def host_processes_in_namespace(self, namespace: str) -> list[list]:
        """(pid, command line) of the machine's processes in ``namespace`` that no
        container holds (tests/e2e/conftest.py's check, run inside)."""
        found = self.python("import json, sys\n"
                            "from tests.e2e.conftest import host_processes_in_namespace as f\n"
                            "print(json.dumps(f(sys.argv[1])))", namespace)
        assert isinstance(found, list)
        return found

    def installed(self, package: str) -> bool:
        proc = self.run("dpkg-query", "-W", "-f", "${Status}", package, check=False)
        return proc.stdout.endswith(" installed")
