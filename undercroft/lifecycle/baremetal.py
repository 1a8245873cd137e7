"""The operator's node workflow against ironic and glance (tripleoclient's ``overcloud node
import|introspect|provide|clean`` and ``overcloud image upload``).

Each use-case takes a ``Cloud``: the few ironic and glance calls it makes, answered by
openstacksdk against the deployment's ``undercloud`` cloud (``lifecycle/openstack_cloud.py``)
or by an in-memory fake in the unit tests.

Provision states follow ironic's state machine, driven as tripleo-common's workflows
(stable/rocky workbooks/baremetal.yaml) drive it: ``manage`` (enroll -> manageable, the
BMC credentials verified), ``inspect`` (manageable -> manageable, retried once when it
fails, as tripleoclient's ``--max-retries 1``), ``provide`` (manageable -> available,
through automated cleaning when it is on, then powered off), ``clean`` with
tripleoclient's clean step (``erase_devices_metadata`` of the deploy interface,
manageable -> manageable). Every node is started, then all are polled together until
each reaches its target state, fails (a ``* failed`` state, or ``enroll`` again after
manage) or the timeout passes; a failed node is named with ironic's last_error.
"""
from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol, Sequence

from undercroft.config.translate import Settings
from undercroft.errors import ConfigError, DeployError
from undercroft.nodes import mapping
from undercroft.nodes.instackenv import Node as Entry
from undercroft.redact import redact
from undercroft.report import Reporter

# tripleoclient's default clean step (workbooks/baremetal.yaml clean_nodes)
CLEAN_STEPS = ({"interface": "deploy", "step": "erase_devices_metadata"},)
NODE_TIMEOUT = 1200  # seconds: tripleoclient's --node-timeout, tripleo-common's 20 minutes
POLL = 10.0


@dataclass
class BareNode:
    """An ironic node as the use-cases see it."""

    uuid: str
    name: str | None = None
    driver: str = ""
    driver_info: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    resource_class: str | None = None
    provision_state: str = "enroll"
    target_provision_state: str | None = None
    power_state: str | None = None
    maintenance: bool = False
    last_error: str | None = None
    other: dict[str, Any] = field(default_factory=dict)  # conductor_group, *_interface

    @property
    def label(self) -> str:
        return f"{self.name} ({self.uuid})" if self.name else self.uuid

    def fields(self) -> dict[str, Any]:
        return {"name": self.name, "driver_info": self.driver_info,
                "properties": self.properties, "extra": self.extra,
                "resource_class": self.resource_class, **self.other}


@dataclass(frozen=True)
class Image:
    id: str
    name: str
    checksum: str | None  # md5 (glance's checksum), what tripleoclient compares
    created_at: str = ""


class Cloud(Protocol):
    """The ironic and glance calls the node workflow makes."""

    def nodes(self) -> list[BareNode]: ...
    def node(self, uuid: str) -> BareNode: ...
    def port_addresses(self) -> dict[str, str]: ...  # MAC -> node uuid
    def create_node(self, fields: dict[str, Any]) -> BareNode: ...
    def patch_node(self, uuid: str, patch: list[dict[str, Any]]) -> None: ...
    def create_port(self, node_uuid: str, port: dict[str, Any]) -> None: ...
    def set_provision_state(self, uuid: str, verb: str,
                            clean_steps: Sequence[dict[str, Any]] | None = None) -> None: ...
    def power_off(self, uuid: str) -> None: ...
    def images(self) -> list[Image]: ...
    def upload_image(self, name: str, path: Path, disk_format: str,
                     properties: dict[str, str]) -> Image: ...
    def rename_image(self, image_id: str, name: str) -> None: ...


# --- the state machine ----------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    verb: str  # ironic's provision verb
    start: frozenset[str]  # the states the verb is valid from
    target: str  # the stable state it ends in
    failed: frozenset[str]  # the states it fails into
    done_already: frozenset[str] = frozenset()  # nothing to do: counts as success
    clean_steps: tuple[dict[str, Any], ...] = ()


ACTIONS = {
    "manage": Action("manage", frozenset({"enroll", "inspect failed", "clean failed"}),
                     "manageable", frozenset({"enroll"}), frozenset({"manageable"})),
    "inspect": Action("inspect", frozenset({"manageable", "inspect failed"}), "manageable",
                      frozenset({"inspect failed"})),
    "provide": Action("provide", frozenset({"manageable"}), "available",
                      frozenset({"clean failed"}), frozenset({"available"})),
    "clean": Action("clean", frozenset({"manageable"}), "manageable",
                    frozenset({"clean failed"}), clean_steps=CLEAN_STEPS),
}


