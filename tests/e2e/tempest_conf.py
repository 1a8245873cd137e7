"""tempest.conf for an undercloud, from its clouds.yaml entry and what its APIs say.

tests/e2e/test_tempest.py runs this file inside the deployment's network namespace (the
public endpoints are only reachable there):

    ip netns exec NS .venv/bin/python -m tests.e2e.tempest_conf --clouds-yaml FILE \\
        --cloud NAME --output WORKSPACE/etc/tempest.conf --workspace WORKSPACE

It logs in as the cloud's admin (keystone's public endpoint, the CA file of clouds.yaml),
reads the service catalog and asks each service what it has: ironic's microversion range
and the interfaces its hardware types enable, neutron's extensions, glance's import
methods, swift's /info. ``render`` turns those facts into tempest.conf; it is pure and
unit tested (tests/unit/test_tempest_conf.py). The file holds the admin password: it is
written 0600, every value quoted as oslo.config reads it (undercroft.render.quoting.ini:
the test undercloud's passwords hold every character that ever broke a format), and
neither the password nor the file is ever printed.

HTTP through the standard library: the project's venv runs it, not tempest's.
"""
from __future__ import annotations

import argparse
import configparser
import io
import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from undercroft.render.quoting import ini

# Catalog service type -> tempest's [service_available] option. Ironic's and
# ironic-inspector's options come from ironic-tempest-plugin.
SERVICE_OPTIONS = {
    "compute": "nova",
    "image": "glance",
    "network": "neutron",
    "object-store": "swift",
    "volumev3": "cinder",
    "dashboard": "horizon",
    "baremetal": "ironic",
    "baremetal-introspection": "ironic_inspector",
}

# Ironic's interface kinds, as GET /v1/drivers?detail=true names them
# (enabled_<kind>_interfaces) and as ironic-tempest-plugin's [baremetal] options do.
IRONIC_INTERFACE_KINDS = ("bios", "boot", "console", "deploy", "firmware", "inspect",
                          "management", "network", "power", "raid", "rescue", "storage",
                          "vendor")
# The ones ironic-tempest-plugin has an [baremetal] enabled_<kind>_interfaces option for.
PLUGIN_INTERFACE_KINDS = ("bios", "boot", "deploy", "inspect", "management", "power",
                          "raid", "rescue")

# The lab's nodes for API tests: ironic-tempest-plugin's [baremetal] driver.
BAREMETAL_DRIVER = "fake-hardware"

# swift's keystoneauth operator role the undercloud grants (swift.yaml create_roles,
# proxy-server.conf operator_roles): tempest's default, "member", is not one.
SWIFT_OPERATOR_ROLE = "swiftoperator"
SWIFT_RESELLER_ADMIN_ROLE = "ResellerAdmin"


@dataclass(frozen=True)
class Cloud:
    """One clouds.yaml entry: where keystone is and the admin's credentials."""

    auth_url: str
    username: str
    password: str = field(repr=False)
    project_name: str
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"
    region: str = "regionOne"
    cacert: str | None = None

    def __repr__(self) -> str:  # never the password, whatever prints it
        return f"Cloud(auth_url={self.auth_url!r}, username={self.username!r}, region={self.region!r})"

    @property
    def keystone_v3(self) -> str:
        url = self.auth_url.rstrip("/")
        return url if url.endswith("/v3") else url + "/v3"


def cloud_from_clouds_yaml(path: Path, name: str) -> Cloud:
    """The entry ``name`` of a clouds.yaml (JSON is YAML too, so the e2e tier's files and
    tests can use either; PyYAML is used when there)."""
    text = Path(path).read_text()
    try:
        import yaml
        data = yaml.safe_load(text)
    except ImportError:  # pragma: no cover - the repo's venvs have PyYAML
        data = json.loads(text)
    entry = data["clouds"][name]
    auth = entry["auth"]
    return Cloud(auth_url=auth["auth_url"], username=auth["username"],
                 password=auth["password"], project_name=auth["project_name"],
                 user_domain_name=auth.get("user_domain_name", "Default"),
                 project_domain_name=auth.get("project_domain_name", "Default"),
                 region=entry.get("region_name", "regionOne"), cacert=entry.get("cacert"))


@dataclass
class Facts:
    """What the deployment's APIs say, as far as tempest.conf needs it."""

    services: set[str]                     # catalog service types with a public endpoint here
    ironic_versions: tuple[str, str] | None = None   # (min, max) microversions
    # hardware type -> interface kind -> the interfaces it enables (ironic's drivers API)
    ironic_drivers: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    network_extensions: list[str] = field(default_factory=list)
    image_import_methods: list[str] = field(default_factory=list)
    swift_info: dict[str, Any] = field(default_factory=dict)
    identity_trusts: bool = True

    def ironic_enabled(self, kind: str) -> list[str]:
        """Every interface of ``kind`` some enabled hardware type has, in first-seen order."""
        out: list[str] = []
        for interfaces in self.ironic_drivers.values():
            for name in interfaces.get(kind, []):
                if name not in out:
                    out.append(name)
        return out


