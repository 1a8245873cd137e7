"""The operator's credentials: ``stackrc`` and the ``undercloud`` entry of clouds.yaml (0600)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import yaml

CLOUD_NAME = "undercloud"


def auth_url(values: Mapping) -> str:
    return f"http://{values['LocalIp']}:5000"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def clouds_yaml_path(output_dir: Path) -> Path:
    return output_dir / ".config" / "openstack" / "clouds.yaml"


def write(output_dir: Path, values: Mapping) -> list[Path]:
    region = values.get("KeystoneRegion", "regionOne")
    stackrc = output_dir / "stackrc"
    _write_private(stackrc, "\n".join([
        "# Undercloud admin credentials, written by undercroft. Source it: . stackrc",
        "for key in $( set | awk -F= '/^OS_/ {print $1}' ); do unset \"$key\" ; done",
        "export OS_AUTH_TYPE=password",
        f"export OS_AUTH_URL={auth_url(values)}",
        "export OS_USERNAME=admin",
        f"export OS_PASSWORD='{values['AdminPassword']}'",
        "export OS_PROJECT_NAME=admin",
        "export OS_USER_DOMAIN_NAME=Default",
        "export OS_PROJECT_DOMAIN_NAME=Default",
        "export OS_IDENTITY_API_VERSION=3",
        f"export OS_REGION_NAME={region}",
        "export OS_CLOUDNAME=undercloud",
        "export PS1=${PS1:-}'(undercloud) '", ""]))
    clouds = clouds_yaml_path(output_dir)
    data = {}
    if clouds.exists():
        data = yaml.safe_load(clouds.read_text()) or {}
    data.setdefault("clouds", {})[CLOUD_NAME] = {
        "auth": {"auth_url": auth_url(values), "username": "admin",
                 "password": values["AdminPassword"], "project_name": "admin",
                 "user_domain_name": "Default", "project_domain_name": "Default"},
        "region_name": region,
        "identity_api_version": "3",
    }
    _write_private(clouds, yaml.safe_dump(data, default_flow_style=False))
    return [stackrc, clouds]