@dataclass
class Outcome:
    node: BareNode
    ok: bool
    message: str = ""


@dataclass
class Clock:
    """Time and sleep, replaceable in tests."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def drive(cloud: Cloud, nodes: Sequence[BareNode], action: str, reporter: Reporter,
          timeout: float = NODE_TIMEOUT, poll: float = POLL, clock: Clock | None = None,
          ) -> list[Outcome]:
    """Start ``action`` on every node, then wait for each; one outcome per node."""
    act = ACTIONS[action]
    clock = clock or Clock()
    outcomes: dict[str, Outcome] = {}
    waiting: dict[str, BareNode] = {}
    for node in nodes:
        if node.provision_state in act.done_already:
            outcomes[node.uuid] = Outcome(node, True, f"already {node.provision_state}")
            reporter.line("keep", f"{node.label}", f"already {node.provision_state}")
        elif node.provision_state not in act.start:
            outcomes[node.uuid] = Outcome(
                node, False, f"is {node.provision_state}, not {' or '.join(sorted(act.start))}")
            reporter.line("fail", node.label, outcomes[node.uuid].message)
        else:
            try:
                cloud.set_provision_state(node.uuid, act.verb, list(act.clean_steps) or None)
            except Exception as err:  # the API's refusal is this node's failure
                outcomes[node.uuid] = Outcome(node, False, f"{act.verb} refused: {err}")
                reporter.line("fail", node.label, redact(outcomes[node.uuid].message))
                continue
            reporter.line("run", f"{node.label}", f"{act.verb}")
            waiting[node.uuid] = node
    deadline = clock.now() + timeout
    while waiting:
        for uuid in list(waiting):
            now = cloud.node(uuid)
            busy = now.target_provision_state is not None
            if not busy and now.provision_state == act.target:
                outcomes[uuid] = Outcome(now, True, now.provision_state)
            elif not busy and now.provision_state in act.failed:
                outcomes[uuid] = Outcome(now, False, f"{now.provision_state}: "
                                         f"{now.last_error or 'no error recorded'}")
            else:
                continue
            del waiting[uuid]
            reporter.line("ok" if outcomes[uuid].ok else "fail", now.label,
                          redact(outcomes[uuid].message))
        if not waiting:
            break
        if clock.now() >= deadline:
            for uuid in waiting:
                now = cloud.node(uuid)
                outcomes[uuid] = Outcome(now, False, f"timed out after {timeout:.0f}s in state "
                                         f"{now.provision_state} (last error: "
                                         f"{now.last_error or 'none'})")
                reporter.line("fail", now.label, outcomes[uuid].message)
            break
        clock.sleep(poll)
    return [outcomes[n.uuid] for n in nodes]


def resolve(cloud: Cloud, wanted: Sequence[str], all_manageable: bool) -> list[BareNode]:
    """The nodes named (uuid or name; every unknown one named at once), or every
    manageable node not in maintenance (tripleoclient's --all-manageable)."""
    nodes = cloud.nodes()
    if all_manageable:
        return [n for n in nodes if n.provision_state == "manageable" and not n.maintenance]
    by_key = {n.uuid: n for n in nodes} | {n.name: n for n in nodes if n.name}
    unknown = [w for w in wanted if w not in by_key]
    if unknown:
        raise ConfigError(f"no such node: {', '.join(unknown)}",
                          hint="openstack baremetal node list shows the enrolled nodes")
    return list({by_key[w].uuid: by_key[w] for w in wanted}.values())


def check(outcomes: Sequence[Outcome], what: str) -> None:
    """Raise naming every failed node (with ironic's last_error), if any failed."""
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise DeployError(
            f"{what} failed for {len(failed)} of {len(outcomes)} node(s): "
            f"{', '.join(o.node.label for o in failed)}",
            detail="\n".join(redact(f"{o.node.label}: {o.message}") for o in failed))


def introspect(cloud: Cloud, nodes: Sequence[BareNode], reporter: Reporter,
               timeout: float = NODE_TIMEOUT, max_retries: int = 1, poll: float = POLL,
               clock: Clock | None = None) -> list[Outcome]:
    """``inspect`` every node; the ones that fail are tried again up to ``max_retries``
    times (tripleoclient's default: once)."""
    outcomes = {o.node.uuid: o for o in drive(cloud, nodes, "inspect", reporter, timeout,
                                              poll, clock)}
    for attempt in range(max_retries):
        again = [o.node for o in outcomes.values()
                 if not o.ok and o.node.provision_state in ACTIONS["inspect"].start]
        if not again:
            break
        reporter.info(f"retrying introspection of {len(again)} node(s) "
                      f"(attempt {attempt + 2} of {max_retries + 1})")
        outcomes.update((o.node.uuid, o) for o in drive(cloud, again, "inspect", reporter,
                                                         timeout, poll, clock))
    return [outcomes[n.uuid] for n in nodes]


def provide(cloud: Cloud, nodes: Sequence[BareNode], reporter: Reporter,
            timeout: float = NODE_TIMEOUT, poll: float = POLL,
            clock: Clock | None = None) -> list[Outcome]:
    """manageable -> available, then power off (tripleo-common's provide workflow)."""
    outcomes = drive(cloud, nodes, "provide", reporter, timeout, poll, clock)
    for o in outcomes:
        if o.ok:
            try:
                cloud.power_off(o.node.uuid)
            except Exception as err:
                o.ok, o.message = False, f"available, but powering it off failed: {err}"
                reporter.line("fail", o.node.label, redact(o.message))
    return outcomes


def clean(cloud: Cloud, nodes: Sequence[BareNode], reporter: Reporter,
          timeout: float = NODE_TIMEOUT, poll: float = POLL,
          clock: Clock | None = None) -> list[Outcome]:
    return drive(cloud, nodes, "clean", reporter, timeout, poll, clock)


# --- import ---------------------------------------------------------------------------

DEPLOY_KERNEL = "bm-deploy-kernel"  # tripleoclient's glance names (stable/rocky utils.py)
DEPLOY_RAMDISK = "bm-deploy-ramdisk"
HTTP_BOOT = "/var/lib/ironic/httpboot"  # the conductor's path (tripleoclient's constant)
HTTP_KERNEL = "agent.kernel"
HTTP_RAMDISK = "agent.ramdisk"


def prefixed(name: str, arch: str | None = None, platform_: str | None = None) -> str:
    """tripleoclient's ``_name_helper``: ``[platform-]arch-name`` for specific images."""
    if arch and platform_:
        return f"{platform_}-{arch}-{name}"
    return f"{arch}-{name}" if arch else name


def deploy_images(entries: Sequence[Entry], images: Iterable[Image],
                  http_boot: Path | None) -> dict[int, tuple[str | None, str | None]]:
    """Each entry's (kernel, ramdisk) for driver_info, where it gives none itself.

    As tripleoclient (stable/rocky ``update_nodes_deploy_data`` and
    ``register_or_update``): the glance image ``<platform>-<arch>-bm-deploy-kernel``, else
    ``<arch>-bm-deploy-kernel``, else ``bm-deploy-kernel`` (ramdisk alike); without them
    in glance, the agent files in the HTTP boot directory as ``file://`` URLs on the
    conductor's path, as tripleoclient does since it stopped uploading them to glance
    (``file:///var/lib/ironic/httpboot/agent.kernel``).
    """
    by_name = {i.name: i.id for i in images}
    out = {}
    for e in entries:
        arch, plat = e.fields.get("arch"), e.fields.get("platform")
        chosen = []
        for base, file in ((DEPLOY_KERNEL, HTTP_KERNEL), (DEPLOY_RAMDISK, HTTP_RAMDISK)):
            names = [prefixed(base, arch, plat), prefixed(base, arch), base]
            found = next((by_name[n] for n in names if n in by_name), None)
            if found is None and http_boot is not None and (http_boot / file).is_file():
                found = f"file://{HTTP_BOOT}/{file}"
            chosen.append(found)
        out[e.index] = (chosen[0], chosen[1])
    return out


@dataclass
class Planned:
    entry: Entry
    uuid: str | None  # the enrolled node it is, None: a new one


def plan_import(cloud: Cloud, entries: Sequence[Entry]) -> list[Planned]:
    """Which entries are enrolled nodes (by MAC, BMC or uuid) and which are new; every
    conflict raised at once, before anything is written."""
    enrolled = mapping.Enrolled()
    macs: dict[str, list[str]] = {}
    for mac, uuid in cloud.port_addresses().items():
        macs.setdefault(uuid, []).append(mac)
    for n in cloud.nodes():
        enrolled.add(n.uuid, n.driver, n.driver_info, macs.get(n.uuid, []), n.name)
    out: list[Planned] = []
    problems: list[str] = []
    for e in entries:
        found = enrolled.match(e)
        if len(found) > 1:
            problems.append(f"{e.label}: matches several enrolled nodes "
                            f"({', '.join(sorted(found))}) by MAC, BMC or uuid")
            continue
        match = next(iter(found), None)
        other = enrolled.by_name.get(e.name or "")
        if e.name and other and other != match:
            problems.append(f'{e.label}: name "{e.name}" is taken by enrolled node {other}')
            continue
        out.append(Planned(e, match))
    if problems:
        raise ConfigError(f"{len(problems)} node(s) conflict with enrolled nodes; "
                          "no node was enrolled", detail="\n".join(problems))
    return out


@dataclass
class Imported:
    entry: Entry
    node: BareNode
    created: bool
    changed: bool  # an enrolled node whose fields were updated


def import_nodes(cloud: Cloud, entries: Sequence[Entry], reporter: Reporter,
                 http_boot: Path | None = None, with_deploy_images: bool = True,
                 timeout: float = NODE_TIMEOUT, poll: float = POLL,
                 clock: Clock | None = None) -> tuple[list[Imported], list[Outcome]]:
    """Enroll the new entries (node, ports), update the enrolled ones, and move every
    node in ``enroll`` to ``manageable`` (the BMC credentials verified)."""
    planned = plan_import(cloud, entries)
    images = deploy_images(entries, cloud.images(), http_boot) if with_deploy_images else {}
    done: list[Imported] = []
    for p in planned:
        entry = p.entry
        kernel, ramdisk = images.get(entry.index, (None, None))
        extra = {k: v for k, v in (("kernel_id", kernel), ("ramdisk_id", ramdisk))
                 if v and not entry.fields.get(k)}
        if extra:
            entry = Entry(entry.index, {**entry.fields, **extra}, entry.driver,
                          entry.hardware_type)
        if p.uuid is None:
            node = cloud.create_node(mapping.create_fields(entry))
            for port in entry.ports:
                cloud.create_port(node.uuid, port)
            reporter.line("ok", node.label, f"enrolled ({entry.hardware_type}, "
                        f"{len(entry.ports)} port(s))")
            done.append(Imported(entry, node, True, False))
            continue
        node = cloud.node(p.uuid)
        patch = mapping.update_patch(entry, node.fields())
        # ironic shows passwords masked: they are written again each time (as tripleo-common
        # does), so a changed one reaches ironic; they alone are no change to report
        changed = sorted({op["path"].strip("/") for op in patch
                          if not op["path"].endswith("_password")})
        if patch:
            cloud.patch_node(node.uuid, patch)
        if changed:
            reporter.line("ok", node.label, f"already registered; updated {', '.join(changed)}")
        else:
            reporter.line("keep", node.label, "already registered")
        done.append(Imported(entry, cloud.node(node.uuid), False, bool(changed)))
    to_manage = [d.node for d in done if d.node.provision_state == "enroll"]
    outcomes = drive(cloud, to_manage, "manage", reporter, timeout, poll, clock)
    return done, outcomes


# --- images ---------------------------------------------------------------------------

IPA = "ironic-python-agent"
OS_IMAGE = "overcloud-full"


def md5(path: Path) -> str:
    h = hashlib.md5()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def kernel_arch() -> str:
    """tripleo_common.arch.kernel_arch: the host's machine, ppc64le for ppc64le."""
    return platform.machine()


@dataclass(frozen=True)
class Upload:
    name: str  # glance name
    path: Path
    disk_format: str


@dataclass(frozen=True)
class Copy:
    source: Path
    dest: Path


def upload_plan(ipa_dir: Path, os_dir: Path, http_boot: Path, image_type: str | None = None,
                os_image_name: str = f"{OS_IMAGE}.qcow2", arch: str | None = None,
                platform_: str | None = None) -> tuple[list[Upload], list[Copy]]:
    """What ``overcloud image upload`` puts in glance and the HTTP boot directory.

    tripleoclient (stable/rocky, v1/overcloud_image.py): the agent's kernel and initramfs
    as ``bm-deploy-kernel`` (aki) and ``bm-deploy-ramdisk`` (ari), the OS image under its
    file name without extension (qcow2; a whole-disk image, so no -vmlinuz/-initrd), and
    the agent's files copied to the HTTP boot directory as agent.kernel and agent.ramdisk
    (which inspector's iPXE script boots). Every file must exist first.
    """
    uploads, copies = [], []
    if image_type in (None, "os"):
        disk = os_dir / os_image_name
        uploads.append(Upload(prefixed(os_image_name.split(".")[0], arch, platform_), disk,
                              disk.suffix.lstrip(".") or "qcow2"))
    if image_type in (None, IPA):
        kernel, ramdisk = ipa_dir / f"{IPA}.kernel", ipa_dir / f"{IPA}.initramfs"
        uploads += [Upload(prefixed(DEPLOY_KERNEL, arch, platform_), kernel, "aki"),
                    Upload(prefixed(DEPLOY_RAMDISK, arch, platform_), ramdisk, "ari")]
        copies += [Copy(kernel, http_boot / HTTP_KERNEL), Copy(ramdisk, http_boot / HTTP_RAMDISK)]
    missing = sorted({str(u.path) for u in uploads if not u.path.is_file()})
    if missing:
        raise ConfigError(f"required image file(s) missing: {', '.join(missing)}",
                          hint="build them with `undercroft images build --deploy` "
                               "(openstack overcloud image build), or give --image-path")
    return uploads, copies


def upload_images(cloud: Cloud, uploads: Sequence[Upload], copies: Sequence[Copy],
                  reporter: Reporter, update_existing: bool = False,
                  arch: str | None = None, platform_: str | None = None) -> list[str]:
    """Upload what glance lacks; an image of the same name and checksum is kept; one
    whose checksum differs is kept too, unless ``update_existing``: then it is renamed
    ``NAME_<created_at>`` and the new one uploaded (tripleoclient). Returns the glance
    names uploaded again over an older image."""
    properties = {"hw_architecture": arch or kernel_arch()}
    if platform_:
        properties["tripleo_platform"] = platform_
    existing = {i.name: i for i in cloud.images()}
    updated = []
    for up in uploads:
        old = existing.get(up.name)
        if old is not None:
            if old.checksum == md5(up.path):
                reporter.line("keep", up.name, "up to date")
                continue
            if not update_existing:
                reporter.warn(f"image {up.name} already exists with another checksum; "
                              "--update-existing replaces it")
                continue
            stamp = re.sub(r"[\-:\.]|(0+$)", "", old.created_at)
            cloud.rename_image(old.id, f"{old.name}_{stamp}")
            updated.append(up.name)
        image = cloud.upload_image(up.name, up.path, up.disk_format, properties)
        reporter.line("ok", up.name, f"uploaded ({up.disk_format}, {image.id})")
    for c in copies:
        copy_file(c, reporter, update_existing)
    return updated


def copy_file(c: Copy, reporter: Reporter, update_existing: bool) -> None:
    if c.dest.is_file():
        if md5(c.dest) == md5(c.source):
            reporter.line("keep", str(c.dest), "up to date")
            return
        if not update_existing:
            reporter.warn(f"{c.dest} differs from {c.source}; --update-existing replaces it")
            return
    c.dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=c.dest.parent, prefix=f".{c.dest.name}.")
    os.close(fd)
    try:
        shutil.copyfile(c.source, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, c.dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    reporter.line("ok", str(c.dest), f"copied from {c.source}")


# --- the deployment -------------------------------------------------------------------


def http_boot_dir(settings: Settings) -> Path:
    """Where this deployment's HTTP boot server serves from, on the host: under
    data_root, or ironic's own path where the data stays in the host's layout."""
    if settings.baremetal or settings.host_layout:
        return Path(HTTP_BOOT)
    return Path(settings.data_root) / "ironic" / "httpboot"


def deploy_image_dirs(settings: Settings, image_path: str | None) -> tuple[Path, Path]:
    """The agent's and the OS image's directories: ``--image-path`` for both (as
    tripleoclient), else the newest build of each under the state dir."""
    if image_path:
        return Path(image_path), Path(image_path)
    root = settings.state.deploy_images
    return root / IPA, root / OS_IMAGE
