"""Debian's supervisor, driven over its XML-RPC socket: the process manager of the host
runtime where systemd is not PID 1 (and the one thing Undercroft never writes itself:
a daemon loop).

Undercroft owns only ``/etc/supervisor/conf.d/undercroft-<program>.conf`` files (one per
long-running process) and starts ``supervisord`` with Debian's own configuration when it
is not running. Programs do not autostart: ``undercroft start`` brings them up in step
order with the same health gates as containers.
"""
from __future__ import annotations

import http.client
import socket
import subprocess
import time
import xmlrpc.client
from pathlib import Path
from typing import Any, Mapping, Sequence

from undercroft.errors import DeployError

CONF_DIR = Path("/etc/supervisor/conf.d")
MAIN_CONF = Path("/etc/supervisor/supervisord.conf")
SOCKET = "/var/run/supervisor.sock"
PREFIX = "undercroft-"
STOP_TIMEOUT = 15  # seconds from TERM to KILL, as podman's stop timeout for containers
ALIVE = ("RUNNING", "STARTING", "STOPPING", "BACKOFF")


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 30):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def make_connection(self, host: object) -> http.client.HTTPConnection:
        return _UnixHTTPConnection(self.path)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'


def program_conf(name: str, argv: Sequence[str], env: Mapping[str, str], log_path: str,
                 stop_timeout: int = STOP_TIMEOUT) -> str:
    """One [program:] section. Only non-secret environment goes here: secrets are read
    from the unit's config directory by undercroft-start, as in a container."""
    command = " ".join(_quote(a) if any(c in a for c in ' "%\\') else a for a in argv)
    environment = ",".join(f"{k}={_quote(v)}" for k, v in sorted(env.items()))
    return "\n".join([
        "; written by undercroft; removed by 'undercroft destroy'",
        f"[program:{name}]",
        f"command={command}",
        f"environment={environment}" if environment else "",
        "directory=/",
        "autostart=false",
        "autorestart=true",
        "startsecs=1",
        "startretries=3",
        "stopsignal=TERM",
        f"stopwaitsecs={stop_timeout}",
        "stopasgroup=true",
        "killasgroup=true",
        "redirect_stderr=true",
        f"stdout_logfile={log_path}",
        "stdout_logfile_maxbytes=50MB",
        "stdout_logfile_backups=2",
        "",
    ])


class Supervisor:
    def __init__(self, conf_dir: Path = CONF_DIR, socket_path: str = SOCKET,
                 main_conf: Path = MAIN_CONF):
        self.conf_dir = conf_dir
        self.socket_path = socket_path
        self.main_conf = main_conf

    @property
    def rpc(self) -> Any:
        return xmlrpc.client.ServerProxy("http://localhost", transport=_UnixTransport(self.socket_path),
                                         allow_none=True).supervisor

    def call(self, method: str, *args: Any) -> Any:
        """An XML-RPC call whose transport failure is an operator-facing error."""
        try:
            return getattr(self.rpc, method)(*args)
        except OSError as exc:
            raise DeployError(f"supervisor did not answer {method}{args}: {exc}",
                              hint=f"is supervisord running? supervisorctl status ({self.socket_path})")

    def running(self) -> bool:
        try:
            return self.rpc.getState()["statename"] == "RUNNING"
        except (OSError, xmlrpc.client.Error):
            return False

    def ensure_running(self) -> None:
        """Start supervisord with Debian's configuration (it daemonizes) if it is not up."""
        if self.running():
            return
        if not self.main_conf.exists():
            raise DeployError(f"{self.main_conf} is missing: the 'supervisor' package is not installed",
                              hint="install it (apt-get install supervisor) or re-run install --baremetal")
        # cwd /: a daemon must not keep (and hand its programs) the caller's working
        # directory, which may be deleted under it (haproxy then fails to start)
        proc = subprocess.run(["supervisord", "-c", str(self.main_conf)], capture_output=True,
                              text=True, cwd="/")
        for _ in range(100):
            if self.running():
                return
            time.sleep(0.1)
        raise DeployError("supervisord did not start", detail=(proc.stderr or proc.stdout).strip()[-1500:])

    def conf_path(self, name: str) -> Path:
        return self.conf_dir / f"{PREFIX}{name}.conf"

    def render(self, name: str, argv: Sequence[str], env: Mapping[str, str], log_path: str,
               netns: str | None = None) -> str:
        """The program for ``argv``; in a namespace it runs under ``ip netns exec``."""
        prefix = ["ip", "netns", "exec", netns] if netns else []
        return program_conf(name, prefix + list(argv), env, log_path)

    def add(self, name: str, text: str) -> None:
        """Write (or rewrite) the program and make supervisord load it, stopped."""
        self.ensure_running()
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        path = self.conf_path(name)
        if path.exists() and path.read_text() == text and self.info(name):
            return
        if self.info(name):
            self.remove(name)
        path.write_text(text)
        path.chmod(0o600)
        self.call("reloadConfig")
        try:
            self.call("addProcessGroup", name)
        except xmlrpc.client.Fault as fault:
            if "ALREADY_ADDED" not in fault.faultString:
                raise DeployError(f"supervisor refused program {name}: {fault.faultString}")

    def start(self, name: str) -> None:
        try:
            self.call("startProcess", name, False)
        except xmlrpc.client.Fault as fault:
            if "ALREADY_STARTED" not in fault.faultString:
                raise DeployError(f"supervisor could not start {name}: {fault.faultString}")

    def stop(self, name: str, timeout: float = STOP_TIMEOUT + 5) -> None:
        """Ask supervisor to stop it (TERM, KILL after stopwaitsecs) and wait until it has."""
        self.stop_many([name], timeout)

    def stop_many(self, names: Sequence[str], timeout: float = STOP_TIMEOUT + 5) -> None:
        """Stop several at once and wait for all: services that shut down gracefully
        take seconds each (oslo.service waits for its threads), so one after the other
        a whole undercloud took over a minute to stop."""
        asked = []
        for name in names:
            try:
                self.call("stopProcess", name, False)  # wait=False: returns at once
                asked.append(name)
            except xmlrpc.client.Fault as fault:
                if "NOT_RUNNING" in fault.faultString or "BAD_NAME" in fault.faultString:
                    continue
                raise DeployError(f"supervisor could not stop {name}: {fault.faultString}")
        deadline = time.monotonic() + timeout
        while True:
            states = self.all_info()
            left = [n for n in asked if states.get(n, {}).get("statename") in ALIVE]
            if not left:
                return
            if time.monotonic() > deadline:
                raise DeployError(f"{', '.join(left)} did not stop within {timeout:.0f}s",
                                  hint="supervisorctl status; then re-run")
            time.sleep(0.1)

    def remove(self, name: str) -> None:
        if self.running() and self.info(name):
            self.stop(name)
            self.call("removeProcessGroup", name)
        self.conf_path(name).unlink(missing_ok=True)
        if self.running():
            self.call("reloadConfig")

    def info(self, name: str) -> dict:
        """supervisor's process info (statename, pid, exitstatus, ...), {} if unknown."""
        try:
            return self.rpc.getProcessInfo(name)
        except xmlrpc.client.Fault:
            return {}
        except OSError:
            return {}

    def all_info(self) -> dict[str, dict]:
        try:
            return {i["name"]: i for i in self.rpc.getAllProcessInfo()}
        except (OSError, xmlrpc.client.Error):
            return {}
