"""Cheap probes: which healthchecks they stand for, and what they answer (loopback only)."""
from __future__ import annotations

import http.server
import socket
import threading

import pytest

from undercroft.runtime.health import Probe, Prober, check, parse


@pytest.mark.parametrize("healthcheck, probe", [
    ("undercroft-healthcheck tcp 192.168.24.1 3306", Probe("tcp", "192.168.24.1", 3306)),
    ("undercroft-healthcheck http http://192.168.24.1:5000/v3", Probe("http", "192.168.24.1", 5000, "/v3")),
    ("undercroft-healthcheck http http://10.0.0.1/", Probe("http", "10.0.0.1", 80, "/")),
    # only podman can run these: other users, other checks, TLS, shell
    ("runuser -u nova -- undercroft-healthcheck port nova-conductor 5672", None),
    ("undercroft-healthcheck port neutron-dhcp-agent 5672", None),
    ("undercroft-healthcheck http https://192.168.24.2:13000/", None),
    ("pgrep -x dnsmasq", None),
    ("undercroft-healthcheck tcp host", None),
    ("undercroft-healthcheck 'unterminated", None),
    ("", None),
])
def test_parse(healthcheck, probe):
    assert parse(healthcheck) == probe


@pytest.fixture
def http_server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(503 if self.path == "/broken" else 401)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_http_below_500_is_ready_and_500s_or_refused_are_not(http_server):
    assert check(Probe("http", "127.0.0.1", http_server, "/v3"))  # 401: up
    assert not check(Probe("http", "127.0.0.1", http_server, "/broken"))
    assert not check(Probe("http", "127.0.0.1", free_port(), "/"))


def test_tcp(http_server):
    assert check(Probe("tcp", "127.0.0.1", http_server))
    assert not check(Probe("tcp", "127.0.0.1", free_port()))


def test_prober_runs_host_probes_in_process_and_gives_up_on_a_missing_namespace(http_server, tmp_path):
    prober = Prober()
    probe = Probe("tcp", "127.0.0.1", http_server)
    assert prober.ready("host", probe) is True
    assert prober.ready(f"ns:{tmp_path}/no-such-netns", probe) is None  # ask podman instead
    assert prober.ready("bridge", probe) is None
    prober.close()


def test_host_names_are_left_to_podman():
    assert parse("undercroft-healthcheck http http://undercloud.ctlplane:5000/") is None
    assert parse("undercroft-healthcheck tcp localhost 3306") is None
