"""Test doubles for the unit tier.

``FakePodman`` implements ``undercroft.runtime.protocol.Runtime`` (the verbs
``StepExecutor`` and the lifecycle call; mypy checks it, see the end of this module),
records every call, and answers from per-container scripts instead of running anything.
``StaticHostFacts`` implements ``undercroft.config.facts.HostFacts`` (what translate and
the preflight checks ask of the host) from its fields, reading nothing.
"""
from __future__ import annotations

import dataclasses
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from undercroft.config.facts import Listener
from undercroft.config.validations import SYSCTLS, SYSCTLS_IPV6
from undercroft.lifecycle.baremetal import BareNode, Image
from undercroft.plan.hashing import config_hash
from undercroft.plan.model import (
    HASH_LABEL, INPUTS_LABEL, ONESHOT_LABEL, SERVICE_LABEL, STEP_LABEL, DesiredContainer,
    ObservedContainer,
)
from undercroft.runtime.protocol import UnitState

if TYPE_CHECKING:  # pragma: no cover
    from undercroft.config.facts import HostFacts
    from undercroft.lifecycle.baremetal import Cloud
    from undercroft.runtime.protocol import Runtime

NO_LOG_DIR = "/nonexistent-undercroft-unit-log"  # plan-only tests never execute
WRITE_METHODS = {"run_detached", "remove", "start", "stop", "stop_many", "rename"}
RUNNING = UnitState("running", 0)  # what FakePodman.inspect says of a unit by default


def _name_from_run_args(args: Sequence[str]) -> str:
    args = list(args)
    return args[args.index("--name") + 1]


class FakePodman:
    """Scriptable podman.

    exit_codes: container -> code returned by ``wait`` (or an exception instance to raise).
    health:     container -> healthcheck rc, or a list consumed one call at a time (the last
                value repeats). Default 0 (healthy).
    units:      container -> ``UnitState`` returned by ``inspect`` (and its ``restarts``
                by ``restart_counts``); default: running, no restarts.
    logs:       container -> text returned by ``logs_tail``.
    died:       container name or id -> exit code of its last "died" event
                (``last_exit_code``); default None (no event).
    observed:   what ``containers()`` returns.
    """

    def __init__(self, exit_codes: dict[str, Any] | None = None,
                 health: dict[str, Any] | None = None,
                 units: dict[str, UnitState] | None = None,
                 logs: dict[str, str] | None = None,
                 died: dict[str, int] | None = None,
                 observed: Iterable[ObservedContainer] = (),
                 images_present: Iterable[str] = ()):
        self.exit_codes = dict(exit_codes or {})
        self.images_present = set(images_present)
        self.health = {k: (list(v) if isinstance(v, (list, tuple)) else v)
                       for k, v in (health or {}).items()}
        self.units = dict(units or {})
        self.logs = dict(logs or {})
        self.died = dict(died or {})
        self.observed = list(observed)
        self.missing: set[str] = set()  # names exists() denies
        self.calls: list[tuple[str, str]] = []  # (method, container name)
        self.run_args: dict[str, list[str]] = {}
        self.on_call: Callable[[str, str], None] | None = None
        self._lock = threading.Lock()

    # -- bookkeeping ----------------------------------------------------------------------
    def _record(self, method: str, name: str) -> None:
        with self._lock:
            self.calls.append((method, name))
        if self.on_call:
            self.on_call(method, name)

    @property
    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[0] in WRITE_METHODS]

    def names(self, method: str) -> list[str]:
        return [n for m, n in self.calls if m == method]

    def index(self, method: str, name: str) -> int:
        return self.calls.index((method, name))

    # -- observation ------------------------------------------------------------------------
    def containers(self, deployment: str) -> list[ObservedContainer]:
        self._record("containers", deployment)
        return list(self.observed)

    def image_refs(self, repository: str) -> set[str]:
        self._record("image_refs", repository)
        return set(self.images_present)

    def logs_tail(self, name: str, lines: int = 30) -> str:
        self._record("logs_tail", name)
        return self.logs.get(name, "")

    def inspect(self, name: str) -> UnitState:
        self._record("inspect", name)
        return self.units.get(name, RUNNING)

    def restart_counts(self, names: Sequence[str]) -> dict[str, int]:
        self._record("restart_counts", ",".join(names))
        return {n: self.units.get(n, RUNNING).restarts for n in names}

    def last_exit_code(self, container_id: str) -> int | None:
        self._record("last_exit_code", container_id)
        return self.died.get(container_id)

    def healthcheck(self, name: str) -> int:
        self._record("healthcheck", name)
        script = self.health.get(name, 0)
        if isinstance(script, list):
            with self._lock:
                value = script.pop(0) if len(script) > 1 else script[0]
        else:
            value = script
        if isinstance(value, BaseException):
            raise value
        return value

    # -- changes ----------------------------------------------------------------------------
    def run_detached(self, args: Sequence[str]) -> None:
        name = _name_from_run_args(args)
        log = next(a for a in args if a.startswith("path="))
        assert NO_LOG_DIR not in log, "executed a container built without log_dir=tmp_path"
        self.run_args[name] = list(args)
        self._record("run_detached", name)

    def launch(self, d, labels) -> None:
        from undercroft.runtime.podman import run_args
        self.run_detached(run_args(d, labels))

    def remove(self, name: str) -> None:
        self._record("remove", name)

    def start(self, name: str) -> None:
        self._record("start", name)

    def stop(self, name: str, timeout: int = 10) -> None:
        self._record("stop", name)

    def rename(self, name: str, new_name: str) -> None:
        self._record("rename", f"{name}->{new_name}")

    def exists(self, name: str) -> bool:
        self._record("exists", name)
        known = {o.name for o in self.observed} | set(self.run_args)
        return name in known and name not in self.missing

    def stop_many(self, names: Sequence[str], timeout: int = 10) -> None:
        for name in names:
            self._record("stop_many", name)

    def wait(self, name: str, timeout: float) -> int:
        self._record("wait", name)
        code = self.exit_codes.get(name, 0)
        if isinstance(code, BaseException):
            raise code
        return code


