"""The tempest.conf generator of the e2e tier (tests/e2e/tempest_conf.py), the reading of
tempest's results (tests/e2e/tempest_run.py) and the test selection's bookkeeping
(tests/e2e/tempest/, docs/testing.md): no cloud, no tempest, the APIs' answers faked."""
from __future__ import annotations

import configparser
import json
import re
import stat
from pathlib import Path

import pytest

from tests.e2e import tempest_conf, tempest_run

REPO = Path(__file__).resolve().parents[2]
# every character that broke a format before, and inner spaces (tests/e2e/conftest.py HOSTILE)
PASSWORD = "' \" @ % # ; \\ / $ ? & Admin x1"


def cloud(**kw) -> tempest_conf.Cloud:
    values = dict(auth_url="https://192.168.24.2:13000", username="admin", password=PASSWORD,
                  project_name="admin", region="regionOne", cacert="/lab/home/undercloud-ca.pem")
    values.update(kw)
    return tempest_conf.Cloud(**values)


DRIVERS = {
    "fake-hardware": {"bios": ["fake", "no-bios"], "boot": ["fake", "pxe", "ipxe"],
                      "console": ["fake", "no-console"], "deploy": ["fake", "direct"],
                      "raid": ["fake", "no-raid"], "vendor": ["fake", "no-vendor"],
                      "management": ["fake"], "power": ["fake"], "inspect": ["fake"],
                      "rescue": ["no-rescue"]},
    "ipmi": {"bios": ["no-bios"], "boot": ["ipxe", "pxe"], "console": ["no-console"],
             "deploy": ["direct", "ramdisk"], "raid": ["no-raid"],
             "vendor": ["ipmitool", "no-vendor"], "management": ["ipmitool", "noop"],
             "power": ["ipmitool"], "inspect": ["inspector", "no-inspect"],
             "rescue": ["no-rescue"]},
}

FACTS = tempest_conf.Facts(
    services={"identity", "image", "network", "object-store", "compute", "placement",
              "baremetal", "baremetal-introspection", "orchestration", "workflowv2",
              "messaging"},
    ironic_versions=("1.1", "1.96"), ironic_drivers=DRIVERS,
    network_extensions=["agent", "binding", "network_availability_zone", "port-security",
                        "quotas", "segment", "security-group"],
    image_import_methods=["glance-direct", "web-download"],
    swift_info={"swift": {"version": "2.35.0"}, "tempurl": {}, "slo": {}, "bulk_delete": {}})


def parsed(text: str) -> configparser.ConfigParser:
    conf = configparser.ConfigParser(interpolation=None)
    conf.read_string(text)
    return conf


def oslo_value(raw: str) -> str:
    """What oslo.config reads from an ini value: stripped, one pair of matching quotes
    removed, '$$' an escaped '$' (oslo_config.iniparser, its template substitution)."""
    value = raw.strip()
    if value and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.replace("$$", "$")


def test_admin_credentials_and_keystone():
    conf = parsed(tempest_conf.render(cloud(), FACTS))
    auth = conf["auth"]
    assert auth["use_dynamic_credentials"] == "true"
    assert auth["create_isolated_networks"] == "false"
    assert (auth["admin_username"], auth["admin_project_name"], auth["admin_domain_name"]) == (
        "admin", "admin", "Default")
    assert oslo_value(auth["admin_password"]) == PASSWORD
    identity = conf["identity"]
    assert identity["uri_v3"] == "https://192.168.24.2:13000/v3"
    assert identity["region"] == "regionOne"
    assert identity["ca_certificates_file"] == "/lab/home/undercloud-ca.pem"
    assert identity["v3_endpoint_type"] == "public"
    assert identity["disable_ssl_certificate_validation"] == "false"


@pytest.mark.parametrize("password", ["$abc", " lead", "trail ", "'quoted'", '"x"', "a;b#c",
                                      "%(x)s", "\\n"])
