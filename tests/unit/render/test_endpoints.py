"""The endpoint map: what the catalog says, what haproxy binds, what services use."""
from __future__ import annotations

import pytest

from undercroft.errors import ConfigError
from undercroft.model.schema import CatalogEntry, KeystoneRegistration, ServiceTemplate
from undercroft.render.endpoints import EndpointMap

VALUES = {"LocalIp": "192.168.24.1", "CloudName": "192.168.24.2", "AdminHost": "192.168.24.3",
          "PublicTLSMode": "certmonger"}
GLANCE = CatalogEntry(name="glance", type="image", port=9292)
SWIFT = CatalogEntry(name="swift", type="object-store", port=8080, public_tls_port=13808,
                     path="/v1/AUTH_%(tenant_id)s")
WS = CatalogEntry(name="zaqar-websocket", type="messaging-websocket", port=9000,
                  public_tls_port=9000, scheme="ws")


def svc(name: str, *entries: CatalogEntry) -> ServiceTemplate:
    return ServiceTemplate(name=name, image=name, steps={},
                           keystone=KeystoneRegistration(services=list(entries)))


HAPROXY = svc("haproxy")


def test_with_haproxy_and_tls_public_is_https_on_13xxx_and_internal_on_the_admin_vip():
    em = EndpointMap.build(VALUES, [HAPROXY])
    assert em.urls(GLANCE) == {"public": "https://192.168.24.2:13292",
                               "internal": "http://192.168.24.3:9292",
                               "admin": "http://192.168.24.3:9292"}
    assert em.urls(SWIFT)["public"] == "https://192.168.24.2:13808/v1/AUTH_%(tenant_id)s"
    assert em.urls(WS)["public"] == "wss://192.168.24.2:9000"
    assert em.urls(WS)["internal"] == "ws://192.168.24.3:9000"


def test_without_haproxy_every_endpoint_is_local_ip_plain_http():
    em = EndpointMap.build(VALUES, [])
    assert set(em.urls(GLANCE).values()) == {"http://192.168.24.1:9292"}
    ctx = em.context([])
    assert ctx["KeystonePublicUrl"] == "http://192.168.24.1:5000"
    assert ctx["KeystoneAdminUrl"] == "http://192.168.24.1:35357"
    assert ctx["HaproxyListeners"] == [] and ctx["VirtualIps"] == []


def test_haproxy_without_tls_keeps_the_service_ports_on_the_public_vip():
    em = EndpointMap.build(dict(VALUES, PublicTLSMode="off"), [HAPROXY])
    assert em.urls(GLANCE)["public"] == "http://192.168.24.2:9292"


def test_a_dns_cloud_name_goes_in_urls_and_the_fixed_ip_is_bound():
    values = dict(VALUES, CloudName="uc.example.com",
                  PublicVirtualFixedIPs=[{"ip_address": "192.168.24.9"}])
    em = EndpointMap.build(values, [HAPROXY])
    assert em.urls(GLANCE)["public"] == "https://uc.example.com:13292"
    [listener] = em.listeners([svc("glance", GLANCE)])
    assert listener["binds"] == [{"address": "192.168.24.3", "port": 9292, "tls": False},
                                 {"address": "192.168.24.9", "port": 13292, "tls": True}]
    assert listener["backend"] == "192.168.24.1:9292"


def test_listeners_cover_every_catalog_port_and_keystone_admin():
    keystone = CatalogEntry(name="keystone", type="identity", port=5000, admin_port=35357)
    services = [HAPROXY, svc("keystone", keystone), svc("glance", GLANCE)]
    ctx = EndpointMap.build(VALUES, services).context(services)
    names = [(l["name"], [b["port"] for b in l["binds"]]) for l in ctx["HaproxyListeners"]]
    assert names == [("keystone", [5000, 13000]), ("keystone_admin", [35357]),
                     ("glance", [9292, 13292])]
    assert ctx["VirtualIps"] == ["192.168.24.2", "192.168.24.3"]
    assert ctx["KeystoneInternalUrl"] == "http://192.168.24.3:5000"
    assert ctx["PublicTLS"] is True


def test_ipv6_addresses_are_bracketed_in_urls():
    values = {"LocalIp": "fd00:1::1", "CloudName": "fd00:1::2", "AdminHost": "fd00:1::3",
              "PublicTLSMode": "certmonger"}
    em = EndpointMap.build(values, [HAPROXY])
    assert em.urls(GLANCE)["public"] == "https://[fd00:1::2]:13292"


def test_two_listeners_on_one_address_and_port_are_refused():
    # 9000 % 1000 + 13000 would collide with keystone's public 13000 without public_tls_port
    keystone = CatalogEntry(name="keystone", type="identity", port=5000)
    ws = CatalogEntry(name="zaqar-websocket", type="messaging-websocket", port=9000)
    services = [HAPROXY, svc("keystone", keystone), svc("zaqar", ws)]
    with pytest.raises(ConfigError, match="zaqar-websocket and keystone both need "
                                          "192.168.24.2:13000"):
        EndpointMap.build(VALUES, services).listeners(services)
