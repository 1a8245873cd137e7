"""The operator's credentials: ``stackrc`` and the ``undercloud`` entry of clouds.yaml (0600)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml

from undercroft.fileio import write_atomic
from undercroft.render import quoting

CLOUD_NAME = "undercloud"


CA_FILE = "undercloud-ca.pem"


def auth_url(values: Mapping) -> str:
    """The public identity endpoint (https on the public VIP with TLS), as stackrc had it."""
    return str(values.get("KeystonePublicUrl") or f"http://{values['LocalIp']}:5000")


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text, 0o600)


def clouds_yaml_path(output_dir: Path) -> Path:
    return output_dir / ".config" / "openstack" / "clouds.yaml"


def write(output_dir: Path, values: Mapping, ca_pem: str = "") -> list[Path]:
    """stackrc and clouds.yaml; with a generated CA also its certificate for clients (0644)."""
    region = values.get("KeystoneRegion", "regionOne")
    stackrc = output_dir / "stackrc"
    cacert = output_dir / CA_FILE
    if ca_pem:
        output_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(cacert, ca_pem, 0o644)
    ca_lines = [f"export OS_CACERT={quoting.shell(str(cacert))}"] if ca_pem else []
    _write_private(stackrc, "\n".join([
        "# Undercloud admin credentials, written by undercroft. Source it: . stackrc",
        "for key in $( set | awk -F= '/^OS_/ {print $1}' ); do unset \"$key\" ; done",
        "export OS_AUTH_TYPE=password",
        f"export OS_AUTH_URL={quoting.shell(auth_url(values))}",
        "export OS_USERNAME=admin",
        f"export OS_PASSWORD={quoting.shell(values['AdminPassword'])}",
        "export OS_PROJECT_NAME=admin",
        "export OS_USER_DOMAIN_NAME=Default",
        "export OS_PROJECT_DOMAIN_NAME=Default",
        "export OS_IDENTITY_API_VERSION=3",
        f"export OS_REGION_NAME={quoting.shell(region)}",
        *ca_lines,
        "export OS_CLOUDNAME=undercloud",
        "export PS1=${PS1:-}'(undercloud) '", ""]))
    clouds = clouds_yaml_path(output_dir)
    data: dict[str, Any] = {}
    if clouds.exists():
        data = yaml.safe_load(clouds.read_text()) or {}
    data.setdefault("clouds", {})[CLOUD_NAME] = {
        "auth": {"auth_url": auth_url(values), "username": "admin",
                 "password": values["AdminPassword"], "project_name": "admin",
                 "user_domain_name": "Default", "project_domain_name": "Default"},
        "region_name": region,
        "identity_api_version": "3",
    }
    if ca_pem:
        data["clouds"][CLOUD_NAME]["cacert"] = str(cacert)
    else:
        data["clouds"][CLOUD_NAME].pop("cacert", None)
    _write_private(clouds, yaml.safe_dump(data, default_flow_style=False))
    return [stackrc, clouds]
