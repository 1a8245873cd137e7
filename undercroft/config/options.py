"""The undercloud.conf options, with the names, types and defaults operators know.

Names and defaults follow python-tripleoclient's containerized undercloud (see
docs/undercloud-conf.md). The ``[undercroft]`` group holds settings that only exist here
(network placement, host paths).
"""
import os

from oslo_config import cfg

DEFAULT_OPTS = [
    cfg.StrOpt("output_dir", default=os.path.expanduser("~"), sample_default="$HOME",
               help="Directory for state files: passwords, stackrc, clouds.yaml."),
    cfg.StrOpt("local_ip", default="192.168.24.1/24",
               help="IP address/prefix of the undercloud on the provisioning network "
                    "(br-ctlplane). Must be in CIDR notation."),
    cfg.StrOpt("local_interface", default="eth1",
               help="Network interface on the undercloud used for PXE/DHCP."),
    cfg.StrOpt("undercloud_hostname", default=None,
               help="Fully qualified hostname of the undercloud; unset keeps the current one."),
    cfg.StrOpt("undercloud_public_host", default="192.168.24.2",
               deprecated_name="undercloud_public_vip",
               help="Virtual IP or DNS name for public endpoints (VIP only with TLS)."),
    cfg.StrOpt("undercloud_admin_host", default="192.168.24.3",
               deprecated_name="undercloud_admin_vip",
               help="Virtual IP or DNS name for admin endpoints (VIP only with TLS)."),
    cfg.BoolOpt("undercloud_debug", default=True,
                help="Enable debug logging for undercloud services."),
    cfg.StrOpt("roles_file", default=None,
               help="Roles file (a path, or the name of a bundled role); unset deploys the "
                    "Undercloud role."),
    cfg.ListOpt("custom_env_files", default=[],
                help="Additional environment files applied after everything else."),
]

UNDERCROFT_OPTS = [
    cfg.StrOpt("network_namespace", default="",
               help="Run every container in this network namespace (created by host prep "
                    "with a br-ctlplane bridge holding local_ip) instead of the host network. "
                    "Used by the quick start and all tests."),
    cfg.StrOpt("deployment_name", default="undercloud",
               help="Name used in container labels; a non-default name also prefixes container "
                    "names so several deployments can share one podman storage."),
    cfg.StrOpt("data_root", default="/var/lib",
               help="Parent of the service data directories (mysql, rabbitmq, ...), the "
                    "distribution's layout by default so upgrades keep data in place."),
    cfg.StrOpt("state_dir", default="/var/lib/undercroft",
               help="Rendered configuration, event logs and build scratch space."),
    cfg.StrOpt("log_dir", default="/var/log/undercroft",
               help="Service and container logs on the host."),
    cfg.StrOpt("debian_mirror", default="http://deb.debian.org/debian",
               help="Debian mirror used to build the base image and inside image builds."),
    cfg.IntOpt("service_workers", default=0, min=0,
               help="Worker processes per API service; 0 sizes to the machine "
                    "(min(2, CPUs))."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(DEFAULT_OPTS)
    conf.register_opts(UNDERCROFT_OPTS, group="undercroft")


def known_options() -> dict[str, set[str]]:
    """Section -> option names (including deprecated names) that a file may set."""
    names = {"DEFAULT": set(), "undercroft": set()}
    for group, opts in (("DEFAULT", DEFAULT_OPTS), ("undercroft", UNDERCROFT_OPTS)):
        for opt in opts:
            names[group].add(opt.dest)
            for d in opt.deprecated_opts:
                if d.name:
                    names[group].add(d.name.replace("-", "_"))
    return names