def test_the_password_reads_back_as_oslo_config_reads_it(password):
    conf = parsed(tempest_conf.render(cloud(password=password), FACTS))
    assert oslo_value(conf["auth"]["admin_password"]) == password


def test_the_password_is_in_no_repr():
    c = cloud()
    assert PASSWORD not in repr(c) and "password" not in repr(c)


def test_no_ca_file_without_tls():
    conf = parsed(tempest_conf.render(cloud(auth_url="http://192.168.24.1:5000/v3",
                                            cacert=None), FACTS))
    assert conf["identity"]["uri_v3"] == "http://192.168.24.1:5000/v3"
    assert "ca_certificates_file" not in conf["identity"]


def test_service_available_follows_the_catalog():
    conf = parsed(tempest_conf.render(cloud(), FACTS))
    available = conf["service_available"]
    assert {k: available[k] for k in ("nova", "glance", "neutron", "swift", "ironic",
                                       "ironic_inspector", "cinder", "horizon")} == {
        "nova": "true", "glance": "true", "neutron": "true", "swift": "true",
        "ironic": "true", "ironic_inspector": "true", "cinder": "false", "horizon": "false"}
    no_nova = tempest_conf.Facts(services=FACTS.services - {"compute"})
    assert parsed(tempest_conf.render(cloud(), no_nova))["service_available"]["nova"] == "false"
    assert "compute" not in parsed(tempest_conf.render(cloud(), no_nova))


def test_no_project_networks():
    conf = parsed(tempest_conf.render(cloud(), FACTS))
    assert conf["network"]["project_networks_reachable"] == "false"
    assert oslo_value(conf["network"]["public_network_id"]) == ""
    features = conf["network-feature-enabled"]
    assert features["api_extensions"].split(",") == FACTS.network_extensions
    assert features["floating_ips"] == "false"  # no router extension: no L3
    assert features["port_security"] == "true"


def test_scope_enforcement_off_as_the_undercloud_runs_it():
    conf = parsed(tempest_conf.render(cloud(), FACTS))
    assert conf["enforce_scope"]["ironic"] == "false"
    assert conf["enforce_scope"]["keystone"] == "false"


def test_baremetal_from_ironic():
    conf = parsed(tempest_conf.render(cloud(), FACTS))
    bm = conf["baremetal"]
    assert bm["driver"] == "fake-hardware"
    assert (bm["min_microversion"], bm["max_microversion"]) == ("1.1", "1.96")
    assert bm["enabled_hardware_types"] == "fake-hardware,ipmi"
    assert bm["enabled_bios_interfaces"] == "fake,no-bios"
    assert bm["enabled_raid_interfaces"] == "fake,no-raid"
    assert bm["enabled_deploy_interfaces"] == "fake,direct,ramdisk"
    assert bm["enabled_boot_interfaces"] == "fake,pxe,ipxe"
    assert bm["enabled_rescue_interfaces"] == "no-rescue"
    assert conf["baremetal_introspection"]["endpoint_type"] == "public"


def test_object_storage_roles_and_features_from_info():
    conf = parsed(tempest_conf.render(cloud(), FACTS))
    assert conf["object-storage"]["operator_role"] == "swiftoperator"
    assert conf["object-storage"]["reseller_admin_role"] == "ResellerAdmin"
    features = conf["object-storage-feature-enabled"]
    assert features["container_sync"] == "false"
    assert features["discoverability"] == "true"
    assert features["discoverable_apis"] == "bulk_delete,slo,swift,tempurl"
    with_sync = tempest_conf.Facts(services={"object-store"},
                                   swift_info={"container_sync": {"realms": {}}})
    assert parsed(tempest_conf.render(cloud(), with_sync))[
        "object-storage-feature-enabled"]["container_sync"] == "true"


