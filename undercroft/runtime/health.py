"""Cheap readiness probes, done by undercroft itself before podman's healthcheck.

``podman healthcheck run`` costs about as much CPU as ``podman run`` (podman start-up,
a runc exec, a Python start in the container). Polling it every 0.25-2 s while 40
containers come up spent tens of CPU-seconds of a 2-core host. The declarative checks
(``undercroft-healthcheck http URL`` and ``... tcp HOST PORT``) need only a socket in
the container's network namespace, so the gate polls those from here and runs podman's
healthcheck once when they pass: podman records the container as healthy, and the
real check keeps the last word. Any other check is polled through podman as before.
"""
from __future__ import annotations

import ctypes
import http.client
import ipaddress
import os
import shlex
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

CLONE_NEWNET = 0x40000000
PROBE_TIMEOUT = 2.0


@dataclass(frozen=True)
class Probe:
    kind: str  # "tcp" | "http"
    host: str
    port: int
    path: str = "/"


def parse(healthcheck: str) -> Probe | None:
    """The Probe a healthcheck command stands for, or None when only podman can run it."""
    try:
        argv = shlex.split(healthcheck or "")
    except ValueError:
        return None
    if len(argv) < 3 or argv[0] != "undercroft-healthcheck":
        return None
    if argv[1] == "tcp" and len(argv) == 4 and argv[3].isdigit():
        probe = Probe("tcp", argv[2], int(argv[3]))
    elif argv[1] == "http" and len(argv) == 3 and argv[2].startswith("http://"):
        url = urlsplit(argv[2])
        probe = Probe("http", url.hostname or "", url.port or 80, url.path or "/")
    else:
        return None
    try:
        ipaddress.ip_address(probe.host)  # names would need a resolver in the namespace
    except ValueError:
        return None
    return probe


def _connect(probe: Probe, timeout: float) -> socket.socket:
    """A connected socket; the host is an IP literal, so no resolver is involved."""
    family = socket.AF_INET6 if ipaddress.ip_address(probe.host).version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((probe.host, probe.port))
    except OSError:
        sock.close()
        raise
    return sock


def check(probe: Probe, timeout: float = PROBE_TIMEOUT) -> bool:
    """What undercroft-healthcheck would say: accepts (tcp), answers below 500 (http)."""
    try:
        sock = _connect(probe, timeout)
        if probe.kind == "tcp":
            sock.close()
            return True
        conn = http.client.HTTPConnection(probe.host, probe.port, timeout=timeout)
        conn.sock = sock
        try:
            conn.request("GET", probe.path)
            return conn.getresponse().status < 500
        finally:
            conn.close()
    except (OSError, http.client.HTTPException):
        return False


def _enter_netns(path: str) -> None:
    """setns(2) for this thread only: its sockets are then created in that namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


class Prober:
    """Runs probes where the container's network is: in-process for ``host``, on one
    thread that entered the namespace for ``ns:/run/netns/NAME``."""

    def __init__(self) -> None:
        self._pools: dict[str, tuple[tuple[int, int], ThreadPoolExecutor]] = {}
        self._lock = threading.Lock()

    def _pool(self, path: str) -> ThreadPoolExecutor:
        """The thread for the namespace now at ``path`` (a re-created namespace with the
        same name is another namespace: the old thread would probe the dead one)."""
        st = os.stat(path)
        ident = (st.st_dev, st.st_ino)
        with self._lock:
            known = self._pools.get(path)
            if known is None or known[0] != ident:
                if known:
                    known[1].shutdown(wait=False)
                known = (ident, ThreadPoolExecutor(max_workers=1, thread_name_prefix="netns-probe",
                                                   initializer=_enter_netns, initargs=(path,)))
                self._pools[path] = known
            return known[1]

    def ready(self, network: str, probe: Probe) -> bool | None:
        """True/False from the probe; None when it cannot be run (then ask podman)."""
        if network == "host":
            return check(probe)
        if not network.startswith("ns:"):
            return None
        try:
            return self._pool(network[3:]).submit(check, probe).result(PROBE_TIMEOUT * 3)
        except Exception:  # no such namespace, setns refused, a stuck probe
            return None

    def close(self) -> None:
        with self._lock:
            for _, pool in self._pools.values():
                pool.shutdown(wait=False)
            self._pools.clear()
