"""Fixtures shared by the render tests."""
from __future__ import annotations

import pytest

from undercroft.lifecycle import deployment

from ..conftest import conf_text


def _full(tmp_path_factory, name: str, undercroft: str = ""):
    root = tmp_path_factory.mktemp(name)
    conf = root / "undercloud.conf"
    conf.write_text(conf_text(root, undercroft=undercroft))
    return deployment.load(conf, persist_secrets=True)


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """The default Undercloud role rendered from a conf whose paths are all in tmp."""
    return _full(tmp_path_factory, "full")


@pytest.fixture(scope="module")
def full_zed(tmp_path_factory):
    """The default Undercloud role on Zed (linuxbridge agent, the idrac interfaces)."""
    return _full(tmp_path_factory, "full-zed", undercroft="release = zed\n")