def test_image_import_from_glance():
    conf = parsed(tempest_conf.render(cloud(), FACTS))
    assert conf["image-feature-enabled"]["import_image"] == "true"
    no_import = tempest_conf.Facts(services={"image"})
    assert parsed(tempest_conf.render(cloud(), no_import))[
        "image-feature-enabled"]["import_image"] == "false"


def test_workspace_logs_and_locks():
    conf = parsed(tempest_conf.render(cloud(), FACTS, "/lab/tempest/workspace"))
    assert conf["DEFAULT"]["log_dir"] == "/lab/tempest/workspace/logs"
    assert conf["oslo_concurrency"]["lock_path"] == "/lab/tempest/workspace/lock"


def test_written_owner_only(tmp_path):
    path = tmp_path / "etc" / "tempest.conf"
    path.parent.mkdir()
    path.write_text("old")
    path.chmod(0o644)
    tempest_conf.write_private(path, "[auth]\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == "[auth]\n"


def test_clouds_yaml_entry(tmp_path):
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(json.dumps({"clouds": {"undercloud": {
        "auth": {"auth_url": "https://192.168.24.2:13000", "username": "admin",
                 "password": PASSWORD, "project_name": "admin",
                 "user_domain_name": "Default", "project_domain_name": "Default"},
        "cacert": "/lab/ca.pem", "region_name": "regionTwo", "identity_api_version": "3"}}}))
    c = tempest_conf.cloud_from_clouds_yaml(clouds, "undercloud")
    assert (c.password, c.region, c.cacert, c.keystone_v3) == (
        PASSWORD, "regionTwo", "/lab/ca.pem", "https://192.168.24.2:13000/v3")


class FakeAPI:
    """The undercloud's APIs as discover() asks them, by method and URL."""

    def __init__(self, catalog, answers):
        self.catalog, self.answers, self.asked = catalog, answers, []

    def __call__(self, method, url, body=None, headers=None):
        self.asked.append((method, url, dict(headers or {})))
        if url.endswith("/v3/auth/tokens"):
            assert body["auth"]["identity"]["password"]["user"]["password"] == PASSWORD
            return 201, {"X-Subject-Token": "tok"}, {"token": {"catalog": self.catalog}}
        return self.answers.get(url, (404, {}, None))


def endpoint(stype, url, interface="public", region="regionOne"):
    return {"type": stype, "endpoints": [{"interface": interface, "region": region, "url": url}]}


def test_discover_asks_each_service():
    base = "https://192.168.24.2"
    catalog = [endpoint("identity", f"{base}:13000"),
               endpoint("baremetal", f"{base}:13385"),
               endpoint("network", f"{base}:13696"),
               endpoint("image", f"{base}:13292"),
               endpoint("object-store", f"{base}:13808/v1/AUTH_abc"),
               endpoint("compute", "http://192.168.24.1:8774/v2.1", interface="internal"),
               endpoint("volumev3", f"{base}:13776/v3", region="elsewhere")]
    drivers = [{"name": "fake-hardware", "type": "dynamic",
                **{f"enabled_{k}_interfaces": v for k, v in DRIVERS["fake-hardware"].items()}},
               {"name": "pxe_classic", "type": "classic"}]
    api = FakeAPI(catalog, {
        f"{base}:13385/": (200, {}, {"default_version": {"min_version": "1.1", "version": "1.80"}}),
        f"{base}:13385/v1/drivers?detail=true": (200, {}, {"drivers": drivers}),
        f"{base}:13696/v2.0/extensions": (200, {}, {"extensions": [{"alias": "quotas"},
                                                                   {"alias": "agent"}]}),
        f"{base}:13292/v2/info/import": (200, {}, {"import-methods": {
            "value": ["glance-direct"]}}),
        f"{base}:13808/info": (200, {}, {"swift": {}, "tempurl": {}}),
    })
    facts = tempest_conf.discover(cloud(), api)
    assert facts.services == {"identity", "baremetal", "network", "image", "object-store"}
    assert facts.ironic_versions == ("1.1", "1.80")
    assert list(facts.ironic_drivers) == ["fake-hardware"]
    assert facts.ironic_enabled("console") == ["fake", "no-console"]
    assert facts.network_extensions == ["agent", "quotas"]
    assert facts.image_import_methods == ["glance-direct"]
    assert set(facts.swift_info) == {"swift", "tempurl"}
    drivers_call = [h for m, u, h in api.asked if u.endswith("/v1/drivers?detail=true")][0]
    assert drivers_call["X-OpenStack-Ironic-API-Version"] == "1.80"
    assert drivers_call["X-Auth-Token"] == "tok"


def test_discover_reports_a_refused_login_without_the_password():
    def refuse(method, url, body=None, headers=None):
        return 401, {}, {"error": {"code": 401}}
    with pytest.raises(RuntimeError) as err:
        tempest_conf.discover(cloud(), refuse)
    assert "HTTP 401" in str(err.value) and PASSWORD not in str(err.value)


def test_tempest_totals_are_read():
    output = """
======
Totals
======
Ran: 412 tests in 301.2 sec.
 - Passed: 350
 - Skipped: 60
 - Expected Fail: 0
 - Unexpected Success: 0
 - Failed: 2
Sum of execute time for each test: 500.1 sec.
"""
    counts = tempest_run.parse_totals(output)
    assert counts == {"passed": 350, "skipped": 60, "expected_fail": 0,
                      "unexpected_success": 0, "failed": 2}


def test_passed_tests_counted_by_suite():
    output = "\n".join([
        "{0} tempest.api.identity.admin.v3.test_roles.RolesV3TestJSON.test_role_create"
        "[id-1,smoke] [0.512s] ... ok",
        "{1} tempest.api.image.v2.test_images.ListImagesTest.test_list [1.0s] ... ok",
        "{1} tempest.api.image.v2.test_images.ListImagesTest.test_other [1.0s] ... FAILED",
        "{0} setUpClass (tempest.api.network.test_ports.PortsTestJSON) ... SKIPPED: no",
        "{0} ironic_tempest_plugin.tests.api.admin.test_nodes.TestNodes.test_create_node"
        "[id-2] [2.1s] ... ok"])
    assert tempest_run.passed_by_suite(output) == {
        "tempest.api.identity": 1, "tempest.api.image": 1, "tempest.api.network": 0,
        "tempest.api.object_storage": 0, "ironic_tempest_plugin.tests.api": 1}


# --- the selection: tests/e2e/tempest/include.txt, exclude.txt, docs/testing.md ---------------

def _entries(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text().splitlines():
        regex, _, reason = line.partition("#")
        if regex.strip():
            out.append((regex.strip(), reason.strip()))
    return out


def test_every_exclusion_has_a_valid_regex_and_a_reason_and_is_documented():
    docs = (REPO / "docs/testing.md").read_text()
    for regex, reason in _entries(tempest_run.EXCLUDE):
        re.compile(regex)
        assert reason, f"exclude.txt: {regex} has no reason"
        assert f"`{regex}`" in docs, f"docs/testing.md does not list {regex}"


def test_the_selection_is_the_api_suites():
    assert [r for r, _ in _entries(tempest_run.INCLUDE)] == [
        r"^tempest\.api\.identity\.", r"^tempest\.api\.image\.", r"^tempest\.api\.network\.",
        r"^tempest\.api\.object_storage\.", r"^ironic_tempest_plugin\.tests\.api\."]
    for regex, _ in _entries(tempest_run.EXCLUDE):
        assert re.match(r"\^?(tempest\\\.api|ironic_tempest_plugin\\\.tests\\\.api)", regex), regex


def test_the_venv_is_pinned():
    lines = [ln for ln in (REPO / "tests/e2e/tempest/requirements.txt").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert "tempest==43.0.0" in lines and "ironic-tempest-plugin==2.13.0" in lines
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.]+", ln) for ln in lines), lines
