"""Where Undercroft's parameters deliberately differ from tripleoclient's, and why.

For the same undercloud.conf, the parameters are python-tripleoclient's (stable/rocky
``prepare_undercloud_deploy`` and its helpers, the ``parameter_defaults`` it writes to
``undercloud_parameters.yaml``), key for key and value for value, defaults included,
except:

- ``DIFFERENCES``: a parameter tripleoclient emits that Undercroft leaves out, or gives
  another value. Each says when and why, and how Undercroft's value turns back into
  tripleoclient's (``to_tripleoclient``), so the corpus test checks that a value differs
  exactly as listed, and ``config show`` marks the parameters it applies to.
- ``OWN``: parameters tripleoclient's ``prepare_undercloud_deploy`` does not emit, which
  Undercroft adds for its services, each with where it comes from.

docs/undercloud-conf.md's "Deliberate differences from tripleoclient" is generated from
these (``undercroft config docs``); edit them here, not there.
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from undercroft.config.loader import UndercloudConf


@dataclass(frozen=True)
class Difference:
    """One way a parameter differs from tripleoclient's.

    ``to_tripleoclient(value, uc)``: tripleoclient's value, from Undercroft's; None when
    Undercroft does not emit the parameter, which tripleoclient emits when
    ``tripleoclient_emits(uc)``.
    """

    id: str        # a short name (the corpus' .yaml files list the ones that apply)
    parameter: str
    change: str    # what Undercroft does, in a few words (config show, docs)
    when: str      # the condition (docs)
    why: str       # the reason (docs)
    to_tripleoclient: Callable[[Any, UndercloudConf], Any] | None = None
    tripleoclient_emits: Callable[[UndercloudConf], bool] | None = None

    def applies(self, uc: UndercloudConf, parameters: Mapping[str, Any]) -> bool:
        """Whether this file's parameters differ from tripleoclient's in this way."""
        if self.to_tripleoclient is None:
            assert self.tripleoclient_emits is not None
            return self.parameter not in parameters and self.tripleoclient_emits(uc)
        if self.parameter not in parameters:
            return False
        value = parameters[self.parameter]
        return self.to_tripleoclient(value, uc) != value


def _without_subnet_key(key: str) -> Callable[[Any, UndercloudConf], Any]:
    def undo(value: Any, uc: UndercloudConf) -> Any:
        return {name: {k: v for k, v in sub.items() if k != key} for name, sub in value.items()}
    return undo


def _without_item_key(key: str) -> Callable[[Any, UndercloudConf], Any]:
    def undo(value: Any, uc: UndercloudConf) -> Any:
        return [{k: v for k, v in item.items() if k != key} for item in value]
    return undo


def _without_local_host_routes(value: Any, uc: UndercloudConf) -> Any:
    """ControlPlaneStaticRoutes without the local subnet's host_routes, which come last."""
    added = [{"ip_netmask": r["destination"], "next_hop": r["nexthop"]}
             for r in uc.get("host_routes", uc.local_subnet)]
    if added and value[len(value) - len(added):] == added:
        return value[:len(value) - len(added)]
    return value


def _without_masquerade_network(value: Any, uc: UndercloudConf) -> Any:
    """MasqueradeNetworks without the entry instack's masquerade_network added (kept when
    that subnet also sets masquerade = true)."""
    raw = uc.get("masquerade_network")
    if not raw:
        return value
    try:
        named = ipaddress.ip_network(raw.strip(), strict=False)
    except ValueError:
        return value
    for subnet in uc.subnets:
        cidr = uc.get("cidr", subnet).strip()
        if ipaddress.ip_network(cidr, strict=False) == named and not uc.get("masquerade", subnet):
            return {k: v for k, v in value.items() if k != cidr}
    return value


