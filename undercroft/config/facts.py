"""What the configuration asks of the host it runs on, behind one interface.

``translate()`` and the preflight checks are pure functions of the loaded file and these
answers: ``ConfigFacts`` holds translate's questions (names, the invoking user, the
files undercloud.conf names), ``HostFacts`` adds the preflight's (memory, disk,
interfaces, sysctls, listening sockets). ``ThisHost`` reads the machine, on demand;
unit tests pass a static double (tests/unit/fakes.py) and read nothing.
"""
from __future__ import annotations

import getpass
import ipaddress
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from undercroft.config import releases


@dataclass(frozen=True)
class Listener:
    proto: str          # tcp | udp
    address: str        # bound address ("0.0.0.0", "::", or one address)
    port: int
    pid: int | None
    command: str        # process name, "" if unknown
    in_container: bool  # the process runs in a podman container


class ConfigFacts(Protocol):
    """translate()'s questions: everything it reads besides undercloud.conf itself."""

    def fqdn(self) -> str:
        """The host's FQDN; its short name when the lookup only finds localhost."""

    def addresses(self, name: str) -> set[str]:
        """The addresses ``name`` resolves to (DNS, /etc/hosts); none if it does not."""

    def cpu_count(self) -> int | None: ...

    def user(self) -> str:
        """The invoking user's name."""

    def home(self) -> str:
        """$HOME as set ("" if unset): tripleoclient's UndercloudHomeDir."""

    def expanduser(self, path: str) -> str:
        """``~`` and ``~user`` expanded, as os.path.expanduser."""

    def cwd(self) -> Path: ...

    def resolve(self, path: Path) -> Path:
        """The absolute path, symbolic links followed."""

    def is_file(self, path: Path) -> bool: ...

    def read_text(self, path: Path, errors: str = "strict") -> str: ...

    def debian_suite(self) -> str:
        """This host's Debian suite (VERSION_CODENAME), "" if it does not say."""


class HostFacts(ConfigFacts, Protocol):
    """The preflight checks' questions too (validations.check_host)."""

    def memory_mb(self) -> int:
        """RAM + swap."""

    def disk(self, path: Path) -> tuple[int, float]:
        """(filesystem id, free GB) of ``path`` or its nearest existing parent."""

    def hostname(self) -> str: ...

    def resolves(self, name: str) -> bool: ...

    def interfaces(self) -> set[str]: ...

    def sysctl_exists(self, name: str) -> bool: ...

    def ipv6(self) -> bool: ...

    def exists(self, path: Path) -> bool: ...

    def listeners(self) -> list[Listener]: ...


class ThisHost:
    """The real host, read on demand (only what is asked)."""

    # --- translate's questions -----------------------------------------------------------
    def fqdn(self) -> str:
        fqdn = socket.getfqdn()
        return socket.gethostname() if fqdn.split(".")[0] == "localhost" else fqdn

    def addresses(self, name: str) -> set[str]:
        try:
            return {str(a[4][0]) for a in socket.getaddrinfo(name, None)}  # IPv4/6: a str
        except (socket.gaierror, UnicodeError):
            return set()

    def cpu_count(self) -> int | None:
        return os.cpu_count()

    def user(self) -> str:
        return getpass.getuser()

    def home(self) -> str:
        return os.environ.get("HOME", "")

    def expanduser(self, path: str) -> str:
        return os.path.expanduser(path)

    def cwd(self) -> Path:
        return Path.cwd()

    def resolve(self, path: Path) -> Path:
        return path.resolve()

    def is_file(self, path: Path) -> bool:
        return path.is_file()

    def read_text(self, path: Path, errors: str = "strict") -> str:
        return path.read_text(errors=errors)

    def debian_suite(self) -> str:
        return releases.host_suite()

    # --- the preflight's questions -------------------------------------------------------
    def memory_mb(self) -> int:
        info = {}
        with open("/proc/meminfo") as f:
            for line in f:
                key, _, rest = line.partition(":")
                info[key] = int(rest.split()[0])
        return (info.get("MemTotal", 0) + info.get("SwapTotal", 0)) // 1024

    def disk(self, path: Path) -> tuple[int, float]:
        p = Path(path)
        while not p.exists() and p != p.parent:
            p = p.parent
        return os.stat(p).st_dev, shutil.disk_usage(p).free / 1024 ** 3

    def hostname(self) -> str:
        return socket.gethostname()

    def resolves(self, name: str) -> bool:
        try:
            with open("/etc/hosts") as f:
                for line in f:
                    if name in line.split("#", 1)[0].split()[1:]:
                        return True
        except OSError:
            pass
        try:
            socket.getaddrinfo(name, None)
            return True
        except OSError:
            return False

    def interfaces(self) -> set[str]:
        try:
            return set(os.listdir("/sys/class/net"))
        except OSError:
            return set()

    def sysctl_exists(self, name: str) -> bool:
        return os.path.isfile("/proc/sys/" + name.replace(".", "/"))

    def ipv6(self) -> bool:
        return os.path.isfile("/proc/net/if_inet6")

    def exists(self, path: Path) -> bool:
        return Path(path).exists()

    def listeners(self) -> list[Listener]:
        inodes: dict[str, tuple[str, str, int]] = {}
        for proto, fname, state in (("tcp", "tcp", "0A"), ("tcp", "tcp6", "0A"),
                                    ("udp", "udp", "07"), ("udp", "udp6", "07")):
            try:
                rows = Path("/proc/net", fname).read_text().splitlines()[1:]
            except OSError:
                continue
            for row in rows:
                cols = row.split()
                if len(cols) < 10 or cols[3] != state:
                    continue
                addr_hex, port_hex = cols[1].split(":")
                inodes[cols[9]] = (proto, _hex_addr(addr_hex), int(port_hex, 16))
        owners = _socket_owners(set(inodes))
        out = []
        for inode, (proto, addr, port) in inodes.items():
            pid = owners.get(inode)
            out.append(Listener(proto, addr, port, pid, _comm(pid), _in_container(pid)))
        return out


def _hex_addr(h: str) -> str:
    raw = bytes.fromhex(h)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    return str(ipaddress.IPv6Address(words))


def _socket_owners(wanted: set[str]) -> dict[str, int]:
    owners: dict[str, int] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inode = target[8:-1]
                    if inode in wanted:
                        owners.setdefault(inode, int(pid))
        except OSError:
            continue
    return owners


def _comm(pid: int | None) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() if pid else ""
    except OSError:
        return ""


def _in_container(pid: int | None) -> bool:
    try:
        return pid is not None and "libpod" in Path(f"/proc/{pid}/cgroup").read_text()
    except OSError:
        return False
