"""The package layers import only what the rules below allow.

The graph is built statically: ``ast`` over every module of the undercroft package,
nothing imported. Every ``import`` and ``from ... import`` counts, at module level, inside
a function (a function-local import is still a dependency, only a later one) and under
``if TYPE_CHECKING`` (a layer that names another's types depends on its shape). A
forbidden arrow fails, naming the importing module, the line and the imported module.
docs/architecture.md ("Allowed imports") shows the same table.

A layer is a package directly under undercroft/ (cli, config, ...); the top-level modules
(errors.py, fileio.py, podman_cli.py, redact.py, __init__.py) are the layer "undercroft".
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "undercroft"

# (importer, imported, why): arrows no module may draw
FORBIDDEN = [
    ("cli", "runtime",
     "Face -> Runtime: the CLI calls lifecycle use-cases, which pick and drive a runtime "
     "(the CLI gets one from lifecycle.deployment.runtime_for and only hands it back)"),
    ("runtime", "lifecycle",
     "runtimes execute a plan on this host; the workflows above them (install, upgrade, "
     "multi-host) use them, never the other way round"),
    ("runtime", "images",
     "both are lower layers that lifecycle combines: it reads an image's recipe and hands "
     "what to install to the host runtime"),
    ("images", "runtime",
     "image builds use undercroft/podman_cli.py, not the container runtime"),
    ("config", "runtime",
     "reading and checking undercloud.conf must work without a runtime (config show, "
     "config validate, plan on any machine)"),
    ("model", "runtime",
     "template schemas are data; a host can load them without any runtime"),
    ("render", "runtime",
     "rendering is pure: plan and --dry-run render without touching the host"),
]

# importer: (the only layers it may import, why)
ONLY = {
    "plan": ({"plan", "model"},
             "the plan is the pure diff of desired and observed containers: no I/O and no "
             "operator-facing errors, so it is tested without a host and reused by every "
             "workflow"),
    "nodes": ({"nodes", "undercroft"},
              "instackenv parsing and its mapping to ironic's fields are pure: checked "
              "without a cloud or a deployment (the enabled hardware types are handed in), "
              "and lifecycle/baremetal.py drives ironic with the result"),
}


@dataclass(frozen=True)
class Import:
    importer: str  # module name
    path: Path
    line: int
    imported: str  # module name (the package, when a name imported from it is no module)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module in a package (a directory with __init__.py); package data such as
    the ansible callback plugin (lifecycle/multihost/files/) is no undercroft module."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        if all((d / "__init__.py").exists() for d in path.parents if d.is_relative_to(root)):
            found[module_name(path, root)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path], top: str = "undercroft") -> list[Import]:
    """The imports of ``top`` modules in one module, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the importer's package, up level - 1
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in known else source
                       for a in node.names]
        else:
            continue
        found += [Import(name, path, node.lineno, t) for t in targets
                  if t == top or t.startswith(f"{top}.")]
    return sorted(found, key=lambda e: e.line)


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()):
        return parts[1]
    return "undercroft"  # undercroft/__init__.py and the top-level modules


def violations(edges: list[Import]) -> list[str]:
    rules = {(a, b): why for a, b, why in FORBIDDEN}
    out = []
    for e in edges:
        src, dst = layer(e.importer), layer(e.imported)
        why = rules.get((src, dst))
        if why is None and src in ONLY and dst not in ONLY[src][0]:
            why = ONLY[src][1]
        if why is not None:
            out.append(f"{e.path}:{e.line}: {e.importer} imports {e.imported} "
                       f"({src} -> {dst} is not allowed: {why})")
    return list(dict.fromkeys(out))  # `from m import a, b` is one line


def graph() -> list[Import]:
    known = modules()
    return [e for name, path in known.items() for e in imports(name, path, known)]


def test_no_module_imports_across_a_forbidden_arrow():
    found = violations(graph())
    assert not found, "forbidden imports:\n" + "\n".join(found)


def test_every_layer_the_rules_name_exists():
    layers = {layer(m) for m in modules()}
    named = {x for a, b, _ in FORBIDDEN for x in (a, b)} | set(ONLY) | \
        {x for allowed, _ in ONLY.values() for x in allowed}
    assert named <= layers, f"rules name no such package: {sorted(named - layers)}"


def test_the_graph_holds_function_local_relative_and_type_checking_imports(tmp_path):
    root = tmp_path / "undercroft"
    (root / "runtime").mkdir(parents=True)
    (root / "lifecycle").mkdir()
    (root / "data").mkdir()  # package data: no __init__.py
    for init in ("__init__.py", "runtime/__init__.py", "lifecycle/__init__.py"):
        (root / init).write_text("")
    (root / "lifecycle" / "deployment.py").write_text("")
    (root / "data" / "plugin.py").write_text("import undercroft.lifecycle\n")
    (root / "runtime" / "host.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import podman\n"
        "if TYPE_CHECKING:\n"
        "    from undercroft.lifecycle.deployment import Deployment\n"
        "def f():\n"
        "    from ..lifecycle import deployment\n"
        "    import undercroft.lifecycle\n")
    (root / "runtime" / "podman.py").write_text("import json\n")
    known = modules(root)
    assert "undercroft.data.plugin" not in known
    found = imports("undercroft.runtime.host", known["undercroft.runtime.host"], known)
    assert [(e.line, e.imported) for e in found] == [
        (2, "undercroft.runtime.podman"), (4, "undercroft.lifecycle.deployment"),
        (6, "undercroft.lifecycle.deployment"), (7, "undercroft.lifecycle")]


def test_a_forbidden_arrow_names_the_module_the_line_and_the_import():
    edges = [Import("undercroft.cli.images", Path("undercroft/cli/images.py"), 12,
                    "undercroft.runtime.podman"),
             Import("undercroft.plan.diff", Path("undercroft/plan/diff.py"), 3, "undercroft.errors"),
             Import("undercroft.plan.diff", Path("undercroft/plan/diff.py"), 4,
                    "undercroft.model.schema"),
             Import("undercroft.lifecycle.status", Path("undercroft/lifecycle/status.py"), 5,
                    "undercroft.runtime.protocol")]
    found = violations(edges)
    assert len(found) == 2
    assert found[0].startswith("undercroft/cli/images.py:12: undercroft.cli.images imports "
                               "undercroft.runtime.podman (cli -> runtime is not allowed: ")
    assert found[1].startswith("undercroft/plan/diff.py:3: undercroft.plan.diff imports "
                               "undercroft.errors (plan -> undercroft is not allowed: ")
