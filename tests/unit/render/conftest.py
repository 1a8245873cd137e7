"""Fixtures shared by the render tests."""
from __future__ import annotations

import pytest

from undercroft.lifecycle import deployment

from ..conftest import conf_text


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """The default Undercloud role rendered from a conf whose paths are all in tmp."""
    root = tmp_path_factory.mktemp("full")
    conf = root / "undercloud.conf"
    conf.write_text(conf_text(root))
    return deployment.load(conf, persist_secrets=True)


@pytest.fixture(scope="module")
def full_zed(tmp_path_factory):
    """The default Undercloud role on Zed (linuxbridge agent, the idrac interfaces)."""
    root = tmp_path_factory.mktemp("full-zed")
    conf = root / "undercloud.conf"
    conf.write_text(conf_text(root, undercroft="release = zed\n"))
    return deployment.load(conf, persist_secrets=True)
