"""The undercloud.conf options, with the names, types and defaults operators know.

Names, oslo.config types and defaults follow python-tripleoclient's containerized
undercloud (Rocky baseline; the options Stein added are accepted too), including the
per-subnet sections (one ``[<name>]`` per entry of ``subnets``). Options of the older
instack-undercloud are accepted as deprecated names or with a warning. The
``[undercroft]`` group holds settings that only exist here (placement, host paths).

``MEANINGS`` says, for every option, what it becomes here, or why it has no effect
and what to use instead. The loader turns the latter into warnings, and
``undercroft config docs`` turns all of it into docs/undercloud-conf.md.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from oslo_config import cfg, types

from undercroft.config import releases

LOCAL_SUBNET_DEFAULT = "ctlplane-subnet"


@dataclass(frozen=True)
class Meaning:
    """What an option does in Undercroft (for warnings and the generated docs).

    becomes: the parameters or settings it feeds (docs only).
    ignored: set only when the option has no effect here: why, and what to use instead.
             Setting such an option to a non-default value gives this as a warning.
    planned: setting it has no effect until a planned feature lands: a sentence naming
             it; a non-default value gives this as a warning.
    since:   "stein" for options Stein added, "instack" for instack-undercloud options.
    """

    becomes: str = ""
    ignored: str = ""
    planned: str = ""
    since: str = ""


def _str(name, default=None, help="", **kw):
    return cfg.StrOpt(name, default=default, help=help, **kw)


def _bool(name, default, help="", **kw):
    return cfg.BoolOpt(name, default=default, help=help, **kw)


def _list(name, default, help="", **kw):
    return cfg.ListOpt(name, default=default, help=help, **kw)


# --- [DEFAULT] (python-tripleoclient config/base.py, standalone.py, undercloud.py) ------------
DEFAULT_OPTS = [
    _str("output_dir", default=os.path.expanduser("~"), sample_default="$HOME",
         help="Directory for state files: passwords, stackrc, clouds.yaml."),
    _bool("cleanup", True, help="Remove temporary files used during deployment after the "
                                "command runs."),
    _str("deployment_user", help="User running the install (unset: the invoking user)."),
    _str("hieradata_override", default="",
         help="A heat environment file (parameter_defaults) applied before custom_env_files; "
              "relative paths are under $HOME."),
    _str("net_config_override", default="",
         help="os-net-config JSON template for the undercloud's network."),
    _str("templates", default="", help="tripleo-heat-templates directory to deploy from."),
    _str("roles_file", help="Roles file (a path, or the name of a bundled role); unset deploys "
                            "the Undercloud role."),
    _bool("heat_native", True, help="Run the ephemeral heat-all process on the host."),
    _str("heat_container_image", default="",
         help="Container image for heat when heat_native is false."),
    _str("container_images_file", default="",
         help="Heat environment with container image parameters (ContainerImagePrepare)."),
    _list("custom_env_files", [],
          help="Additional environment files applied after everything else."),
    _str("docker_registry_mirror", default="", help="Container registry mirror."),
    _list("docker_insecure_registries", [], help="Additional insecure container registries."),
    # service toggles
    _bool("enable_cinder", False, help="Deploy the Block Storage service (cinder)."),
    _bool("enable_ironic", True, help="Deploy the bare-metal service (ironic)."),
    _bool("enable_ironic_inspector", True,
          help="Deploy ironic-inspector (only when enable_ironic is true)."),
    _bool("enable_mistral", True, help="Deploy the workflow service (mistral)."),
    _bool("enable_novajoin", False,
          help="Deploy the novajoin metadata service (FreeIPA enrolment); needs ipa_otp."),
    _bool("enable_tempest", True, help="Install tempest."),
    _bool("enable_telemetry", False,
          help="Deploy telemetry (ceilometer, gnocchi, aodh, panko)."),
    _bool("enable_ui", True, help="Deploy the TripleO UI."),
    _bool("enable_validations", True,
          help="Deploy the validations service and run the preflight checks before install."),
    _bool("enable_zaqar", True, help="Deploy the messaging service (zaqar)."),
    # config/undercloud.py
    _str("undercloud_log_file", default="install-undercloud.log",
         help="Log file for undercloud install and upgrade."),
    _str("undercloud_hostname",
         help="Fully qualified hostname of the undercloud; unset keeps the current one."),
    _str("local_ip", default="192.168.24.1/24",
         help="IP address/prefix of the undercloud on the provisioning network "
              "(br-ctlplane). Must be in CIDR notation."),
    _str("undercloud_public_host", default="192.168.24.2",
         deprecated_name="undercloud_public_vip",
         help="Virtual IP or DNS name for public endpoints (VIP only with TLS)."),
    _str("undercloud_admin_host", default="192.168.24.3",
         deprecated_name="undercloud_admin_vip",
         help="Virtual IP or DNS name for admin endpoints (VIP only with TLS)."),
    _list("undercloud_nameservers", [], help="DNS nameserver IP addresses."),
    _list("undercloud_ntp_servers", ["pool.ntp.org"], help="NTP servers."),
    _str("overcloud_domain_name", default="localdomain",
         help="DNS domain of the overcloud nodes (must match the overcloud's CloudDomain)."),
    _list("subnets", [LOCAL_SUBNET_DEFAULT],
          help="Names of the provisioning subnets; each needs its own [<name>] section "
               "(the local subnet may rely on the defaults)."),
    _str("local_subnet", default=LOCAL_SUBNET_DEFAULT,
         help="Name of the subnet local_ip lives in."),
    _str("undercloud_service_certificate", default="",
         help="PEM file (certificate + unencrypted key) for public TLS; setting it enables TLS."),
    _bool("generate_service_certificate", True,
          help="Generate the public TLS certificate with certmonger when "
               "undercloud_service_certificate is empty."),
    _str("certificate_generation_ca", default="local",
         help="certmonger CA nickname used to generate the certificate."),
    _str("service_principal", default="",
         help="Kerberos principal for the certificate (FreeIPA CAs)."),
    _str("local_interface", default="eth1",
         help="Network interface on the undercloud used for PXE/DHCP."),
    cfg.IntOpt("local_mtu", default=1500, help="MTU of local_interface and the provisioning "
                                               "subnets (1000 to 65536)."),
    _str("docker_bip", default="--bip=172.31.0.1/24", help="Docker bridge IP option."),
    _str("inspection_interface", default="br-ctlplane",
         deprecated_name="discovery_interface",
         help="Interface the inspection DHCP server listens on."),
    _bool("inspection_extras", True, help="Collect extra hardware data during inspection."),
    _bool("inspection_runbench", False, deprecated_name="discovery_runbench",
          help="Run benchmarks during inspection (needs inspection_extras)."),
    _bool("enable_node_discovery", False,
          help="Enroll unknown nodes that PXE boot the introspection ramdisk."),
    _str("discovery_default_driver", default="ipmi",
         help="Hardware type of discovered nodes (added to enabled_hardware_types)."),
    _bool("undercloud_debug", True, help="Enable debug logging for undercloud services."),
    _bool("undercloud_enable_selinux", True, help="SELinux enforcing (true) or permissive."),
    _bool("undercloud_update_packages", False, help="Update packages during install."),
    _str("ipa_otp", default="", secret=True,
         help="One-time password to enroll the undercloud in FreeIPA (with enable_novajoin)."),
    _bool("ipxe_enabled", True, deprecated_name="ipxe_deploy",
          help="Use iPXE for deploy and inspection."),
    cfg.IntOpt("scheduler_max_attempts", default=30, min=1,
               help="Maximum nova scheduler attempts; keep it >= the number of nodes "
                    "deployed at once."),
    _bool("clean_nodes", False,
          help="Clean nodes (wipe disks) between deployments and after introspection."),
    _bool("upgrade_cleanup", False, help="Remove undercloud packages after an upgrade."),
    _list("enabled_hardware_types", ["ipmi", "redfish", "ilo", "idrac"],
          help="Ironic hardware types to enable."),
    _bool("enable_routed_networks", False,
          help="Support routed (spine/leaf) provisioning networks; required with more "
               "than one subnet."),
    _bool("enable_swift_encryption", False,
          help="Encrypt swift objects at rest (deploys barbican with simple-crypto)."),
    _list("additional_architectures", [],
          help="Extra CPU architectures to support (only ppc64le)."),
    # added in Stein
    _str("undercloud_timezone", help="Host timezone; unset keeps the current one."),
    _bool("container_healthcheck_disabled", False, help="Disable container healthchecks."),
    _str("networks_file", help="Networks file for heat."),
    _str("container_registry_mirror", default="", help="Container registry mirror."),
    _list("container_insecure_registries", [],
          help="Additional insecure container registries."),
    _str("container_cli", default="podman", choices=("docker", "podman"),
         help="Container CLI: docker or podman."),
]

# --- options of instack-undercloud that tripleoclient no longer registers ---------------------
# Registered without defaults so the loader can tell whether a file sets them.
INSTACK_OPTS = [
    _str("masquerade_network",
         help="instack-undercloud: network to masquerade (NAT) for external access."),
    _bool("inspection_enable_uefi", None,
          help="instack-undercloud: support inspection of UEFI-only nodes."),
    _bool("enable_container_images_build", None,
          help="instack-undercloud: build container images on the undercloud."),
    _list("enabled_drivers", None, help="instack-undercloud: classic ironic drivers."),
    _str("image_path", help="instack-undercloud: directory of the overcloud images."),
    _bool("enable_legacy_ceilometer_api", None,
          help="instack-undercloud: deploy the legacy ceilometer API."),
]

# instack-undercloud's [auth] section: passwords, tokens and hashes.
AUTH_OPTION_NAMES = [
    "undercloud_db_password", "undercloud_admin_token", "undercloud_admin_password",
    "undercloud_glance_password", "undercloud_heat_encryption_key", "undercloud_heat_password",
    "undercloud_heat_cfn_password", "undercloud_neutron_password", "undercloud_nova_password",
    "undercloud_ironic_password", "undercloud_aodh_password", "undercloud_gnocchi_password",
    "undercloud_ceilometer_password", "undercloud_panko_password",
    "undercloud_ceilometer_metering_secret", "undercloud_ceilometer_snmpd_user",
    "undercloud_ceilometer_snmpd_password", "undercloud_swift_password",
    "undercloud_mistral_password", "undercloud_rabbit_cookie", "undercloud_rabbit_password",
    "undercloud_rabbit_username", "undercloud_heat_stack_domain_admin_password",
    "undercloud_swift_hash_suffix", "undercloud_haproxy_stats_password",
    "undercloud_zaqar_password", "undercloud_horizon_secret_key", "undercloud_cinder_password",
    "undercloud_novajoin_password",
]
AUTH_OPTS = [_str(n, secret=True, help="instack-undercloud password or key.")
             for n in AUTH_OPTION_NAMES]

# --- per-subnet options ([ctlplane-subnet] and every other name in `subnets`) ----------------
# old [DEFAULT] name -> subnet option; read for the local subnet only (see subnet_opts).
SUBNET_DEPRECATED_DEFAULT = {
    "network_cidr": "cidr",
    "dhcp_start": "dhcp_start",
    "dhcp_end": "dhcp_end",
    "inspection_iprange": "inspection_iprange",
    "discovery_iprange": "inspection_iprange",  # instack-undercloud's older name
    "network_gateway": "gateway",
}

_SUBNET_DEFAULTS = [
    ("cidr", "192.168.24.0/24", "Network CIDR of this subnet (the overcloud nodes' "
                                "provisioning network)."),
    ("dhcp_start", "192.168.24.5", "Start of the DHCP/allocation range."),
    ("dhcp_end", "192.168.24.24", "End of the DHCP/allocation range."),
    ("inspection_iprange", "192.168.24.100,192.168.24.120",
     "\"start,end\" range handed out during inspection; must not overlap the DHCP range."),
    ("gateway", "192.168.24.1", "Gateway (router) of this subnet for the overcloud nodes."),
]


def subnet_opts(local: bool) -> list[cfg.Opt]:
    """The options of one subnet section.

    Every subnet gets the same defaults (as in Rocky). The instack-era [DEFAULT] names
    (network_cidr, dhcp_start, ...) are read only for the local subnet (as in Stein):
    applying them to every subnet, as Rocky did, would give leaf subnets the local
    subnet's addresses.
    """
    opts: list[cfg.Opt] = []
    for name, default, help_ in _SUBNET_DEFAULTS:
        old = [cfg.DeprecatedOpt(o, group="DEFAULT")
               for o, new in SUBNET_DEPRECATED_DEFAULT.items() if new == name] if local else []
        opts.append(cfg.StrOpt(name, default=default, help=help_, deprecated_opts=old))
    opts += [
        _bool("masquerade", False, help="NAT (masquerade) this subnet for external access."),
        _list("dhcp_exclude", [], help="Addresses or a-b ranges removed from the allocation "
                                       "pool, e.g. 192.168.24.50,192.168.24.80-192.168.24.90."),
        cfg.ListOpt("host_routes", item_type=types.Dict(bounds=True), bounds=True, default=[],
                    help="Host routes of the subnet, e.g. [{destination: 10.10.10.0/24, "
                         "nexthop: 192.168.24.1}]."),
    ]
    return opts


SUBNET_OPTION_NAMES = [o.dest for o in subnet_opts(local=False)]

# --- [undercroft]: settings that exist only here -----------------------------------------------
UNDERCROFT_OPTS = [
    cfg.StrOpt("network_namespace", default="",
               help="Run every container in this network namespace (created by host prep "
                    "with a br-ctlplane bridge holding local_ip) instead of the host network. "
                    "Used by the quick start and all tests."),
    cfg.BoolOpt("baremetal", default=False,
                help="Run the services as host processes from Debian packages (supervised by "
                     "supervisor, or systemd where it is PID 1) instead of podman containers; "
                     "same templates, same configuration files. 'install --baremetal' sets it."),
    cfg.StrOpt("role", default="",
               help="The role this host runs when roles_file lists several roles (a "
                    "multi-host deploy sets it per host); empty: the file's only role."),
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
    cfg.StrOpt("release", default=releases.DEFAULT, choices=list(releases.NAMES.items()),
               help="The OpenStack release to deploy: the Debian suite the images are built "
                    "from. Unset, an installed undercloud keeps the release it runs (a new "
                    "default is never an upgrade). A baremetal undercloud runs its host's own "
                    "release (unset: the host's; set: it must be the host's)."),
    cfg.StrOpt("debian_mirror", default="http://deb.debian.org/debian",
               help="Debian mirror used to build the base image and inside image builds."),
    cfg.IntOpt("service_workers", default=0, min=0,
               help="Worker processes per API service; 0 sizes to the machine "
                    "(half the CPUs, 1 to 4: the undercloud runs ~16 services on those "
                    "CPUs, and every worker costs 50-120 MiB)."),
    cfg.IntOpt("min_memory_mb", default=7680, min=0,
               help="Preflight: memory (RAM + swap, MB) the host needs; tripleoclient's "
                    "threshold. Lower it only for development machines."),
    cfg.IntOpt("min_disk_gb", default=25, min=0,
               help="Preflight: free space (GB) needed on the root filesystem; the other "
                    "checked filesystems need min(this, their own threshold). Lower it only "
                    "for development machines."),
]

# --- what each option means here ----------------------------------------------------------------
_NO_REGISTRY = ("there is no container registry: images are built locally from Debian "
                "packages; set [undercroft] debian_mirror to choose the package source")
_NO_HEAT = "there is no heat stack: Undercroft renders its own service templates"

MEANINGS: dict[tuple[str, str], Meaning] = {
    ("DEFAULT", "output_dir"): Meaning("passwords file, stackrc, clouds.yaml"),
    ("DEFAULT", "cleanup"): Meaning(ignored="Undercroft leaves no temporary deployment files "
                                    "(rendered configuration is kept in [undercroft] state_dir)"),
    ("DEFAULT", "deployment_user"): Meaning(
        "DeploymentUser", ignored="install runs as root and writes credentials to output_dir"),
    ("DEFAULT", "hieradata_override"): Meaning(
        "an environment file applied before custom_env_files (plain hieradata is ignored: "
        "there is no puppet)"),
    ("DEFAULT", "net_config_override"): Meaning(
        ignored="there is no os-net-config: host prep creates br-ctlplane with local_ip and "
                "enslaves local_interface; configure other interfaces with the "
                "distribution's network tools"),
    ("DEFAULT", "templates"): Meaning(
        ignored="service templates are bundled with Undercroft; customise with "
                "custom_env_files or roles_file"),
    ("DEFAULT", "roles_file"): Meaning("the role: its list of services"),
    ("DEFAULT", "heat_native"): Meaning(ignored=_NO_HEAT),
    ("DEFAULT", "heat_container_image"): Meaning(ignored=_NO_HEAT),
    ("DEFAULT", "container_images_file"): Meaning(
        ignored="images are built locally (undercroft images build), not pulled; set "
                "[undercroft] debian_mirror to choose the package source"),
    ("DEFAULT", "custom_env_files"): Meaning("environment files, applied in order"),
    ("DEFAULT", "docker_registry_mirror"): Meaning("DockerRegistryMirror", ignored=_NO_REGISTRY),
    ("DEFAULT", "docker_insecure_registries"): Meaning("DockerInsecureRegistryAddress",
                                                       ignored=_NO_REGISTRY),
    ("DEFAULT", "enable_cinder"): Meaning("service cinder (disabled when false)"),
    ("DEFAULT", "enable_ironic"): Meaning("services ironic, ironic_inspector (disabled when "
                                          "false)"),
    ("DEFAULT", "enable_ironic_inspector"): Meaning("service ironic_inspector"),
    ("DEFAULT", "enable_mistral"): Meaning("service mistral"),
    ("DEFAULT", "enable_novajoin"): Meaning("service novajoin, NovajoinIpaOtp"),
    ("DEFAULT", "enable_tempest"): Meaning("service tempest"),
    ("DEFAULT", "enable_telemetry"): Meaning("service telemetry"),
    ("DEFAULT", "enable_ui"): Meaning("service ui"),
    ("DEFAULT", "enable_validations"): Meaning(
        "service validations, EnableValidations; false also skips the preflight checks"),
    ("DEFAULT", "enable_zaqar"): Meaning("service zaqar"),
    ("DEFAULT", "undercloud_log_file"): Meaning(
        ignored="install writes its event log to [undercroft] state_dir/events and service "
                "logs to [undercroft] log_dir"),
    ("DEFAULT", "undercloud_hostname"): Meaning(
        "UndercloudHostname (the containers' hostname in namespace placement; the host's "
        "own name is not changed)"),
    ("DEFAULT", "local_ip"): Meaning("LocalIp, ControlPlaneCidr, ControlPlanePrefix, "
                                     "br-ctlplane's address; tripleoclient's "
                                     "LocalContainerRegistry and "
                                     "DockerInsecureRegistryAddress"),
    ("DEFAULT", "undercloud_public_host"): Meaning(
        "CloudName (host of the public URLs); with TLS also PublicVirtualFixedIPs, the public "
        "VIP keepalived holds and haproxy serves https on"),
    ("DEFAULT", "undercloud_admin_host"): Meaning(
        "AdminHost; with TLS also ControlFixedIPs, the admin VIP of the internal and admin "
        "endpoints"),
    ("DEFAULT", "undercloud_nameservers"): Meaning("DnsServers"),
    ("DEFAULT", "undercloud_ntp_servers"): Meaning("NtpServer"),
    ("DEFAULT", "overcloud_domain_name"): Meaning("NeutronDnsDomain"),
    ("DEFAULT", "subnets"): Meaning("UndercloudCtlplaneSubnets, IronicInspectorSubnets, "
                                    "ControlPlaneStaticRoutes, MasqueradeNetworks"),
    ("DEFAULT", "local_subnet"): Meaning("UndercloudCtlplaneLocalSubnet"),
    ("DEFAULT", "undercloud_service_certificate"): Meaning(
        "SSLCertificate, SSLKey, PublicTLSMode = certificate (haproxy serves this PEM on "
        "the public VIP)"),
    ("DEFAULT", "generate_service_certificate"): Meaning(
        "PublicTLSMode = certmonger: a local CA made once in <state_dir>/tls signs haproxy's "
        "certificate; clients get <output_dir>/undercloud-ca.pem"),
    ("DEFAULT", "certificate_generation_ca"): Meaning(
        "CertmongerCA (recorded; Undercroft's own local CA stands in for certmonger's)"),
    ("DEFAULT", "service_principal"): Meaning(
        ignored="tripleoclient never used it either; a FreeIPA CA is not supported"),
    ("DEFAULT", "local_interface"): Meaning("NeutronPublicInterface; enslaved to br-ctlplane "
                                            "in host placement"),
    ("DEFAULT", "local_mtu"): Meaning("UndercloudLocalMtu, IronicInspectorSubnets mtu"),
    ("DEFAULT", "docker_bip"): Meaning("DockerNetworkOptions",
                                       ignored="there is no docker bridge: containers use "
                                               "the host network or the namespace"),
    ("DEFAULT", "inspection_interface"): Meaning("IronicInspectorInterface"),
    ("DEFAULT", "inspection_extras"): Meaning("IronicInspectorCollectors, "
                                              "IronicInspectorKernelArgs"),
    ("DEFAULT", "inspection_runbench"): Meaning("IronicInspectorKernelArgs"),
    ("DEFAULT", "enable_node_discovery"): Meaning("IronicInspectorEnableNodeDiscovery"),
    ("DEFAULT", "discovery_default_driver"): Meaning("IronicInspectorDiscoveryDefaultDriver"),
    ("DEFAULT", "undercloud_debug"): Meaning("Debug, IronicInspectorKernelArgs"),
    ("DEFAULT", "undercloud_enable_selinux"): Meaning(
        "SELinuxMode", ignored="Debian hosts run without SELinux; containers get podman's "
                               "default confinement"),
    ("DEFAULT", "undercloud_update_packages"): Meaning(
        ignored="a no-op for a containerized undercloud (as in tripleoclient); services are "
                "updated by rebuilding their images"),
    ("DEFAULT", "ipa_otp"): Meaning("NovajoinIpaOtp (with enable_novajoin)"),
    ("DEFAULT", "ipxe_enabled"): Meaning("IronicIPXEEnabled, IronicInspectorIPXEEnabled"),
    ("DEFAULT", "scheduler_max_attempts"): Meaning("NovaSchedulerMaxAttempts"),
    ("DEFAULT", "clean_nodes"): Meaning("IronicAutomatedClean"),
    ("DEFAULT", "upgrade_cleanup"): Meaning(
        "UpgradeRemoveUnusedPackages: after 'undercroft upgrade' from a baremetal undercloud, "
        "the host's service packages are removed (as 'upgrade --cleanup'); configuration "
        "and data stay"),
    ("DEFAULT", "enabled_hardware_types"): Meaning(
        "IronicEnabledHardwareTypes and the IronicEnabled*Interfaces lists by "
        "tripleoclient's rules, set or not (the default written out gives the same); "
        "ironic.conf enables them with the deliberate differences listed below. A test "
        "lab's nodes without a BMC need fake-hardware added"),
    ("DEFAULT", "enable_routed_networks"): Meaning("UndercloudEnableRoutedNetworks"),
    ("DEFAULT", "enable_swift_encryption"): Meaning(
        "SwiftEncryptionEnabled, BarbicanSimpleCryptoGlobalDefault"),
    ("DEFAULT", "additional_architectures"): Meaning(
        "AdditionalArchitectures, EnableArchitecture<ARCH>"),
    ("DEFAULT", "undercloud_timezone"): Meaning(
        "TimeZone", ignored="the host's timezone is left alone; set it with timedatectl",
        since="stein"),
    ("DEFAULT", "container_healthcheck_disabled"): Meaning(
        "ContainerHealthcheckDisabled",
        ignored="Undercroft runs each container's healthcheck to order the deployment and "
                "for status; it cannot be turned off", since="stein"),
    ("DEFAULT", "networks_file"): Meaning(
        ignored="the undercloud has only the provisioning network (see subnets)",
        since="stein"),
    ("DEFAULT", "container_registry_mirror"): Meaning(ignored=_NO_REGISTRY, since="stein"),
    ("DEFAULT", "container_insecure_registries"): Meaning(ignored=_NO_REGISTRY, since="stein"),
    ("DEFAULT", "container_cli"): Meaning(ignored="Undercroft always uses podman",
                                          since="stein"),
    # instack-undercloud
    ("DEFAULT", "masquerade_network"): Meaning(
        "masquerade = true in the subnet with this CIDR", since="instack"),
    ("DEFAULT", "inspection_enable_uefi"): Meaning(
        ignored="nodes with UEFI and BIOS firmware are both inspected; there is nothing "
                "to set", since="instack"),
    ("DEFAULT", "enable_container_images_build"): Meaning(
        ignored="images are always built locally", since="instack"),
    ("DEFAULT", "enabled_drivers"): Meaning(
        ignored="classic ironic drivers are gone; list hardware types in "
                "enabled_hardware_types (`undercroft config migrate` converts the list)",
        since="instack"),
    ("DEFAULT", "image_path"): Meaning(
        ignored="overcloud images are uploaded with `openstack overcloud image upload "
                "--image-path`", since="instack"),
    ("DEFAULT", "enable_legacy_ceilometer_api"): Meaning(
        ignored="the ceilometer API was removed; enable_telemetry deploys the telemetry "
                "services", since="instack"),
    # subnets
    ("subnet", "cidr"): Meaning("UndercloudCtlplaneSubnets NetworkCidr, "
                                "IronicInspectorSubnets netmask"),
    ("subnet", "dhcp_start"): Meaning("DhcpRangeStart (AllocationPools with dhcp_exclude); "
                                      "the range may not cover the network or broadcast "
                                      "address, the gateway, local_ip or (with TLS) a VIP"),
    ("subnet", "dhcp_end"): Meaning("DhcpRangeEnd (AllocationPools with dhcp_exclude)"),
    ("subnet", "inspection_iprange"): Meaning("IronicInspectorSubnets ip_range"),
    ("subnet", "gateway"): Meaning("NetworkGateway, IronicInspectorSubnets gateway, "
                                   "ControlPlaneStaticRoutes next_hop"),
    ("subnet", "masquerade"): Meaning("MasqueradeNetworks"),
    ("subnet", "dhcp_exclude"): Meaning("AllocationPools", since="stein"),
    ("subnet", "host_routes"): Meaning("HostRoutes, IronicInspectorSubnets host_routes, "
                                       "ControlPlaneStaticRoutes (local subnet)",
                                       since="stein"),
    # [undercroft]
    ("undercroft", "network_namespace"): Meaning("placement of every container"),
    ("undercroft", "baremetal"): Meaning("the runtime: host processes instead of containers"),
    ("undercroft", "deployment_name"): Meaning("container labels and name prefix"),
    ("undercroft", "data_root"): Meaning("DataRoot"),
    ("undercroft", "state_dir"): Meaning("rendered configuration, event logs"),
    ("undercroft", "log_dir"): Meaning("LogDir"),
    ("undercroft", "release"): Meaning("OpenStackRelease: the Debian suite of the images"),
    ("undercroft", "debian_mirror"): Meaning("image builds"),
    ("undercroft", "service_workers"): Meaning("ServiceWorkers"),
    ("undercroft", "min_memory_mb"): Meaning("preflight memory check"),
    ("undercroft", "min_disk_gb"): Meaning("preflight disk check"),
}

AUTH_MEANING = Meaning(
    ignored="passwords live in <output_dir>/undercloud-passwords.yaml; `undercroft config "
            "migrate` carries these values into an environment file", since="instack")


def meaning(group: str, name: str) -> Meaning:
    if group == "auth":
        return AUTH_MEANING
    if group not in ("DEFAULT", "undercroft"):
        group = "subnet"
    return MEANINGS.get((group, name), Meaning())


def register(conf: cfg.ConfigOpts, subnets: list[str] | None = None,
             local_subnet: str = LOCAL_SUBNET_DEFAULT) -> None:
    """Register every option; the subnet groups only when their names are given."""
    conf.register_opts(DEFAULT_OPTS)
    conf.register_opts(INSTACK_OPTS)
    conf.register_opts(AUTH_OPTS, group="auth")
    conf.register_opts(UNDERCROFT_OPTS, group="undercroft")
    for name in subnets or []:
        conf.register_opts(subnet_opts(local=name == local_subnet), group=name)


def deprecated_names(opt: cfg.Opt) -> list[tuple[str | None, str]]:
    """(group or None, old name) for every deprecated name of ``opt``."""
    return [(d.group, d.name.replace("-", "_")) for d in opt.deprecated_opts if d.name]


def known_options(subnets: list[str] | None = None,
                  local_subnet: str = LOCAL_SUBNET_DEFAULT) -> dict[str, set[str]]:
    """Section -> option names (including deprecated names) that a file may set."""
    names: dict[str, set[str]] = {"DEFAULT": set(), "undercroft": set(), "auth": set()}
    groups = [("DEFAULT", DEFAULT_OPTS + INSTACK_OPTS), ("undercroft", UNDERCROFT_OPTS),
              ("auth", AUTH_OPTS)]
    groups += [(s, subnet_opts(local=s == local_subnet)) for s in subnets or []]
    for group, opts in groups:
        names.setdefault(group, set())
        for opt in opts:
            names[group].add(opt.dest)
            for dgroup, old in deprecated_names(opt):
                names[dgroup or group].add(old)
    return names


def type_name(opt: cfg.Opt) -> str:
    """Short type name for docs and messages."""
    t = opt.type
    if isinstance(t, types.Boolean):
        return "bool"
    if isinstance(t, types.Integer):
        bounds = [f">= {t.min}" if t.min is not None else "",
                  f"<= {t.max}" if t.max is not None else ""]
        extra = ", ".join(b for b in bounds if b)
        return f"int ({extra})" if extra else "int"
    if isinstance(t, types.List):
        if isinstance(t.item_type, types.Dict):
            return "list of dict"
        return "list"
    return "string"
