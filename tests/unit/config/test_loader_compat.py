"""Loader: subnet sections, deprecated names and options without effect (warnings)."""
from __future__ import annotations

import logging

import pytest

from undercroft.config import loader
from undercroft.errors import ConfigError


def write(tmp_path, text, name="undercloud.conf"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_subnet_sections_are_registered_per_name(tmp_path):
    p = write(tmp_path, "[DEFAULT]\nsubnets = ctlplane-subnet,leaf1\n"
                        "[leaf1]\ncidr = 10.1.0.0/24\n")
    uc = loader.load(p)
    assert uc.subnets == ("ctlplane-subnet", "leaf1")
    assert uc.get("cidr", "leaf1") == "10.1.0.0/24"
    assert uc.get("gateway", "leaf1") == "192.168.24.1"  # same defaults for every subnet (Rocky)
    assert uc.line_of("leaf1", "cidr") == f"{p}:4"


def test_subnet_section_names_match_case_insensitively(tmp_path):
    p = write(tmp_path, "[DEFAULT]\n[CtlPlane-Subnet]\ncidr = 10.1.0.0/24\n")
    uc = loader.load(p)
    assert uc.get("cidr", "ctlplane-subnet") == "10.1.0.0/24"
    assert uc.is_set("ctlplane-subnet", "cidr")


def test_instack_default_names_feed_the_local_subnet_with_warnings(tmp_path):
    p = write(tmp_path, "[DEFAULT]\nnetwork_cidr = 10.0.0.0/24\nnetwork_gateway = 10.0.0.254\n"
                        "dhcp_start = 10.0.0.5\ndiscovery_iprange = 10.0.0.100,10.0.0.110\n")
    uc = loader.load(p)
    assert uc.get("cidr", "ctlplane-subnet") == "10.0.0.0/24"
    assert uc.get("gateway", "ctlplane-subnet") == "10.0.0.254"
    assert uc.get("dhcp_start", "ctlplane-subnet") == "10.0.0.5"
    assert uc.get("inspection_iprange", "ctlplane-subnet") == "10.0.0.100,10.0.0.110"
    assert uc.line_of("ctlplane-subnet", "cidr") == f"{p}:2"
    assert len(uc.warnings) == 4
    assert uc.warnings[0] == (f"{p}:2: 'network_cidr' is deprecated; its value is used for "
                              f"[ctlplane-subnet] cidr. Rename it (undercroft config migrate "
                              f"does this)")


def test_new_name_wins_over_deprecated_one(tmp_path):
    p = write(tmp_path, "[DEFAULT]\nnetwork_cidr = 10.0.0.0/24\n"
                        "[ctlplane-subnet]\ncidr = 10.9.0.0/24\n")
    uc = loader.load(p)
    assert uc.get("cidr", "ctlplane-subnet") == "10.9.0.0/24"
    assert "ignored because [ctlplane-subnet] cidr is also set" in uc.warnings[0]


def test_deprecated_default_names_do_not_leak_into_leaf_subnets(tmp_path):
    p = write(tmp_path, "[DEFAULT]\nsubnets = ctlplane-subnet,leaf1\ndhcp_start = 192.168.24.50\n"
                        "[leaf1]\ncidr = 10.1.0.0/24\n")
    uc = loader.load(p)
    assert uc.get("dhcp_start", "ctlplane-subnet") == "192.168.24.50"
    assert uc.get("dhcp_start", "leaf1") == "192.168.24.5"


def test_options_without_effect_warn_why_and_what_instead(tmp_path):
    p = write(tmp_path, "[DEFAULT]\ncontainer_images_file = images.yaml\n"
                        "undercloud_enable_selinux = false\nheat_native = true\n")
    uc = loader.load(p)
    assert len(uc.warnings) == 2  # heat_native = true is the default: nothing to say
    assert uc.warnings[0].startswith(f"{p}:2: container_images_file has no effect in "
                                     f"Undercroft: images are built locally")
    assert "debian_mirror" in uc.warnings[0]
    assert uc.warnings[1].startswith(f"{p}:3: undercloud_enable_selinux has no effect")


def test_auth_section_is_accepted_with_one_warning(tmp_path):
    p = write(tmp_path, "[DEFAULT]\n[auth]\nundercloud_admin_password = x\n"
                        "undercloud_db_password = y\n")
    uc = loader.load(p)
    assert len(uc.warnings) == 1
    assert "[auth] section (instack-undercloud) is ignored" in uc.warnings[0]
    assert "x" not in uc.warnings[0].split("ignored")[1].split()  # no secret in the text


def test_oslo_deprecation_log_is_replaced_by_our_warning(tmp_path, caplog):
    p = write(tmp_path, "[DEFAULT]\nundercloud_public_vip = 10.0.0.2\n")
    with caplog.at_level(logging.WARNING):
        uc = loader.load(p)
    assert uc.get("undercloud_public_host") == "10.0.0.2"
    assert not [r for r in caplog.records if r.name.startswith("oslo_config")]


@pytest.mark.parametrize("text, message", [
    ("[DEFAULT]\nsubnets = ctlplane-subnet,leaf1\nenable_routed_networks = true\n",
     "subnets lists 'leaf1' but the file has no [leaf1] section"),
    ("[DEFAULT]\n[leaf1]\ncidr = 10.1.0.0/24\n",
     "section [leaf1] is not listed in subnets (subnets = ctlplane-subnet)"),
    ("[DEFAULT]\nlocal_subnet = leaf1\n", "local_subnet = leaf1 is not in subnets"),
    ("[DEFAULT]\nsubnets = a,A\n", "'A' is listed twice"),
    ("[DEFAULT]\nsubnets = ctlplane-subnet,undercroft\n", "'undercroft' is not a usable section"),
    ("[DEFAULT]\n[ctlplane-subnet]\ncidrr = 10.0.0.0/24\n",
     "unknown option 'cidrr' in [ctlplane-subnet]; did you mean 'cidr'?"),
])
def test_subnet_mistakes(tmp_path, text, message):
    with pytest.raises(ConfigError) as e:
        loader.load(write(tmp_path, text))
    assert message in e.value.message
    assert str(tmp_path) in e.value.message