def _first_certificate_reencoded(value: Any, uc: UndercloudConf) -> Any:
    """tripleoclient: x509.load_pem_x509_certificate reads the first certificate only,
    and writes it back as cryptography encodes it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    cert = x509.load_pem_x509_certificate(str(value).encode())
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _key_traditional(value: Any, uc: UndercloudConf) -> Any:
    """tripleoclient: the key rewritten in the traditional OpenSSL form (PKCS#1 for RSA)."""
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(str(value).encode(), password=None)
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


_STEIN = ("a Stein option, which tripleoclient Rocky does not know (oslo.config ignores "
          "it, silently); Undercroft accepts the options Stein added and applies them as "
          "Stein does")

DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "allocation-pools", "UndercloudCtlplaneSubnets",
        "each subnet with dhcp_exclude also has AllocationPools",
        "a subnet sets dhcp_exclude",
        f"Stein's key: dhcp_start..dhcp_end minus dhcp_exclude, the pools neutron's subnet "
        f"gets; dhcp_exclude is {_STEIN}",
        to_tripleoclient=_without_subnet_key("AllocationPools")),
    Difference(
        "subnet-host-routes", "UndercloudCtlplaneSubnets",
        "each subnet with host_routes also has HostRoutes",
        "a subnet sets host_routes", f"Stein's key; host_routes is {_STEIN}",
        to_tripleoclient=_without_subnet_key("HostRoutes")),
    Difference(
        "inspector-host-routes", "IronicInspectorSubnets",
        "each subnet with host_routes also has host_routes",
        "a subnet sets host_routes", f"Stein's key; host_routes is {_STEIN}",
        to_tripleoclient=_without_item_key("host_routes")),
    Difference(
        "static-host-routes", "ControlPlaneStaticRoutes",
        "the local subnet's host_routes are appended",
        "the local subnet sets host_routes", f"Stein's rule; host_routes is {_STEIN}",
        to_tripleoclient=_without_local_host_routes),
    Difference(
        "masquerade-network", "MasqueradeNetworks",
        "the subnet whose cidr masquerade_network names is masqueraded",
        "masquerade_network (instack-undercloud) names a subnet that does not set "
        "masquerade = true",
        "instack-undercloud's option keeps its meaning (a warning says to set masquerade "
        "= true in that subnet instead); tripleoclient Rocky no longer knows it and drops "
        "the NAT silently",
        to_tripleoclient=_without_masquerade_network),
    Difference(
        "certificate-chain", "SSLCertificate",
        "every certificate of the PEM file, as written",
        "undercloud_service_certificate holds a chain, or a certificate not in "
        "cryptography's own encoding",
        "haproxy serves the whole chain, so clients that trust only the root CA can "
        "verify it; tripleoclient keeps the first certificate only (re-encoded), which "
        "such clients cannot verify",
        to_tripleoclient=_first_certificate_reencoded),
    Difference(
        "key-as-written", "SSLKey",
        "the private key as written",
        "undercloud_service_certificate's key is not in the traditional OpenSSL form "
        "(e.g. PKCS#8, 'BEGIN PRIVATE KEY', which openssl writes by default)",
        "haproxy reads either form; tripleoclient rewrites it as PKCS#1/SEC1 ('BEGIN RSA "
        "PRIVATE KEY'), which changes nothing for haproxy",
        to_tripleoclient=_key_traditional),
    Difference(
        "config-file-path", "UndercloudConfigFilePath",
        "the file read: --config's, or ~/undercloud.conf",
        "--config names another file than ~/undercloud.conf",
        "tripleoclient Rocky reads only ~/undercloud.conf and gives that path; Undercroft "
        "gives the file it read, so the validations check that one",
        to_tripleoclient=lambda value, uc: os.path.join(os.environ.get("HOME", ""),
                                                         "undercloud.conf")),
    Difference(
        "no-container-image-prepare", "ContainerImagePrepare",
        "not emitted",
        "container_images_file is not set (tripleoclient then sets tripleo-common's "
        "default list)",
        "images are built here from Debian packages (undercroft images build); "
        "tripleo-common's list names RDO's CentOS images on docker.io and a registry "
        "Undercroft does not run",
        tripleoclient_emits=lambda uc: not uc.get("container_images_file")),
    Difference(
        "no-net-config-override", "UndercloudNetConfigOverride",
        "not emitted",
        "net_config_override is set",
        "there is no os-net-config: host prep creates br-ctlplane with local_ip and "
        "enslaves local_interface (net_config_override has no effect, with a warning)",
        tripleoclient_emits=lambda uc: bool(uc.get("net_config_override"))),
)

# Parameters tripleoclient's prepare_undercloud_deploy does not emit -> where they come from.
OWN: dict[str, str] = {
    "LocalIp": "local_ip without its prefix: where the services listen (tripleoclient "
               "passes local_ip to `openstack tripleo deploy --local-ip`)",
    "ControlPlaneCidr": "local_ip's network",
    "ControlPlanePrefix": "local_ip's prefix length",
    "UndercloudHostname": "undercloud_hostname, else the host's FQDN: the containers' host "
                          "name (tripleoclient renames the host with hostnamectl; Undercroft "
                          "does not rename hosts)",
    "AdminHost": "undercloud_admin_host: the host of the admin and internal endpoints "
                 "(tripleoclient passes it as --control-virtual-ip with TLS)",
    "PublicTLSMode": "off, certmonger or certificate: which of tripleoclient's TLS "
                     "environments (no-tls-endpoints-public-ip, public-tls-undercloud, a "
                     "given certificate) the file selects",
    "PublicVirtualFixedIPs": "with TLS, the public VIP: what `openstack tripleo deploy "
                             "--public-virtual-ip` makes of undercloud_public_host",
    "ControlFixedIPs": "with TLS, the admin VIP: what --control-virtual-ip makes of "
                       "undercloud_admin_host",
    "ContainerHealthcheckDisabled": "container_healthcheck_disabled, a Stein option: "
                                    "Stein's parameter",
    "TimeZone": "undercloud_timezone, a Stein option, when set: Stein's parameter",
    "ServiceWorkers": "[undercroft] service_workers",
    "DataRoot": "[undercroft] data_root",
    "LogDir": "[undercroft] log_dir",
    "OpenStackRelease": "[undercroft] release: the OpenStack release the images carry",
}


def applying(uc: UndercloudConf, parameters: Mapping[str, Any]) -> list[Difference]:
    """The differences that apply to this file's parameters."""
    return [d for d in DIFFERENCES if d.applies(uc, parameters)]


def marks(uc: UndercloudConf, parameters: Mapping[str, Any]) -> dict[str, str]:
    """Parameter -> what config show adds to its source: each applying difference's
    change (a parameter Undercroft does not emit has no row to mark)."""
    notes: dict[str, list[str]] = {}
    for d in applying(uc, parameters):
        if d.to_tripleoclient is not None:
            notes.setdefault(d.parameter, []).append(d.change)
    return {p: "deliberate difference from tripleoclient: " + "; ".join(changes)
            + " (see docs/undercloud-conf.md)" for p, changes in notes.items()}