@dataclass
class StaticHostFacts:
    """A host answering from fields (defaults: a healthy host that passes every check).

    ``files`` maps a path to its text (what exists, is a file and can be read); ``names``
    maps a DNS name to its addresses; ``resolved`` maps a path to its target when it is a
    symbolic link (other paths resolve to themselves, made absolute against ``cwd_dir``).
    """

    memory: int = 16384
    free: dict[str, float] = field(default_factory=dict)   # path prefix -> free GB
    default_free_gb: float = 100.0
    host_name: str = "undercloud.example.com"
    host_fqdn: str = "undercloud.example.com"
    resolvable: set[str] = field(default_factory=lambda: {"undercloud.example.com"})
    nics: set[str] = field(default_factory=lambda: {"lo", "eth0", "eth1"})
    sysctls: set[str] = field(default_factory=lambda: set(SYSCTLS + SYSCTLS_IPV6))
    has_ipv6: bool = True
    files: dict[str, str] = field(default_factory=dict)
    sockets: list[Listener] = field(default_factory=list)
    suite: str = "bookworm"
    names: dict[str, set[str]] = field(default_factory=dict)
    cpus: int | None = 4
    user_name: str = "stack"
    home_dir: str = "/home/stack"
    cwd_dir: str = "/home/stack"
    resolved: dict[str, str] = field(default_factory=dict)

    # translate's questions
    def fqdn(self) -> str:
        return self.host_fqdn

    def addresses(self, name: str) -> set[str]:
        return set(self.names.get(name, ()))

    def cpu_count(self) -> int | None:
        return self.cpus

    def user(self) -> str:
        return self.user_name

    def home(self) -> str:
        return self.home_dir

    def expanduser(self, path: str) -> str:
        if path == "~" or path.startswith("~/"):
            return self.home_dir.rstrip("/") + path[1:] if self.home_dir else path
        return path

    def cwd(self) -> Path:
        return Path(self.cwd_dir)

    def resolve(self, path: Path) -> Path:
        return Path(self.resolved.get(str(path)) or os.path.normpath(self.cwd() / path))

    def is_file(self, path: Path) -> bool:
        return str(path) in self.files

    def read_text(self, path: Path, errors: str = "strict") -> str:
        try:
            return self.files[str(path)]
        except KeyError:
            raise FileNotFoundError(str(path)) from None

    def debian_suite(self) -> str:
        return self.suite

    # the preflight's questions
    def memory_mb(self) -> int:
        return self.memory

    def disk(self, path: Path) -> tuple[int, float]:
        best = max((k for k in self.free if str(path).startswith(k)), key=len, default=None)
        return (hash(best), self.free[best]) if best else (0, self.default_free_gb)

    def hostname(self) -> str:
        return self.host_name

    def resolves(self, name: str) -> bool:
        return name in self.resolvable

    def interfaces(self) -> set[str]:
        return set(self.nics)

    def sysctl_exists(self, name: str) -> bool:
        return name in self.sysctls

    def ipv6(self) -> bool:
        return self.has_ipv6

    def exists(self, path: Path) -> bool:
        return str(path) in self.files

    def listeners(self) -> list[Listener]:
        return list(self.sockets)