# --- discovery (inside the namespace) --------------------------------------------------------

Fetch = Callable[..., tuple[int, dict[str, str], Any]]


def http_fetch(cloud: Cloud) -> Fetch:
    """A tiny JSON client: (status, headers, parsed body) of a request, TLS verified
    against the cloud's CA file."""
    context = ssl.create_default_context(cafile=cloud.cacert) if cloud.cacert else None

    def fetch(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers={
            "Accept": "application/json", **({"Content-Type": "application/json"} if data else {}),
            **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=60, context=context) as resp:
                status, hdrs, raw = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            status, hdrs, raw = exc.code, dict(exc.headers), exc.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return status, hdrs, parsed
    return fetch


def _token(cloud: Cloud, fetch: Fetch) -> tuple[str, list[dict]]:
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": cloud.username, "domain": {"name": cloud.user_domain_name},
            "password": cloud.password}}},
        "scope": {"project": {"name": cloud.project_name,
                              "domain": {"name": cloud.project_domain_name}}}}}
    status, headers, data = fetch("POST", cloud.keystone_v3 + "/auth/tokens", body)
    if status != 201:
        raise RuntimeError(f"keystone refused the admin login at {cloud.keystone_v3}: HTTP {status}")
    token = {k.lower(): v for k, v in headers.items()}["x-subject-token"]
    return token, data["token"].get("catalog", [])


def public_endpoints(catalog: list[dict], region: str) -> dict[str, str]:
    """Service type -> its public endpoint URL in ``region``."""
    out = {}
    for service in catalog:
        for ep in service.get("endpoints", []):
            if ep.get("interface") == "public" and ep.get("region", ep.get("region_id")) == region:
                out[service["type"]] = ep["url"]
    return out


def discover(cloud: Cloud, fetch: Fetch | None = None) -> Facts:
    fetch = fetch or http_fetch(cloud)
    token, catalog = _token(cloud, fetch)
    auth = {"X-Auth-Token": token}
    endpoints = public_endpoints(catalog, cloud.region)
    facts = Facts(services=set(endpoints))

    if "baremetal" in endpoints:
        root = endpoints["baremetal"].rstrip("/")
        root = root[:-3] if root.endswith("/v1") else root
        _, _, data = fetch("GET", root + "/")
        version = data["default_version"]
        facts.ironic_versions = (version["min_version"], version["version"])
        _, _, data = fetch("GET", root + "/v1/drivers?detail=true",
                           headers={**auth, "X-OpenStack-Ironic-API-Version": version["version"]})
        for driver in data["drivers"]:
            if driver.get("type", "dynamic") != "dynamic":
                continue
            facts.ironic_drivers[driver["name"]] = {
                kind: list(driver.get(f"enabled_{kind}_interfaces") or [])
                for kind in IRONIC_INTERFACE_KINDS}

    if "network" in endpoints:
        _, _, data = fetch("GET", endpoints["network"].rstrip("/") + "/v2.0/extensions",
                           headers=auth)
        facts.network_extensions = sorted(e["alias"] for e in data["extensions"])

    if "image" in endpoints:
        status, _, data = fetch("GET", endpoints["image"].rstrip("/") + "/v2/info/import",
                                headers=auth)
        if status == 200:
            facts.image_import_methods = list(data["import-methods"]["value"])

    if "object-store" in endpoints:
        parts = urllib.parse.urlsplit(endpoints["object-store"])
        status, _, data = fetch("GET", f"{parts.scheme}://{parts.netloc}/info")
        if status == 200:
            facts.swift_info = data
    return facts


# --- rendering (pure) ------------------------------------------------------------------------


