"""Reads the items an upgrade must keep, in one openstacksdk session.

Run inside the deployment's namespace (``ip netns exec NS python cloud_items.py``) with
OS_CLIENT_CONFIG_FILE pointing at the undercloud's clouds.yaml. Prints one JSON object.
One process instead of one ``openstack`` CLI call per item: the upgrade job checks the
items after every move, and each CLI start costs seconds.
"""
from __future__ import annotations

import json
import sys

import openstack


def items(cloud, container: str, obj: str, image: str, node: str, stack: str) -> dict:
    found_image = cloud.image.find_image(image)
    found_node = cloud.baremetal.find_node(node)
    found_stack = cloud.orchestration.find_stack(stack)
    return {
        "users": sorted(u.name for u in cloud.identity.users()),
        "image_checksum": found_image.checksum if found_image else None,
        "node": {"uuid": found_node.id, "provision_state": found_node.provision_state}
        if found_node else None,
        "ports": sorted(p.address for p in cloud.baremetal.ports(node_uuid=found_node.id))
        if found_node else [],
        "object": cloud.object_store.download_object(obj, container=container).decode(),
        "stack_status": found_stack.status if found_stack else None,
        "networks": sorted(n.name for n in cloud.network.networks()),
    }


def main(argv: list[str]) -> int:
    container, obj, image, node, stack = argv
    cloud = openstack.connect(cloud="undercloud")
    print(json.dumps(items(cloud, container, obj, image, node, stack)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