# --- ironic and glance (lifecycle/baremetal.py's Cloud) ----------------------------------

# verb -> (the state while it runs, the state it ends in, the state it fails into)
IRONIC_VERBS = {"manage": ("verifying", "manageable", "enroll"),
                "inspect": ("inspecting", "manageable", "inspect failed"),
                "provide": ("cleaning", "available", "clean failed"),
                "clean": ("cleaning", "manageable", "clean failed")}
CLOUD_WRITES = {"create_node", "patch_node", "create_port", "set_provision_state", "power_off",
                "upload_image", "rename_image"}


@dataclass
class FakeCloud:
    """An in-memory ironic and glance: the calls ``baremetal.Cloud`` declares, each
    recorded in ``calls``. A provision verb leaves the node busy for ``polls`` reads of
    it, then ends as ``script[(node name or uuid, verb)]`` says: ``"ok"`` (the default),
    ``"fail"`` (the verb's failed state, with ``last_error``) or ``"hang"`` (busy forever);
    a list gives one of those per attempt."""

    nodes_: dict[str, BareNode] = field(default_factory=dict)
    ports: dict[str, str] = field(default_factory=dict)  # MAC -> node uuid
    images_: list[Image] = field(default_factory=list)
    script: dict[tuple[str, str], Any] = field(default_factory=dict)
    polls: int = 2
    calls: list[tuple[str, Any]] = field(default_factory=list)
    _busy: dict[str, list[Any]] = field(default_factory=dict)  # uuid -> [verb, reads left]
    _count: int = 0

    @property
    def writes(self) -> list[tuple[str, Any]]:
        return [c for c in self.calls if c[0] in CLOUD_WRITES]

    def nodes(self) -> list[BareNode]:
        return [self.node(u) for u in self.nodes_]

    def node(self, uuid: str) -> BareNode:
        n = self.nodes_[uuid]
        busy = self._busy.get(uuid)
        if busy:
            busy[1] -= 1
            if busy[1] <= 0:
                verb = busy[0]
                _, done, failed = IRONIC_VERBS[verb]
                how = self.script.get((n.name or "", verb)) or self.script.get((uuid, verb), "ok")
                if isinstance(how, list):  # one outcome per attempt, the last one repeated
                    how = how.pop(0) if len(how) > 1 else how[0]
                if how != "hang":
                    del self._busy[uuid]
                    n.target_provision_state = None
                    n.provision_state = done if how == "ok" else failed
                    n.last_error = None if how == "ok" else f"{verb} failed on {n.name or uuid}"
        # ironic shows a password masked
        info = {k: "******" if k.endswith("_password") else v for k, v in n.driver_info.items()}
        return dataclasses.replace(n, driver_info=info, properties=dict(n.properties),
                                   extra=dict(n.extra), other=dict(n.other))

    def port_addresses(self) -> dict[str, str]:
        return dict(self.ports)

    def create_node(self, fields: dict[str, Any]) -> BareNode:
        self.calls.append(("create_node", fields))
        self._count += 1
        uuid = fields.get("uuid") or f"00000000-0000-0000-0000-{self._count:012d}"
        known = {"name", "driver", "driver_info", "properties", "extra", "resource_class"}
        self.nodes_[uuid] = BareNode(
            uuid, **{k: v for k, v in fields.items() if k in known},
            other={k: v for k, v in fields.items() if k not in known | {"uuid"}})
        return self.node(uuid)

    def patch_node(self, uuid: str, patch: list[dict[str, Any]]) -> None:
        self.calls.append(("patch_node", (uuid, patch)))
        n = self.nodes_[uuid]
        for op in patch:
            parts = op["path"].strip("/").split("/")
            if len(parts) == 2:
                getattr(n, parts[0])[parts[1]] = op["value"]
            elif hasattr(n, parts[0]) and parts[0] != "other":
                setattr(n, parts[0], op["value"])
            else:
                n.other[parts[0]] = op["value"]

    def create_port(self, node_uuid: str, port: dict[str, Any]) -> None:
        self.calls.append(("create_port", (node_uuid, port)))
        assert port["address"] not in self.ports, "ironic refuses a MAC twice"
        self.ports[port["address"]] = node_uuid

    def set_provision_state(self, uuid: str, verb: str,
                            clean_steps: Sequence[dict[str, Any]] | None = None) -> None:
        self.calls.append(("set_provision_state", (uuid, verb, clean_steps)))
        n = self.nodes_[uuid]
        running, done, _ = IRONIC_VERBS[verb]
        n.provision_state, n.target_provision_state = running, done
        self._busy[uuid] = [verb, self.polls]

    def power_off(self, uuid: str) -> None:
        self.calls.append(("power_off", uuid))
        self.nodes_[uuid].power_state = "power off"

    def images(self) -> list[Image]:
        return list(self.images_)

    def upload_image(self, name: str, path: Path, disk_format: str,
                     properties: dict[str, str]) -> Image:
        self.calls.append(("upload_image", (name, path.name, disk_format, properties)))
        import hashlib

        image = Image(f"img-{len(self.images_) + 1}", name,
                      hashlib.md5(path.read_bytes()).hexdigest(), "2024-05-06T07:08:09Z")
        self.images_.append(image)
        return image

    def rename_image(self, image_id: str, name: str) -> None:
        self.calls.append(("rename_image", (image_id, name)))
        self.images_ = [dataclasses.replace(i, name=name) if i.id == image_id else i
                        for i in self.images_]


