"""Host prep's pure helpers (the host-changing parts run in the e2e tier)."""
from __future__ import annotations

from undercroft.runtime import hostprep
from undercroft.runtime.hostprep import netns_dir_is_shared, parse_veths

ROOT = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw"
SHARED = "42 27 254:0 /run/netns /run/netns rw,relatime shared:1 - ext4 /dev/vda rw"
PRIVATE = "42 27 254:0 /run/netns /run/netns rw,relatime - ext4 /dev/vda rw"
NSFS = "43 42 0:4 net:[4026532177] /run/netns/uc rw shared:2 - nsfs nsfs rw"


def test_netns_dir_shared_only_as_a_shared_mount_point():
    assert netns_dir_is_shared("\n".join([ROOT, SHARED, NSFS]))
    assert not netns_dir_is_shared("\n".join([ROOT, PRIVATE, NSFS]))
    assert not netns_dir_is_shared(ROOT)  # a plain directory: ip netns has never run
    assert not netns_dir_is_shared("\n".join([ROOT, SHARED, PRIVATE]))  # the top mount wins


def test_parse_veths_keeps_only_peers_in_another_namespace():
    out = ("3: tap82ed7deb-ea@if2: <BROADCAST,UP> mtu 1500 master br-ctlplane\\    link/ether x\n"
           "4: vethA@vethB: <BROADCAST> mtu 1500\\    link/ether y\n")
    assert parse_veths(out) == {"tap82ed7deb-ea": (3, 2)}


def test_dhcp_namespaces_claims_only_veths_whose_peer_is_ours(monkeypatch, tmp_path):
    for ns in ("qdhcp-ours", "qdhcp-other", "qdhcp-empty"):
        (tmp_path / ns).touch()
    links = {"uc": {"tap82ed7deb-ea": (3, 2), "tapdeadbeef-00": (5, 2)},
             "qdhcp-ours": {"ns-82ed7deb-ea": (2, 3)},
             "qdhcp-other": {"ns-deadbeef-00": (2, 9)},  # same name, peer elsewhere
             "qdhcp-empty": {}}
    monkeypatch.setattr(hostprep, "NETNS_DIR", str(tmp_path))
    monkeypatch.setattr(hostprep, "namespace_exists", lambda ns: ns == "uc")
    monkeypatch.setattr(hostprep, "_veths", lambda ns: links[ns])
    assert hostprep.dhcp_namespaces("uc") == ["qdhcp-ours"]
    assert hostprep.dhcp_namespaces("gone") == []



def test_baremetal_setup_runs_each_command_and_names_the_failing_template(tmp_path):
    import io

    from rich.console import Console

    from undercroft.errors import DeployError
    from undercroft.report import Reporter
    from undercroft.runtime.hostpackages import run_setup

    reporter = Reporter(console=Console(file=io.StringIO()))
    mark = tmp_path / "made"
    run_setup([("swift", f"touch {mark}")], reporter)
    assert mark.exists()
    try:
        run_setup([("zaqar", "echo broken >&2; exit 3")], reporter)
    except DeployError as err:
        assert "zaqar's baremetal setup failed (exit 3)" in str(err)
        assert err.detail == "broken" and "services/zaqar.yaml" in err.hint
    else:
        raise AssertionError("a failing setup command must stop the install")
