"""Shared fixtures of the fast unit tier: no root, no podman, no network.

Every test that needs an undercloud.conf gets one whose paths all point into
``tmp_path``, so nothing is ever written under /var or $HOME.
"""
from __future__ import annotations

import socket
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _no_health_watcher(monkeypatch):
    """start/install spawn a detached health watcher on hosts without systemd; the unit
    tier never does (tests/integration/lifecycle/test_watch.py runs the real one)."""
    from undercroft.lifecycle import watch

    monkeypatch.setattr(watch, "start", lambda settings: None)


@pytest.fixture(autouse=True)
def _no_dns(monkeypatch):
    """translate() on this host (config/facts.py ThisHost) falls back to socket.getfqdn(),
    a DNS lookup; unit tests stay offline."""
    monkeypatch.setattr(socket, "getfqdn", lambda *a, **k: "undercloud.unit.test")

    def no_lookup(host, *a, **k):
        raise socket.gaierror(socket.EAI_NONAME, f"unit tests do not resolve {host}")
    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)


def conf_text(root: Path, default: str = "", undercroft: str = "",
              network_namespace: str = "ucunit") -> str:
    """An undercloud.conf whose every writable path is under ``root``."""
    return (
        "[DEFAULT]\n"
        f"output_dir = {root / 'out'}\n"
        "local_ip = 192.168.24.1/24\n"
        "undercloud_hostname = undercloud.unit.test\n"
        f"{default}"
        "\n[undercroft]\n"
        f"state_dir = {root / 'state'}\n"
        f"log_dir = {root / 'log'}\n"
        f"data_root = {root / 'data'}\n"
        f"network_namespace = {network_namespace}\n"
        f"{undercroft}"
    )


@pytest.fixture
def write_conf(tmp_path):
    """write_conf(default="key = v\\n", undercroft="", name="undercloud.conf") -> Path."""

    def _write(default: str = "", undercroft: str = "", name: str = "undercloud.conf",
               root: Path | None = None, **kw) -> Path:
        path = tmp_path / name
        path.write_text(conf_text(root or tmp_path, default, undercroft, **kw))
        return path

    return _write
