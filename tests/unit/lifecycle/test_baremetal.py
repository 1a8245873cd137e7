"""The node workflow against an in-memory ironic and glance (tests/unit/fakes.py FakeCloud):
import and re-import, the provision state machine, the image upload."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from undercroft.errors import ConfigError, DeployError
from undercroft.lifecycle import baremetal
from undercroft.lifecycle.baremetal import BareNode, Clock, Image
from undercroft.nodes import instackenv
from undercroft.report import Reporter

from tests.unit.fakes import FakeCloud

NODES = Path(__file__).resolve().parents[1] / "nodes"
ENABLED = ["ipmi", "redfish", "idrac", "fake-hardware"]


class FakeClock(Clock):
    def __init__(self):
        self.t = 0.0
        super().__init__(now=lambda: self.t, sleep=self.advance)

    def advance(self, seconds: float) -> None:
        self.t += seconds


def quiet() -> Reporter:
    return Reporter(quiet=True)


def entries(name: str = "instackenv.json"):
    return instackenv.load(NODES / name, ENABLED)


def do_import(cloud, found=None, **kw):
    return baremetal.import_nodes(cloud, found or entries(), quiet(), poll=1,
                                  clock=FakeClock(), **kw)


def test_import_enrolls_each_node_with_its_ports_and_makes_it_manageable():
    cloud = FakeCloud()
    done, outcomes = do_import(cloud)
    assert [(d.node.name, d.created) for d in done] == [
        ("ctrl-0", True), ("compute-0", True), ("lab-0", True)]
    assert all(o.ok for o in outcomes)
    assert {n.name: n.provision_state for n in cloud.nodes()} == {
        "ctrl-0": "manageable", "compute-0": "manageable", "lab-0": "manageable"}
    assert sorted(cloud.ports) == ["52:54:00:aa:00:01", "52:54:00:aa:00:02", "52:54:00:aa:00:03"]
    assert [c[1][1] for c in cloud.calls if c[0] == "set_provision_state"] == ["manage"] * 3


def test_reimporting_the_same_file_enrolls_nothing_again():
    cloud = FakeCloud()
    do_import(cloud)
    before = len(cloud.writes)
    done, outcomes = do_import(cloud)
    assert [(d.created, d.changed) for d in done] == [(False, False)] * 3
    # no node, no port, no state change; only the passwords ironic shows masked are
    # written again (the fake-hardware node has none)
    assert [(c[0], [op["path"] for op in c[1][1]]) for c in cloud.writes[before:]] == [
        ("patch_node", ["/driver_info/ipmi_password"]),
        ("patch_node", ["/driver_info/redfish_password"])]
    assert len(cloud.nodes()) == 3 and len(cloud.ports) == 3 and outcomes == []


def test_reimport_updates_what_changed_on_the_node_it_matches(tmp_path):
    cloud = FakeCloud()
    do_import(cloud)
    text = (NODES / "instackenv.json").read_text().replace('"cpu": 4', '"cpu": 6')
    # the name changes too: the node is found by its MAC and BMC, not its name
    text = text.replace('"ctrl-0"', '"controller-0"')
    (tmp_path / "n.json").write_text(text)
    before = len(cloud.writes)
    done, _ = do_import(cloud, instackenv.load(tmp_path / "n.json", ENABLED))
    assert [(d.node.name, d.created, d.changed) for d in done] == [
        ("controller-0", False, True), ("compute-0", False, False), ("lab-0", False, False)]
    patch = cloud.writes[before]
    assert patch[0] == "patch_node"
    assert [op["path"] for op in patch[1][1]] == [
        "/name", "/driver_info/ipmi_password", "/properties/cpus"]
    assert cloud.nodes_[patch[1][0]].properties["cpus"] == 6


def test_an_entry_matching_two_enrolled_nodes_enrolls_nothing():
    cloud = FakeCloud()
    cloud.nodes_["a"] = BareNode("a", "x", "ipmi", {"ipmi_address": "192.168.24.101",
                                                    "ipmi_port": "6230"})
    cloud.nodes_["b"] = BareNode("b", "y", "fake-hardware")
    cloud.ports["52:54:00:aa:00:01"] = "b"
    cloud.nodes_["c"] = BareNode("c", "lab-0", "ipmi", {"ipmi_address": "10.9.9.9"})
    with pytest.raises(ConfigError) as err:
        do_import(cloud)
    assert err.value.detail == (
        "node #0 (ctrl-0): matches several enrolled nodes (a, b) by MAC, BMC or uuid\n"
        'node #2 (lab-0): name "lab-0" is taken by enrolled node c')
    assert cloud.writes == []


def test_deploy_images_from_glance_most_specific_first_else_the_http_boot_files(tmp_path):
    (tmp_path / "agent.kernel").write_text("k")
    (tmp_path / "agent.ramdisk").write_text("r")
    found = entries()
    images = [Image("K", "bm-deploy-kernel", None), Image("K64", "x86_64-bm-deploy-kernel", None)]
    assert baremetal.deploy_images(found, images, tmp_path)[0] == (
        "K64", "file:///var/lib/ironic/httpboot/agent.ramdisk")
    # lab-0 gives no arch: the generic kernel
    assert baremetal.deploy_images(found, images, None)[2] == ("K", None)
    cloud = FakeCloud(images_=[Image("K", "bm-deploy-kernel", None),
                               Image("R", "bm-deploy-ramdisk", None)])
    do_import(cloud)
    info = {n.name: n.driver_info for n in cloud.nodes()}
    assert {k: info["lab-0"][k] for k in ("deploy_kernel", "rescue_kernel", "deploy_ramdisk",
                                          "rescue_ramdisk")} == {
        "deploy_kernel": "K", "rescue_kernel": "K", "deploy_ramdisk": "R", "rescue_ramdisk": "R"}
    cloud = FakeCloud(images_=cloud.images_)
    do_import(cloud, with_deploy_images=False)
    assert all("deploy_kernel" not in n.driver_info for n in cloud.nodes())


def test_a_node_whose_bmc_refuses_stays_in_enroll_and_is_named_with_ironic_last_error():
    cloud = FakeCloud(script={("compute-0", "manage"): "fail"})
    _, outcomes = do_import(cloud)
    assert [(o.node.name, o.ok) for o in outcomes] == [
        ("ctrl-0", True), ("compute-0", False), ("lab-0", True)]
    with pytest.raises(DeployError) as err:
        baremetal.check(outcomes, "node import")
    assert err.value.message.startswith("node import failed for 1 of 3 node(s): compute-0 (")
    assert err.value.detail.endswith(": enroll: manage failed on compute-0")


def manageable(cloud: FakeCloud, *names: str) -> list[BareNode]:
    for i, name in enumerate(names):
        cloud.nodes_[f"u{i}"] = BareNode(f"u{i}", name, "ipmi", provision_state="manageable")
    return cloud.nodes()


def test_introspection_retries_a_failed_node_once_as_tripleoclient():
    cloud = FakeCloud(script={("n1", "inspect"): ["fail", "ok"], ("n2", "inspect"): "fail"})
    nodes = manageable(cloud, "n0", "n1", "n2")
    outcomes = baremetal.introspect(cloud, nodes, quiet(), poll=1, clock=FakeClock())
    assert [(o.node.name, o.ok, o.message) for o in outcomes] == [
        ("n0", True, "manageable"), ("n1", True, "manageable"),
        ("n2", False, "inspect failed: inspect failed on n2")]
    inspects = [c[1][0] for c in cloud.calls if c[0] == "set_provision_state"]
    assert inspects == ["u0", "u1", "u2", "u1", "u2"]


def test_a_node_still_busy_at_the_timeout_fails_with_its_state():
    cloud = FakeCloud(script={("n1", "clean"): "hang"})
    nodes = manageable(cloud, "n0", "n1")
    clock = FakeClock()
    outcomes = baremetal.clean(cloud, nodes, quiet(), timeout=30, poll=10, clock=clock)
    assert [(o.ok, o.message) for o in outcomes] == [
        (True, "manageable"),
        (False, "timed out after 30s in state cleaning (last error: none)")]
    assert clock.t == 30


def test_clean_sends_tripleoclients_metadata_erase_step():
    cloud = FakeCloud()
    baremetal.clean(cloud, manageable(cloud, "n0"), quiet(), poll=1, clock=FakeClock())
    assert cloud.calls[0] == ("set_provision_state", (
        "u0", "clean", [{"interface": "deploy", "step": "erase_devices_metadata"}]))


def test_provide_makes_nodes_available_and_powers_them_off():
    cloud = FakeCloud()
    nodes = manageable(cloud, "n0", "n1", "n2")
    cloud.nodes_["u1"].provision_state = "available"
    cloud.nodes_["u2"].provision_state = "active"
    outcomes = baremetal.provide(cloud, cloud.nodes(), quiet(), poll=1, clock=FakeClock())
    assert [(o.ok, o.message) for o in outcomes] == [
        (True, "available"), (True, "already available"),
        (False, "is active, not manageable")]
    assert [c for c in cloud.calls if c[0] != "set_provision_state"] == [
        ("power_off", "u0"), ("power_off", "u1")]
    assert nodes[0].provision_state == "manageable"  # the caller's copy is not ironic's


def test_all_manageable_and_named_nodes():
    cloud = FakeCloud()
    manageable(cloud, "n0", "n1", "n2")
    cloud.nodes_["u1"].maintenance = True
    cloud.nodes_["u2"].provision_state = "available"
    assert [n.uuid for n in baremetal.resolve(cloud, [], True)] == ["u0"]
    assert [n.uuid for n in baremetal.resolve(cloud, ["n2", "u0", "n2"], False)] == ["u2", "u0"]
    with pytest.raises(ConfigError) as err:
        baremetal.resolve(cloud, ["n0", "ghost", "u9"], False)
    assert err.value.message == "no such node: ghost, u9"


def test_introspect_command_exits_1_naming_the_failed_node(monkeypatch, capsys):
    from undercroft.cli import nodes as cli

    cloud = FakeCloud(script={("n1", "inspect"): "fail"}, polls=1)
    manageable(cloud, "n0", "n1")
    monkeypatch.setattr(cli.NodeCommand, "cloud", lambda self, args: (None, cloud))
    monkeypatch.setattr(baremetal, "POLL", 0)
    cmd = cli.NodeIntrospect(None, None)
    args = cmd.get_parser("openstack overcloud node introspect").parse_args(
        ["--all-manageable", "--provide", "--max-retries", "0"])
    monkeypatch.setattr(baremetal.time, "sleep", lambda s: None)
    assert cmd.take_action(args) == 1
    err = capsys.readouterr().err
    assert "introspection failed for 1 of 3 node(s): n1 (u1)" in err
    assert "n1 (u1): inspect failed: inspect failed on n1" in err
    assert cloud.nodes_["u0"].provision_state == "available"  # the good one was provided


# --- images ---------------------------------------------------------------------------


def built(tmp_path: Path) -> tuple[Path, Path]:
    ipa, os_dir = tmp_path / "ironic-python-agent", tmp_path / "overcloud-full"
    ipa.mkdir()
    os_dir.mkdir()
    (ipa / "ironic-python-agent.kernel").write_bytes(b"kernel")
    (ipa / "ironic-python-agent.initramfs").write_bytes(b"initramfs")
    (os_dir / "overcloud-full.qcow2").write_bytes(b"qcow2")
    return ipa, os_dir


def test_upload_plan_names_images_as_tripleoclient(tmp_path):
    ipa, os_dir = built(tmp_path)
    uploads, copies = baremetal.upload_plan(ipa, os_dir, tmp_path / "httpboot")
    assert [(u.name, u.path.name, u.disk_format) for u in uploads] == [
        ("overcloud-full", "overcloud-full.qcow2", "qcow2"),
        ("bm-deploy-kernel", "ironic-python-agent.kernel", "aki"),
        ("bm-deploy-ramdisk", "ironic-python-agent.initramfs", "ari")]
    assert [(c.source.name, c.dest.name) for c in copies] == [
        ("ironic-python-agent.kernel", "agent.kernel"),
        ("ironic-python-agent.initramfs", "agent.ramdisk")]
    uploads, _ = baremetal.upload_plan(ipa, os_dir, tmp_path, "ironic-python-agent",
                                       arch="x86_64", platform_="SNB")
    assert [u.name for u in uploads] == ["SNB-x86_64-bm-deploy-kernel",
                                         "SNB-x86_64-bm-deploy-ramdisk"]
    (os_dir / "overcloud-full.qcow2").unlink()
    with pytest.raises(ConfigError) as err:
        baremetal.upload_plan(ipa, os_dir, tmp_path)
    assert err.value.message == ("required image file(s) missing: "
                                 f"{os_dir / 'overcloud-full.qcow2'}")


def test_upload_skips_what_glance_has_and_replaces_only_with_update_existing(tmp_path):
    ipa, os_dir = built(tmp_path)
    http = tmp_path / "httpboot"
    cloud = FakeCloud()
    plan = baremetal.upload_plan(ipa, os_dir, http)
    assert baremetal.upload_images(cloud, *plan, quiet(), arch="x86_64") == []
    assert [c[1][:3] for c in cloud.writes] == [
        ("overcloud-full", "overcloud-full.qcow2", "qcow2"),
        ("bm-deploy-kernel", "ironic-python-agent.kernel", "aki"),
        ("bm-deploy-ramdisk", "ironic-python-agent.initramfs", "ari")]
    assert cloud.writes[0][1][3] == {"hw_architecture": "x86_64"}
    assert (http / "agent.kernel").read_bytes() == b"kernel"
    assert (http / "agent.ramdisk").stat().st_mode & 0o777 == 0o644
    # again: the same checksums, nothing written
    before = len(cloud.writes)
    baremetal.upload_images(cloud, *plan, quiet())
    assert cloud.writes[before:] == []
    # a rebuilt agent: kept without --update-existing
    (ipa / "ironic-python-agent.kernel").write_bytes(b"kernel 2")
    baremetal.upload_images(cloud, *plan, quiet())
    assert cloud.writes[before:] == [] and (http / "agent.kernel").read_bytes() == b"kernel"
    # with it: the old image renamed NAME_<created_at>, the new one uploaded
    assert baremetal.upload_images(cloud, *plan, quiet(), update_existing=True) == [
        "bm-deploy-kernel"]
    assert [c[0] for c in cloud.writes[before:]] == ["rename_image", "upload_image"]
    assert cloud.writes[before][1] == ("img-2", "bm-deploy-kernel_20240506T070809Z")
    names = {i.name: i.checksum for i in cloud.images()}
    assert names["bm-deploy-kernel"] == hashlib.md5(b"kernel 2").hexdigest()
    assert (http / "agent.kernel").read_bytes() == b"kernel 2"


def test_http_boot_dir_follows_the_data_layout(tmp_path):
    from types import SimpleNamespace

    s = SimpleNamespace(data_root=tmp_path, baremetal=False, host_layout=False)
    assert baremetal.http_boot_dir(s) == tmp_path / "ironic" / "httpboot"
    s.host_layout = True
    assert baremetal.http_boot_dir(s) == Path("/var/lib/ironic/httpboot")


def test_the_sdk_adapter_maps_openstacksdk_resources(tmp_path):
    """openstacksdk's calls and attributes, as the adapter uses them (a stand-in conn)."""
    from types import SimpleNamespace as NS

    from undercroft.lifecycle.openstack_cloud import SdkCloud

    calls = []
    sdk_node = NS(id="u1", name="n", driver="ipmi", driver_info={"ipmi_address": "a"},
                  properties={}, extra={}, resource_class="baremetal",
                  provision_state="enroll", target_provision_state=None, power_state=None,
                  is_maintenance=False, last_error=None, conductor_group="",
                  deploy_interface="direct")

    class Baremetal:
        def create_node(self, **attrs):
            calls.append(("create_node", attrs))
            return sdk_node

        def create_port(self, **attrs):
            calls.append(("create_port", attrs))

        def ports(self, details):
            return [NS(address="52:54:00:AA:00:01", node_id="u1")]

        def set_node_provision_state(self, uuid, verb, clean_steps=None):
            calls.append(("provision", uuid, verb, clean_steps))

    cloud = SdkCloud(NS(baremetal=Baremetal()))
    node = cloud.create_node({"driver": "ipmi", "uuid": "u1", "name": "n"})
    assert calls[0] == ("create_node", {"driver": "ipmi", "id": "u1", "name": "n",
                                        "provision_state": "enroll"})
    assert (node.uuid, node.label, node.other["deploy_interface"]) == ("u1", "n (u1)", "direct")
    cloud.create_port("u1", {"address": "52:54:00:aa:00:01", "physical_network": "ctlplane",
                             "local_link_connection": None})
    assert calls[1] == ("create_port", {"node_id": "u1", "address": "52:54:00:aa:00:01",
                                        "physical_network": "ctlplane"})
    assert cloud.port_addresses() == {"52:54:00:aa:00:01": "u1"}
    cloud.set_provision_state("u1", "clean", baremetal.CLEAN_STEPS)
    assert calls[2] == ("provision", "u1", "clean", list(baremetal.CLEAN_STEPS))


