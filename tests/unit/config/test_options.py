"""Every option of python-tripleoclient's undercloud.conf, with its oslo.config type and
default (Rocky), is registered; deprecated names and subnet options too."""
from __future__ import annotations

import pytest
from oslo_config import cfg

from undercroft.config import loader, options

# name: (type, default) -- tripleoclient stable/rocky config/{base,standalone,undercloud}.py,
# plus the options Stein added.
REFERENCE_DEFAULT = {
    "output_dir": ("string", None), "cleanup": ("bool", True),
    "deployment_user": ("string", None), "hieradata_override": ("string", ""),
    "net_config_override": ("string", ""), "templates": ("string", ""),
    "roles_file": ("string", None), "heat_native": ("bool", True),
    "heat_container_image": ("string", ""), "container_images_file": ("string", ""),
    "custom_env_files": ("list", []), "docker_registry_mirror": ("string", ""),
    "docker_insecure_registries": ("list", []), "enable_cinder": ("bool", False),
    "enable_ironic": ("bool", True), "enable_ironic_inspector": ("bool", True),
    "enable_mistral": ("bool", True), "enable_novajoin": ("bool", False),
    "enable_tempest": ("bool", True), "enable_telemetry": ("bool", False),
    "enable_ui": ("bool", True), "enable_validations": ("bool", True),
    "enable_zaqar": ("bool", True), "undercloud_log_file": ("string", "install-undercloud.log"),
    "undercloud_hostname": ("string", None), "local_ip": ("string", "192.168.24.1/24"),
    "undercloud_public_host": ("string", "192.168.24.2"),
    "undercloud_admin_host": ("string", "192.168.24.3"),
    "undercloud_nameservers": ("list", []), "undercloud_ntp_servers": ("list", ["pool.ntp.org"]),
    "overcloud_domain_name": ("string", "localdomain"),
    "subnets": ("list", ["ctlplane-subnet"]), "local_subnet": ("string", "ctlplane-subnet"),
    "undercloud_service_certificate": ("string", ""),
    "generate_service_certificate": ("bool", True),
    "certificate_generation_ca": ("string", "local"), "service_principal": ("string", ""),
    "local_interface": ("string", "eth1"), "local_mtu": ("int", 1500),
    "docker_bip": ("string", "--bip=172.31.0.1/24"),
    "inspection_interface": ("string", "br-ctlplane"), "inspection_extras": ("bool", True),
    "inspection_runbench": ("bool", False), "enable_node_discovery": ("bool", False),
    "discovery_default_driver": ("string", "ipmi"), "undercloud_debug": ("bool", True),
    "undercloud_enable_selinux": ("bool", True), "undercloud_update_packages": ("bool", False),
    "ipa_otp": ("string", ""), "ipxe_enabled": ("bool", True),
    "scheduler_max_attempts": ("int (>= 1)", 30), "clean_nodes": ("bool", False),
    "upgrade_cleanup": ("bool", False),
    "enabled_hardware_types": ("list", ["ipmi", "redfish", "ilo", "idrac"]),
    "enable_routed_networks": ("bool", False), "enable_swift_encryption": ("bool", False),
    "additional_architectures": ("list", []),
    # Stein
    "undercloud_timezone": ("string", None), "container_healthcheck_disabled": ("bool", False),
    "networks_file": ("string", None), "container_registry_mirror": ("string", ""),
    "container_insecure_registries": ("list", []), "container_cli": ("string", "podman"),
}
REFERENCE_SUBNET = {
    "cidr": ("string", "192.168.24.0/24"), "dhcp_start": ("string", "192.168.24.5"),
    "dhcp_end": ("string", "192.168.24.24"),
    "inspection_iprange": ("string", "192.168.24.100,192.168.24.120"),
    "gateway": ("string", "192.168.24.1"), "masquerade": ("bool", False),
    "dhcp_exclude": ("list", []), "host_routes": ("list of dict", []),
}
DEPRECATED = {
    "undercloud_public_vip": "undercloud_public_host", "undercloud_admin_vip": "undercloud_admin_host",
    "discovery_interface": "inspection_interface", "discovery_runbench": "inspection_runbench",
    "ipxe_deploy": "ipxe_enabled",
}


def _by_name(opts):
    return {o.dest: o for o in opts}


@pytest.mark.parametrize("name", sorted(REFERENCE_DEFAULT))
def test_default_option_type_and_default(name):
    opt = _by_name(options.DEFAULT_OPTS)[name]
    typ, default = REFERENCE_DEFAULT[name]
    assert options.type_name(opt) == typ
    if name != "output_dir":  # $HOME, expanded at import
        assert opt.default == default


def test_no_unexpected_default_options():
    assert set(_by_name(options.DEFAULT_OPTS)) == set(REFERENCE_DEFAULT)


@pytest.mark.parametrize("name", sorted(REFERENCE_SUBNET))
def test_subnet_option_type_and_default(name):
    for local in (True, False):
        opt = _by_name(options.subnet_opts(local))[name]
        assert (options.type_name(opt), opt.default) == REFERENCE_SUBNET[name]


def test_deprecated_names():
    opts = _by_name(options.DEFAULT_OPTS)
    for old, new in DEPRECATED.items():
        assert (None, old) in options.deprecated_names(opts[new])
    local = _by_name(options.subnet_opts(local=True))
    assert ("DEFAULT", "network_cidr") in options.deprecated_names(local["cidr"])
    assert ("DEFAULT", "network_gateway") in options.deprecated_names(local["gateway"])
    assert ("DEFAULT", "dhcp_start") in options.deprecated_names(local["dhcp_start"])
    assert ("DEFAULT", "discovery_iprange") in options.deprecated_names(local["inspection_iprange"])
    # Leaves never read the local subnet's old [DEFAULT] names.
    assert options.deprecated_names(_by_name(options.subnet_opts(local=False))["cidr"]) == []


def test_every_option_has_help_and_a_meaning_for_ignored_ones():
    for opt in options.DEFAULT_OPTS + options.INSTACK_OPTS + options.UNDERCROFT_OPTS:
        assert opt.help, opt.dest
    for opt in options.INSTACK_OPTS:
        m = options.meaning("DEFAULT", opt.dest)
        assert m.since == "instack" and (m.ignored or m.becomes), opt.dest


def test_undercroft_group_kept_and_roles_file_in_default():
    names = options.known_options()
    assert {"network_namespace", "deployment_name", "data_root", "state_dir", "log_dir",
            "debian_mirror", "service_workers", "min_memory_mb", "min_disk_gb"} <= names["undercroft"]
    assert "roles_file" in names["DEFAULT"]


def test_defaults_load_without_a_file():
    uc = loader.load(None)
    assert uc.subnets == ("ctlplane-subnet",)
    assert uc.get("cidr", "ctlplane-subnet") == "192.168.24.0/24"
    assert uc.get("enabled_hardware_types") == ["ipmi", "redfish", "ilo", "idrac"]
    assert uc.get("min_memory_mb", "undercroft") == 7680
    assert uc.warnings == []
    assert isinstance(uc.conf, cfg.ConfigOpts)
