"""A PXE client's DHCP exchange, run inside a test node's namespace
(``ip netns exec NODE python3 dhcp_client.py IFACE MAC [--plain|--uefi] [--ipxe] [--request]``).

Sends a DHCPDISCOVER the way a NIC's PXE ROM does (vendor class ``PXEClient``, client
architecture 0 = BIOS or 7 = x64 UEFI with ``--uefi``, option 175 and user class
``iPXE`` when ``--ipxe``; ``--plain``: an ordinary client, no PXE options), prints every
offer as one JSON line (address, server id, next server, boot file), and with
``--request`` completes the exchange with the first offer's server and prints the ACK.
Raw DHCP over a UDP socket bound to the interface: the node has no address yet, so the
broadcast flag asks servers to broadcast their answers.
"""
from __future__ import annotations

import json
import random
import socket
import struct
import sys
import time

def _options(msg_type: int, ipxe: bool, uefi: bool, extra: bytes = b"", pxe: bool = True) -> bytes:
    if not pxe:
        return bytes([53, 1, msg_type, 55, 3, 1, 3, 6]) + extra + bytes([255])
    arch = 7 if uefi else 0
    vendor = f"PXEClient:Arch:{arch:05d}:UNDI:{'003016' if uefi else '002001'}".encode()
    opts = bytes([53, 1, msg_type])
    opts += bytes([60, len(vendor)]) + vendor
    opts += bytes([93, 2, 0, arch])  # client system architecture
    opts += bytes([55, 5, 1, 3, 6, 66, 67])  # netmask, router, dns, tftp server, boot file
    if ipxe:
        opts += bytes([77, 4]) + b"iPXE" + bytes([175, 3, 19, 1, 1])  # user class; iPXE features
    return opts + extra + bytes([255])


def _packet(xid: int, mac: bytes, options: bytes) -> bytes:
    header = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000,
                         b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4, mac, b"", b"")
    return header + bytes([99, 130, 83, 99]) + options


def _parse(data: bytes) -> dict:
    opts, i, parsed = data[240:], 0, {}
    while i < len(opts) and opts[i] != 255:
        if opts[i] == 0:
            i += 1
            continue
        parsed[opts[i]] = opts[i + 2:i + 2 + opts[i + 1]]
        i += 2 + opts[i + 1]
    text = lambda b: b.split(b"\0")[0].decode(errors="replace")  # noqa: E731
    return {"type": parsed.get(53, b"\0")[0],
            "address": socket.inet_ntoa(data[16:20]),
            "next_server": socket.inet_ntoa(data[20:24]),
            "server_id": socket.inet_ntoa(parsed[54]) if 54 in parsed else "",
            "file": text(data[108:236]),
            "bootfile_option": text(parsed.get(67, b"")),
            "tftp_option": text(parsed.get(66, b""))}


def exchange(iface: str, mac: str, ipxe: bool, request: bool, uefi: bool = False,
             pxe: bool = True, wait: float = 4.0) -> list[dict]:
    hw = bytes.fromhex(mac.replace(":", ""))
    xid = random.getrandbits(32)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind(("0.0.0.0", 68))
    s.settimeout(0.5)

    def collect(want_type: int) -> list[dict]:
        got, end = [], time.monotonic() + wait
        while time.monotonic() < end:
            try:
                data = s.recv(2048)
            except socket.timeout:
                if got:
                    break
                continue
            if len(data) >= 240 and data[0] == 2 and struct.unpack("!I", data[4:8])[0] == xid:
                answer = _parse(data)
                if answer["type"] == want_type:
                    got.append(answer)
        return got

    s.sendto(_packet(xid, hw, _options(1, ipxe, uefi, pxe=pxe)), ("255.255.255.255", 67))
    offers = collect(2)
    out = [dict(o, kind="offer") for o in offers]
    if request and offers:
        first = offers[0]
        extra = (bytes([50, 4]) + socket.inet_aton(first["address"]) +
                 bytes([54, 4]) + socket.inet_aton(first["server_id"]))
        s.sendto(_packet(xid, hw, _options(3, ipxe, uefi, extra, pxe)), ("255.255.255.255", 67))
        out += [dict(a, kind="ack") for a in collect(5)]
    return out


if __name__ == "__main__":
    iface, mac = sys.argv[1], sys.argv[2]
    for answer in exchange(iface, mac, "--ipxe" in sys.argv, "--request" in sys.argv,
                           uefi="--uefi" in sys.argv, pxe="--plain" not in sys.argv):
        print(json.dumps(answer), flush=True)
