"""``baremetal.Cloud`` over openstacksdk, as the deployment's ``undercloud`` cloud.

The connection comes from the clouds.yaml install writes (``credentials.py``:
``<output_dir>/.config/openstack/clouds.yaml``, cloud ``undercloud``); without that file,
openstacksdk's own search (``OS_CLIENT_CONFIG_FILE``, ~/.config/openstack, /etc/openstack)
and the ``OS_*`` variables of a sourced stackrc. With the services in a network
namespace the APIs are reached from inside it (``ip netns exec undercloud ...``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from undercroft.errors import ConfigError, DeployError
from undercroft.lifecycle import credentials
from undercroft.lifecycle.baremetal import BareNode, Image
from undercroft.redact import redact

INTERFACES = tuple(f"{k}_interface" for k in (
    "boot", "console", "deploy", "inspect", "management", "network", "power", "raid", "rescue",
    "storage", "vendor"))


def connect(output_dir: Path, cloud: str = credentials.CLOUD_NAME) -> "SdkCloud":
    import openstack
    from openstack import config as os_config

    path = credentials.clouds_yaml_path(output_dir)
    try:
        if path.is_file():
            region = os_config.OpenStackConfig(config_files=[str(path)]).get_one(cloud=cloud)
            conn = openstack.connection.Connection(config=region)
        else:
            conn = openstack.connect(cloud=cloud)
    except Exception as err:  # openstacksdk's config errors: no such cloud, bad file
        raise ConfigError(f"cannot use cloud {cloud!r} ({path if path.is_file() else 'clouds.yaml'}):"
                          f" {str(err).splitlines()[0]}",
                          hint="install writes it; or source stackrc") from None
    return SdkCloud(conn)


def _node(n: Any) -> BareNode:
    return BareNode(
        uuid=n.id, name=n.name, driver=n.driver or "", driver_info=dict(n.driver_info or {}),
        properties=dict(n.properties or {}), extra=dict(n.extra or {}),
        resource_class=n.resource_class, provision_state=n.provision_state,
        target_provision_state=n.target_provision_state, power_state=n.power_state,
        maintenance=bool(n.is_maintenance), last_error=n.last_error,
        other={k: getattr(n, k, None) for k in ("conductor_group", *INTERFACES)})


class SdkCloud:
    """The calls ``lifecycle/baremetal.py`` makes, through an openstack.connection."""

    def __init__(self, conn: Any):
        self.conn = conn

    def nodes(self) -> list[BareNode]:
        return [_node(n) for n in self.conn.baremetal.nodes(details=True)]

    def node(self, uuid: str) -> BareNode:
        return _node(self.conn.baremetal.get_node(uuid))

    def port_addresses(self) -> dict[str, str]:
        return {p.address.lower(): p.node_id for p in self.conn.baremetal.ports(details=True)}

    def create_node(self, fields: dict[str, Any]) -> BareNode:
        attrs = dict(fields)
        if "uuid" in attrs:
            attrs["id"] = attrs.pop("uuid")
        return _node(self.conn.baremetal.create_node(provision_state="enroll", **attrs))

    def patch_node(self, uuid: str, patch: list[dict[str, Any]]) -> None:
        self.conn.baremetal.patch_node(uuid, patch)

    def create_port(self, node_uuid: str, port: dict[str, Any]) -> None:
        attrs = {k: v for k, v in port.items() if v is not None}
        self.conn.baremetal.create_port(node_id=node_uuid, **attrs)

    def set_provision_state(self, uuid: str, verb: str,
                            clean_steps: Sequence[dict[str, Any]] | None = None) -> None:
        self.conn.baremetal.set_node_provision_state(
            uuid, verb, clean_steps=list(clean_steps) if clean_steps else None)

    def power_off(self, uuid: str) -> None:
        self.conn.baremetal.set_node_power_state(uuid, "power off")

    def images(self) -> list[Image]:
        return [Image(i.id, i.name, i.checksum, str(i.created_at or ""))
                for i in self.conn.image.images()]

    def upload_image(self, name: str, path: Path, disk_format: str,
                     properties: dict[str, str]) -> Image:
        i = self.conn.image.create_image(
            name, filename=str(path), disk_format=disk_format, container_format="bare",
            visibility="public", allow_duplicates=True, validate_checksum=False, wait=True,
            **properties)
        return Image(i.id, i.name, i.checksum, str(i.created_at or ""))

    def rename_image(self, image_id: str, name: str) -> None:
        self.conn.image.update_image(image_id, name=name)


class api_errors:
    """An API or connection error (openstacksdk, keystoneauth) as one operator message."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, err: Any, tb: Any) -> None:
        if err is None:
            return
        from keystoneauth1 import exceptions as ks
        from openstack import exceptions as sdk

        if isinstance(err, (sdk.SDKException, ks.ClientException)):
            raise DeployError(f"the undercloud's API refused or failed: "
                              f"{redact(str(err).splitlines()[0] if str(err) else type(err).__name__)}",
                              hint="is the undercloud running (undercroft status)? With the "
                                   "services in a network namespace, run this inside it "
                                   "(ip netns exec undercloud ...)") from None
