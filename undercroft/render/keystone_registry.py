"""Every enabled service's ``keystone:`` block becomes one registration one-shot.

It runs after keystone is healthy (end of step 3, keystone's chain) in one Python process,
so registering ten services costs one start-up, not sixty CLI calls. Its input lists the
whole catalog, so disabling a service changes its hash and the re-run prunes the
service's endpoints and user.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from undercroft.errors import ConfigError
from undercroft.model.schema import ContainerTemplate, ServiceTemplate
from undercroft.render.endpoints import EndpointMap
from undercroft.render.rendered import Generated, RenderedFile

REGISTRY = "/etc/undercroft/keystone-registry.json"


def registry(services: list[ServiceTemplate], values: Mapping[str, Any], secret_names: set[str],
             endpoints: EndpointMap) -> dict:
    users, entries, roles = [], [], set()
    for svc in services:
        reg = svc.keystone
        if reg is None:
            continue
        where = f"services/{svc.name}.yaml: keystone"
        roles.update(reg.create_roles)
        if reg.user:
            if reg.password not in secret_names:
                raise ConfigError(f"{where}: password '{reg.password}' is not a secret parameter")
            users.append({"name": reg.user, "password": values[reg.password], "roles": reg.roles})
            roles.update(reg.roles)
        for e in reg.services:
            entries.append({"name": e.name, "type": e.type, "description": e.description,
                            "endpoints": endpoints.urls(e)})
    return {"auth_url": f"{values['KeystoneInternalUrl']}/v3", "region": values["KeystoneRegion"],
            "admin_password": values["AdminPassword"], "projects": ["service"],
            "roles": sorted(roles), "users": users, "services": entries}


def registration_container(services: list[ServiceTemplate], values: Mapping[str, Any],
                           secret_names: set[str], endpoints: EndpointMap) -> Generated | None:
    """keystone's ``keystone_register``, last (order 99) in its step-3 chain; None without
    keystone or without any ``keystone:`` block."""
    keystone = next((s for s in services if s.name == "keystone"), None)
    if keystone is None or not any(s.keystone for s in services):
        return None
    content = json.dumps(registry(services, values, secret_names, endpoints), indent=2,
                         sort_keys=True) + "\n"
    files = (RenderedFile(REGISTRY, content, "root", "0600"),)
    tpl = ContainerTemplate(name="keystone_register", oneshot=True,
                            command=f"undercroft-keystone-register {REGISTRY}")
    return Generated(keystone, 3, 99, tpl, files, "keystone")