def test_parsers_take_tripleoclients_arguments():
    from undercroft.cli import nodes as cli

    intro = cli.NodeIntrospect(None, None).get_parser("x")
    assert intro.parse_args(["--all-manageable", "--provide"]).all_manageable
    assert intro.parse_args(["a", "b"]).node_uuids == ["a", "b"]
    with pytest.raises(SystemExit):
        intro.parse_args(["a", "--all-manageable"])
    up = cli.ImageUpload(None, None).get_parser("x").parse_args(
        ["--image-path", "/tmp/i", "--update-existing", "--whole-disk"])
    assert (up.image_path, up.update_existing, up.os_image_name) == (
        "/tmp/i", True, "overcloud-full.qcow2")


def test_tripleoclients_command_names_are_registered_and_resolve():
    import importlib
    import tomllib

    root = Path(__file__).resolve().parents[3]
    groups = tomllib.loads((root / "pyproject.toml").read_text())["project"]["entry-points"]
    osc, own = groups["openstack.undercroft.v1"], groups["undercroft.cli"]
    for name, mine in (("overcloud_node_import", "node import"),
                       ("overcloud_node_introspect", "node introspect"),
                       ("overcloud_node_provide", "node provide"),
                       ("overcloud_node_clean", "node clean"),
                       ("overcloud_image_upload", "image upload")):
        assert osc[name] == own[mine]
        module, _, cls = osc[name].partition(":")
        assert getattr(importlib.import_module(module), cls)