def render(cloud: Cloud, facts: Facts, workspace: str | Path | None = None) -> str:
    """tempest.conf (ini text) for ``cloud`` with ``facts``; logs and locks under
    ``workspace`` when given."""
    conf = configparser.ConfigParser(interpolation=None)
    conf.optionxform = str  # type: ignore[assignment,method-assign]
    sections: dict[str, dict[str, str]] = {}

    def put(section: str, **options: Any) -> None:
        target = sections.setdefault(section, {})
        for key, value in options.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, (list, tuple)):
                value = ",".join(value)
            target[key] = ini(value)

    put("DEFAULT", debug=False, use_stderr=False)
    if workspace:
        put("DEFAULT", log_dir=f"{workspace}/logs", log_file="tempest.log")
        put("oslo_concurrency", lock_path=f"{workspace}/lock")

    # Tempest makes a project and users per test class from the admin's credentials;
    # it makes no network for them: projects have no networks of their own here.
    put("auth", use_dynamic_credentials=True, create_isolated_networks=False,
        admin_username=cloud.username, admin_password=cloud.password,
        admin_project_name=cloud.project_name, admin_domain_name=cloud.user_domain_name,
        admin_user_domain_name=cloud.user_domain_name,
        admin_project_domain_name=cloud.project_domain_name,
        default_credentials_domain_name=cloud.user_domain_name)

    put("identity", uri_v3=cloud.keystone_v3, auth_version="v3", region=cloud.region,
        v3_endpoint_type="public", admin_role="admin",
        disable_ssl_certificate_validation=False)
    if cloud.cacert:
        put("identity", ca_certificates_file=cloud.cacert)
    # keystone's defaults as the undercloud runs them: trusts (heat uses them),
    # application credentials with access rules; no PCI-DSS options, no domain-specific
    # identity drivers, users in SQL (changeable).
    put("identity-feature-enabled", api_v2=False, api_v3=True, trust=facts.identity_trusts,
        access_rules=True, security_compliance=False, domain_specific_drivers=False,
        immutable_user_source=False)

    services = facts.services
    put("service_available", **{opt: stype in services for stype, opt in SERVICE_OPTIONS.items()})

    # The undercloud's policies: keystone, glance, neutron, nova, placement on their own
    # defaults without scope checks; ironic and inspector keep Zed's rules (ironic.conf).
    put("enforce_scope", keystone=False, glance=False, neutron=False, nova=False,
        placement=False, cinder=False, ironic=False, ironic_inspector=False)

    if "compute" in services:
        put("compute", region=cloud.region, endpoint_type="publicURL")
        # an undercloud's nova drives ironic nodes only: no console, no migration, no
        # resize and friends (ironic-tempest-plugin's [baremetal] help lists them)
        put("compute-feature-enabled", console_output=False, interface_attach=False,
            live_migration=False, pause=False, rescue=False, resize=False, shelve=False,
            snapshot=False, suspend=False, vnc_console=False, change_password=False)

    if "image" in services:
        put("image", region=cloud.region, endpoint_type="publicURL")
        # glance here: file store only, image import (its methods from /v2/info/import),
        # no format conversion plugin, locations hidden (show_multiple_locations off)
        put("image-feature-enabled", api_v2=True, api_v1=False,
            import_image=bool(facts.image_import_methods), os_glance_reserved=True,
            manage_locations=False, image_conversion=False)

    if "network" in services:
        put("network", region=cloud.region, endpoint_type="publicURL",
            project_networks_reachable=False, public_network_id="", floating_network_name="",
            shared_physical_network=False)
        # no tenant network types, no L3 (routers, floating IPs): projects have no
        # networks of their own, and the extensions are what neutron lists
        put("network-feature-enabled",
            api_extensions=facts.network_extensions or ["all"],
            floating_ips="router" in facts.network_extensions,
            port_security="port-security" in facts.network_extensions,
            ipv6=True, ipv6_subnet_attributes=True)

    if "object-store" in services:
        put("object-storage", region=cloud.region, endpoint_type="publicURL",
            operator_role=SWIFT_OPERATOR_ROLE, reseller_admin_role=SWIFT_RESELLER_ADMIN_ROLE)
        info = facts.swift_info
        # What /info lists (swift's discoverability); container sync needs the middleware
        # and realms, object versioning its middleware.
        put("object-storage-feature-enabled", discoverability=bool(info),
            discoverable_apis=sorted(info) or ["all"],
            container_sync="container_sync" in info,
            object_versioning="object_versioning" in info)

    if "baremetal" in services:
        put("baremetal", driver=BAREMETAL_DRIVER, endpoint_type="public")
        if facts.ironic_versions:
            put("baremetal", min_microversion=facts.ironic_versions[0],
                max_microversion=facts.ironic_versions[1])
        if facts.ironic_drivers:
            put("baremetal", enabled_hardware_types=list(facts.ironic_drivers),
                enabled_drivers=list(facts.ironic_drivers))
            for kind in PLUGIN_INTERFACE_KINDS:
                put("baremetal", **{f"enabled_{kind}_interfaces": facts.ironic_enabled(kind)})
        put("baremetal_feature_enabled", ipxe_enabled=True, adoption=False,
            software_raid=False, deploy_time_raid=False)
    if "baremetal-introspection" in services:
        put("baremetal_introspection", endpoint_type="public")

    for section, options in sections.items():
        if section != "DEFAULT":
            conf.add_section(section)
        for key, value in options.items():
            conf.set(section, key, value)
    out = io.StringIO()
    conf.write(out)
    return out.getvalue()


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600 from the start)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        os.fchmod(f.fileno(), 0o600)
        f.write(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--clouds-yaml", required=True, type=Path)
    ap.add_argument("--cloud", default="undercloud")
    ap.add_argument("--output", required=True, type=Path)
    ap.add_argument("--workspace", help="tempest's workspace: logs/ and lock/ go there")
    ap.add_argument("--facts", type=Path, help="also write the discovered facts (JSON) here")
    args = ap.parse_args(argv)
    cloud = cloud_from_clouds_yaml(args.clouds_yaml, args.cloud)
    facts = discover(cloud)
    write_private(args.output, render(cloud, facts, args.workspace))
    if args.facts:
        data = {**facts.__dict__, "services": sorted(facts.services)}
        args.facts.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"tempest_conf: wrote {args.output} (0600) for {cloud.auth_url}, services "
          f"{', '.join(sorted(facts.services))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
