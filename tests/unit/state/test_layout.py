"""The state directory's layout: the names on disk, and that only state/ knows them."""
from __future__ import annotations

import ast
import stat
from pathlib import Path

import pytest

from undercroft.state import StateDir

PACKAGE = Path(__file__).resolve().parents[3] / "undercroft"

# What deployments installed before StateDir have on disk: renaming one strands them.
ON_DISK = {
    "configs": "config", "tls": "tls", "build": "build", "ansible": "ansible",
    "deploy_images": "deploy-images",
    "events": "events", "deployment_record": "deployment.json",
    "host_units": "host-units.json", "created_dirs": "created-dirs",
    "installed_files": "host-files", "masked_units": "masked-units",
    "watcher_pidfile": "health-watch.pid", "package_epoch": "package-epoch",
    "upgrade_before": "upgrade-before.json", "upgrade_report": "upgrade-report.json",
    "takeover_record": "takeover.json", "host_layout_marker": "host-layout",
    "role_choice": "deploy-role.json",
}


@pytest.mark.parametrize("name,on_disk", sorted(ON_DISK.items()))
def test_every_name_is_the_one_existing_deployments_have(name, on_disk):
    state = StateDir(Path("/var/lib/undercroft"))
    assert getattr(state, name) == Path("/var/lib/undercroft") / on_disk


def test_every_path_property_is_pinned_above():
    """A new file gets its name pinned here too, so nobody renames it by accident."""
    properties = {n for n, v in vars(StateDir).items() if isinstance(v, property)}
    assert properties == set(ON_DISK)


def test_container_config_dirs_and_what_update_keeps():
    state = StateDir(Path("/s"))
    assert state.config("uc-keystone") == Path("/s/config/uc-keystone")
    assert state.previous_config("uc-keystone") == Path("/s/config/uc-keystone.previous")
    assert state.event_log("install", "20250101-120000") == \
        Path("/s/events/install-20250101-120000.jsonl")


def test_ensure_makes_a_private_directory(tmp_path):
    state = StateDir(tmp_path / "a" / "state")
    assert state.ensure() == state.root
    assert stat.S_IMODE(state.root.stat().st_mode) == 0o700
    state.ensure()  # again: no error


# --- the rule: nothing outside state/ joins a name onto a state directory --------------

def _is_state_dir(node: ast.expr) -> bool:
    """``state_dir``, ``x.state_dir``, or ``Path(state_dir)``."""
    if isinstance(node, ast.Name):
        return node.id == "state_dir"
    if isinstance(node, ast.Attribute):
        return node.attr == "state_dir"
    if isinstance(node, ast.Call):
        return any(_is_state_dir(a) for a in node.args)
    return False


def joins_onto_state_dir(source: str) -> list[int]:
    """Lines that build a path under a state dir by hand (``/`` or ``joinpath``).
    Prose (``<state_dir>/tls`` in a docstring) is not code and does not count."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) \
                and _is_state_dir(node.left):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "joinpath" and _is_state_dir(node.func.value):
            lines.append(node.lineno)
    return sorted(lines)


@pytest.mark.parametrize("code", [
    'settings.state_dir / "tls"', "state_dir / PIDFILE", 'Path(state_dir) / "events"',
    "s.state_dir / name", 's.state_dir.joinpath("config")'])
def test_the_check_finds_a_hand_made_state_path(code):
    assert joins_onto_state_dir(code) == [1]


def test_the_check_lets_prose_and_the_directory_itself_be():
    source = '"""keys in ``<state_dir>/tls``"""\nshutil.rmtree(settings.state_dir)\n' \
             'x = "state_dir/events"\nStateDir(settings.state_dir).tls\n'
    assert joins_onto_state_dir(source) == []


def test_no_module_outside_state_names_a_file_in_the_state_dir():
    """Every name in the state dir comes from StateDir, so one module owns the layout."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if PACKAGE / "state" in path.parents:
            continue
        for line in joins_onto_state_dir(path.read_text()):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    assert not found, "use undercroft.state.StateDir (settings.state) instead:\n" + "\n".join(found)
