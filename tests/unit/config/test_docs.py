"""The committed option reference and migration table match what the code generates."""
from __future__ import annotations

from pathlib import Path

from undercroft.cli import main as cli_main
from undercroft.config import docs, options

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_committed_docs_are_not_stale():
    stale = docs.stale(DOCS)
    assert stale == [], (f"regenerate with 'undercroft config docs --output docs': "
                         f"{[p.name for p in stale]}")


def test_reference_lists_every_option():
    text = docs.reference()
    for opt in (options.DEFAULT_OPTS + options.INSTACK_OPTS + options.UNDERCROFT_OPTS
                + options.subnet_opts(local=True)):
        assert f"| `{opt.dest}` |" in text, opt.dest
    assert "`undercloud_public_vip`" in text and "`[DEFAULT] network_cidr`" in text


def test_cli_check_and_write(tmp_path, capsys):
    (tmp_path / docs.MIGRATION).write_text(f"# m\n\n{docs.BEGIN}\nold\n{docs.END}\ntail\n")
    assert cli_main.main(["config", "docs", "--output", str(tmp_path), "--check"]) == 1
    assert cli_main.main(["config", "docs", "--output", str(tmp_path)]) == 0
    assert cli_main.main(["config", "docs", "--output", str(tmp_path), "--check"]) == 0
    text = (tmp_path / docs.MIGRATION).read_text()
    assert text.startswith("# m\n") and text.endswith(f"{docs.END}\ntail\n")
    assert "| `network_cidr` | `[<local_subnet>] cidr` | moved |" in text
    assert (tmp_path / docs.REFERENCE).read_text() == docs.reference()
    capsys.readouterr()
