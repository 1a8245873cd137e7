#!/usr/bin/env python3
"""Write the snapshot of what an ironic image provides (tests/unit/config/ironic_image*.yaml).

    scripts/ironic-image-snapshot.py IMAGE RELEASE > tests/unit/config/ironic_image_RELEASE.yaml

(Zed's is tests/unit/config/ironic_image.yaml.) IMAGE: the release's ironic image
(`podman images localhost/undercroft/ironic`).

Runs the image once, read-only and without a network (podman run --rm --network none),
and reads, with importlib.metadata and ironic's own classes:

- interfaces: the ironic.hardware.interfaces.<kind> entry points that load and
  initialise (ironic-conductor refuses to start with an enabled name missing there);
- hardware_types: each ironic.hardware.types entry point's supported_<kind>_interfaces,
  in ironic's order (a node's default is the first one enabled), by entry point name (a
  class without one by its class name).

[deploy]http_root is a temporary directory (the ipxe boot interfaces write boot.ipxe
there when they initialise). The snapshot only changes when the image's ironic does;
tests/unit/config/test_hardware.py checks ironic.conf against it.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# the flags this project's hosts need (runc: crun fails on cgroups v1; no journald)
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend",
          "file", "run", "--rm", "--ulimit", "nofile=16384:16384", "--ulimit",
          "nproc=8192:8192", "--network", "none", "--entrypoint", "python3"]
KINDS = ["boot", "deploy", "inspect", "management", "power", "raid", "vendor", "bios",
         "console"]
# interface kinds ironic-conductor also checks, where the image's ironic has them
NEWER_KINDS = ["firmware"]

PROBE = r'''
import importlib.metadata as md, json, sys, tempfile
from ironic.conf import CONF
CONF([], project="ironic", default_config_files=[])
CONF.set_override("http_root", tempfile.mkdtemp(), "deploy")
kinds = json.loads(sys.argv[1])
groups = {g for g in md.entry_points().groups if g.startswith("ironic.hardware.interfaces.")}
kinds = [k for k in kinds if f"ironic.hardware.interfaces.{k}" in groups]
out = {"version": md.version("ironic"), "interfaces": {}, "failed": {}, "hardware_types": {}}
names = {}
for kind in kinds:
    out["interfaces"][kind], out["failed"][kind] = [], {}
    for ep in sorted(md.entry_points(group=f"ironic.hardware.interfaces.{kind}"),
                     key=lambda e: e.name):
        try:
            cls = ep.load()
            names.setdefault(kind, {}).setdefault(cls, ep.name)
            cls()
            out["interfaces"][kind].append(ep.name)
        except Exception as exc:
            out["failed"][kind][ep.name] = f"{type(exc).__name__}: {exc}"
for ep in sorted(md.entry_points(group="ironic.hardware.types"), key=lambda e: e.name):
    hw = ep.load()()
    out["hardware_types"][ep.name] = {
        kind: [names.get(kind, {}).get(c, c.__name__)
               for c in getattr(hw, f"supported_{kind}_interfaces")] for kind in kinds}
json.dump(out, sys.stdout)
'''


def flow(names: list[str]) -> str:
    return "[" + ", ".join(names) + "]"


def snapshot(image: str, release: str) -> str:
    proc = subprocess.run(PODMAN + [image, "-c", PROBE, json.dumps(KINDS + NEWER_KINDS)],
                          capture_output=True, text=True, check=True)
    data = json.loads(proc.stdout)
    kinds = list(data["interfaces"])
    failed: dict[str, tuple[list[str], str]] = {}  # name -> its kinds, why it failed
    for kind, names in data["failed"].items():
        for name, why in names.items():
            failed.setdefault(name, ([], why.split("Reason: ")[-1]))[0].append(kind)
    left_out = [f"{name} ({', '.join(ks)}): {why}" for name, (ks, why) in failed.items()]
    lines = [
        f"# What the ironic of Undercroft's {release} image provides (ironic "
        f"{data['version']}, Debian's packages),",
        f"# read from {image} by scripts/ironic-image-snapshot.py",
        "# (importlib.metadata and ironic's own classes, podman run --rm --network none):",
        "#   kinds: " + ", ".join(kinds),
        "#   interfaces: the ironic.hardware.interfaces.<kind> entry points that load and",
        "#     initialise (ironic-conductor refuses to start with an enabled name missing "
        "here);",
        *textwrap.wrap("left out, as they fail to: " + ("; ".join(left_out) or "none"),
                       88, initial_indent="#     ", subsequent_indent="#       ",
                       break_on_hyphens=False),
        "#   hardware_types: each ironic.hardware.types entry point's "
        "supported_<kind>_interfaces,",
        "#     in ironic's order (a node's default is the first one enabled); "
        "ironic-conductor",
        "#     refuses to start when an enabled type has none of some kind enabled.",
        "# Used by tests/unit/config/test_hardware.py to check that ironic.conf only enables",
        "# what this ironic has. Regenerate it when the image's ironic changes.",
        f"version: {data['version']}",
        "interfaces:",
    ]
    lines += [f"  {kind}: {flow(data['interfaces'][kind])}" for kind in kinds]
    lines.append("hardware_types:")
    for name, supported in data["hardware_types"].items():
        lines.append(f"  {name}:")
        lines += [f"    {kind}: {flow(supported[kind])}" for kind in kinds]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.stdout.write(snapshot(sys.argv[1], sys.argv[2]))