if TYPE_CHECKING:  # mypy checks the fakes against the protocols
    _runtime: Runtime = FakePodman()
    _facts: HostFacts = StaticHostFacts()
    _cloud: Cloud = FakeCloud()


def spec(log_path: str, timeout: float = 5, healthcheck: str = "true",
         **overrides) -> dict:
    """A complete podman-level spec as Renderer.spec returns it."""
    s = {"network": "ns:/run/netns/ucunit", "hostname": "undercloud.unit.test",
         "volumes": ["/tmp/unit/state/config/c:/var/lib/undercroft/config:ro"],
         "environment": {"UNDERCROFT_CONFIG": "/var/lib/undercroft/config/config.json"},
         "cap_add": [], "privileged": False, "healthcheck": healthcheck, "restart": "always",
         "log_path": log_path, "timeout": timeout}
    s.update(overrides)
    return s


def desired(name: str, service: str, step: int, order: int = 1, oneshot: bool = False,
            image: str | None = None, timeout: float = 5, inputs: dict | None = None,
            log_dir: Path | str = NO_LOG_DIR, **spec_overrides) -> DesiredContainer:
    """A rendered-looking DesiredContainer. Pass ``log_dir`` (under tmp_path) whenever it
    is executed: the executor creates the log file's directory."""
    image = image or f"localhost/undercroft/{service}:v1"
    return DesiredContainer(
        name=name, service=service, step=step, order=order, image=image, oneshot=oneshot,
        spec=spec(**{"log_path": f"{log_dir}/{name}.log", "timeout": timeout,
                     "healthcheck": "" if oneshot else "true",
                     "restart": "no" if oneshot else "always", **spec_overrides}),
        inputs=inputs if inputs is not None else {"image": image, "config": {"config.json": name}})


def observed_like(d: DesiredContainer, state: str = "running", exit_code: int = 0,
                  health: str = "healthy", inputs: dict | None = None) -> ObservedContainer:
    """What podman would report for ``d`` (same inputs unless given), labels included."""
    inputs = d.inputs if inputs is None else inputs
    return ObservedContainer(d.name, {
        SERVICE_LABEL: d.service, STEP_LABEL: str(d.step),
        ONESHOT_LABEL: "true" if d.oneshot else "false",
        HASH_LABEL: config_hash(inputs), INPUTS_LABEL: json.dumps(inputs)}, state, exit_code, health)
