"""Every API is reached through haproxy: public https on the public VIP (verified against
the CA undercroft wrote), internal/admin on the admin VIP; keepalived holds both VIPs."""
from __future__ import annotations

import json
import subprocess
import time

from tests.e2e.conftest import BIN, NAME, ROOT

PUBLIC_VIP, ADMIN_VIP = "192.168.24.2", "192.168.24.3"
CA = ROOT / "home" / "undercloud-ca.pem"

# GET each URL from inside the namespace; print status or the exception's class name.
PROBE = """
import json, sys, requests
out = {}
for url in json.loads(sys.argv[2]):
    try:
        verify = sys.argv[1] if sys.argv[1] != "default" else True
        out[url] = requests.get(url, timeout=10, verify=verify).status_code
    except Exception as exc:
        out[url] = type(exc).__name__
print(json.dumps(out))
"""


def probe(urls: list[str], verify: str) -> dict:
    proc = subprocess.run(["ip", "netns", "exec", NAME, str(BIN / "python"), "-c", PROBE, verify,
                           json.dumps(urls)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def catalog(deployed) -> list[dict]:
    return json.loads(deployed.openstack("endpoint", "list", "-f", "json"))


def test_every_service_has_three_endpoints_through_haproxy(deployed):
    eps = catalog(deployed)
    by_service: dict[str, dict[str, str]] = {}
    for e in eps:
        by_service.setdefault(e["Service Type"], {})[e["Interface"]] = e["URL"]
    expected = {"identity", "image", "object-store", "placement", "baremetal",
                "baremetal-introspection", "network", "compute", "orchestration"}
    assert expected <= set(by_service)
    for stype, urls in by_service.items():
        assert set(urls) == {"public", "internal", "admin"}, stype
        assert urls["public"].split("://")[0] in ("https", "wss"), (stype, urls)
        assert urls["public"].split("://")[1].startswith(PUBLIC_VIP + ":13") or \
            urls["public"].startswith("wss://"), (stype, urls)
        for interface in ("internal", "admin"):
            assert urls[interface].split("://")[1].startswith(ADMIN_VIP + ":"), (stype, urls)


def test_public_endpoints_verify_against_the_written_ca(deployed):
    assert CA.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert f"export OS_CACERT={CA}" in (ROOT / "home" / "stackrc").read_text()
    public = sorted({e["URL"].split("%(")[0] for e in catalog(deployed)
                     if e["Interface"] == "public" and e["URL"].startswith("https://")})
    verified = probe(public, str(CA))
    assert all(isinstance(s, int) and s < 500 for s in verified.values()), verified
    unverified = probe(public, "default")  # the system trust store does not know our CA
    assert set(unverified.values()) == {"SSLError"}, unverified


def test_internal_endpoints_answer_plain_http_on_the_admin_vip(deployed):
    internal = sorted({e["URL"].split("%(")[0] for e in catalog(deployed)
                       if e["Interface"] == "internal" and e["URL"].startswith("http://")})
    answered = probe(internal, "default")
    assert all(isinstance(s, int) and s < 500 for s in answered.values()), answered


def test_keepalived_holds_both_vips_on_br_ctlplane(deployed):
    addrs = subprocess.run(["ip", "-n", NAME, "-o", "addr", "show", "dev", "br-ctlplane"],
                           capture_output=True, text=True, check=True).stdout
    assert f" {PUBLIC_VIP}/32 " in addrs and f" {ADMIN_VIP}/32 " in addrs



def test_vips_stay_while_ports_join_and_leave_br_ctlplane(deployed):
    """Neutron plugs and unplugs taps on br-ctlplane; each change blinks the bridge down.
    The VIPs must not go with it, or services starting at that moment lose keystone."""
    def vips_held() -> bool:
        addrs = subprocess.run(["ip", "-n", NAME, "-o", "addr", "show", "dev", "br-ctlplane"],
                               capture_output=True, text=True, check=True).stdout
        return f" {PUBLIC_VIP}/32 " in addrs and f" {ADMIN_VIP}/32 " in addrs

    def ip(*args: str) -> None:
        subprocess.run(["ip", "-n", NAME, *args], check=True, capture_output=True)

    subprocess.run(["ip", "-n", NAME, "link", "del", "uce2evip0"], capture_output=True)
    ip("link", "add", "uce2evip0", "address", "02:00:00:00:00:01", "type", "veth",
       "peer", "name", "uce2evip1")
    samples = []
    try:
        ip("link", "set", "uce2evip0", "master", "br-ctlplane", "up")  # lowest MAC: bridge's MAC changes
        for _ in range(10):
            samples.append(vips_held())
            time.sleep(0.25)
    finally:
        ip("link", "del", "uce2evip0")
    for _ in range(10):
        samples.append(vips_held())
        time.sleep(0.25)
    assert all(samples), f"VIPs missing in {samples.count(False)} of {len(samples)} samples"
