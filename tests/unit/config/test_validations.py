"""Preflight validations with injected host facts (no real host is read)."""
from __future__ import annotations

from pathlib import Path

import pytest

from undercroft.config import loader, validations as v
from undercroft.config.facts import Listener, ThisHost
from undercroft.config.translate import translate
from undercroft.errors import ConfigError
from undercroft.render.rendered import RenderedPort

from ..fakes import StaticHostFacts

HOST = "[DEFAULT]\nundercloud_hostname = undercloud.example.com\n"


def load(tmp_path, text):
    p = tmp_path / "undercloud.conf"
    p.write_text(text)
    uc = loader.load(p)
    return uc, translate(uc)


# where mariadb and keystone listen, as their templates render (render/rendered.py)
PORTS = (RenderedPort("mariadb", "tcp", 3306, "local_ip"),
         RenderedPort("keystone", "tcp", 5000, "local_ip"),
         RenderedPort("keystone", "tcp", 35357, "local_ip"))


def run(tmp_path, text, facts=None, ports=PORTS):
    uc, tr = load(tmp_path, text)
    return v.run(uc, tr, facts or StaticHostFacts(), ports)


def test_healthy_host_passes_in_both_placements(tmp_path):
    assert run(tmp_path, HOST).problems == []
    assert run(tmp_path, HOST + "[undercroft]\nnetwork_namespace = x\n").problems == []


def test_all_failures_are_listed_together(tmp_path):
    f = run(tmp_path, HOST + "local_mtu = 100\nundercloud_nameservers = a.b\n"
                             "[ctlplane-subnet]\ndhcp_end = 192.168.24.2\n",
            StaticHostFacts(memory=1024))
    assert len(f.problems) == 4
    with pytest.raises(ConfigError) as e:
        f.raise_if_failed()
    assert e.value.message.endswith("(and 3 more problems below)")
    assert len(e.value.detail.splitlines()) == 3


def test_memory_is_ram_plus_swap_against_tripleoclient_threshold(tmp_path):
    assert v.REQUIRED_MB == 7680
    assert run(tmp_path, HOST, StaticHostFacts(memory=7680)).problems == []
    [p] = run(tmp_path, HOST, StaticHostFacts(memory=7679)).problems
    assert "min_memory_mb = 7680 (the default; set min_memory_mb in [undercroft]): this host has 7679 MB (RAM + swap)" in p
    assert run(tmp_path, HOST + "[undercroft]\nmin_memory_mb = 4096\n",
               StaticHostFacts(memory=5000)).problems == []


def test_disk_thresholds_per_filesystem(tmp_path):
    text = HOST + f"[undercroft]\ndata_root = /data\nstate_dir = {tmp_path}/s\nlog_dir = /logs\n"
    facts = StaticHostFacts(free={"/data": 5.0, "/logs": 2.0}, default_free_gb=30.0)
    problems = run(tmp_path, text, facts).problems
    assert len(problems) == 2
    assert "5.0 GB free on the filesystem of /data, 10 GB needed" in problems[0]
    assert "2.0 GB free on the filesystem of /logs, 3 GB needed" in problems[1]
    # min_disk_gb caps every threshold
    assert run(tmp_path, text + "min_disk_gb = 2\n", facts).problems == []


def test_root_filesystem_needs_min_disk_gb(tmp_path):
    [p] = run(tmp_path, HOST, StaticHostFacts(default_free_gb=20.0)).problems
    assert "[undercroft] min_disk_gb = 25 (the default; set min_disk_gb in [undercroft]): 20.0 GB free on the filesystem of /" in p


def test_host_placement_hostname_rules(tmp_path):
    facts = StaticHostFacts(host_name="vm", host_fqdn="vm", resolvable=set())
    [p] = run(tmp_path, "[DEFAULT]\n", facts).problems
    assert "the host name 'vm' is not fully qualified" in p
    facts = StaticHostFacts(resolvable=set())
    [p] = run(tmp_path, HOST, facts).problems
    assert "host name undercloud.example.com does not resolve; add '192.168.24.1 " \
           "undercloud.example.com undercloud' to /etc/hosts" in p


def test_namespace_placement_accepts_unresolvable_hostname_with_warning(tmp_path):
    facts = StaticHostFacts(resolvable=set(), nics={"lo"})
    f = run(tmp_path, "[DEFAULT]\nundercloud_hostname = undercloud.localdomain\n"
                      "[undercroft]\nnetwork_namespace = uc\n", facts)
    assert f.problems == []
    assert "does not resolve on this host; accepted in namespace placement" in f.warnings[0]


def test_interface_checked_only_in_host_placement(tmp_path):
    facts = StaticHostFacts(nics={"lo", "ens3"})
    [p] = run(tmp_path, HOST, facts).problems
    assert "local_interface = eth1 (the default; set local_interface in [DEFAULT]): no such network interface on this host (ens3)" in p
    assert run(tmp_path, HOST + "net_config_override = x.json\n", facts).problems == []
    assert run(tmp_path, HOST + "[undercroft]\nnetwork_namespace = u\n", facts).problems == []


def test_missing_sysctls(tmp_path):
    facts = StaticHostFacts(sysctls={"net.ipv4.ip_forward"}, has_ipv6=False)
    [p] = run(tmp_path, HOST, facts).problems
    assert p.startswith("sysctl net.ipv4.ip_nonlocal_bind: not available")
    facts = StaticHostFacts(sysctls=set(v.SYSCTLS), has_ipv6=True)
    [p] = run(tmp_path, HOST, facts).problems
    assert "net.ipv6.ip_nonlocal_bind" in p


def test_passwords_file_must_survive_an_existing_deployment(tmp_path):
    out = tmp_path / "out"
    text = HOST + f"output_dir = {out}\n"
    facts = StaticHostFacts(files={str(out / "stackrc"): ""})
    [p] = run(tmp_path, text, facts).problems
    assert "stackrc exists but undercloud-passwords.yaml is missing" in p
    facts = StaticHostFacts(files={str(out / "stackrc"): "",
                                   str(out / "undercloud-passwords.yaml"): ""})
    assert run(tmp_path, text, facts).problems == []


def test_ports_taken_by_foreign_processes(tmp_path):
    sockets = [
        Listener("tcp", "0.0.0.0", 3306, 42, "mysqld", False),          # foreign: conflict
        Listener("tcp", "192.168.24.1", 5000, 7, "uwsgi", True),         # our container
        Listener("tcp", "127.0.0.1", 5000, 8, "python3", False),         # other address
        Listener("tcp", "0.0.0.0", 6385, 9, "ironic-api", False),        # service not enabled
        Listener("udp", "0.0.0.0", 3306, 10, "x", False),                # other protocol
    ]
    facts = StaticHostFacts(sockets=sockets)
    [p] = run(tmp_path, HOST, facts).problems
    assert "tcp port 3306 (mariadb) is already taken on 0.0.0.0 by PID 42 mysqld" in p
    # Namespace placement has its own ports.
    assert run(tmp_path, HOST + "[undercroft]\nnetwork_namespace = u\n", facts).problems == []


def test_a_loopback_port_is_taken_on_loopback_not_on_local_ip(tmp_path):
    erlang = (RenderedPort("rabbitmq", "tcp", 25672, "loopback"),)
    taken = StaticHostFacts(sockets=[Listener("tcp", "127.0.0.1", 25672, 5, "beam.smp", False)])
    [p] = run(tmp_path, HOST, taken, erlang).problems
    assert p == ("tcp port 25672 (rabbitmq, on loopback) is already taken on 127.0.0.1 by "
                 "PID 5 beam.smp; stop that process or move it off the port")
    elsewhere = StaticHostFacts(sockets=[
        Listener("tcp", "192.168.24.1", 25672, 5, "beam.smp", False),  # another address
        Listener("tcp", "127.0.0.1", 3306, 6, "mysqld", False)])        # mariadb: local_ip
    assert run(tmp_path, HOST, elsewhere, erlang + PORTS).problems == []
    everywhere = StaticHostFacts(sockets=[Listener("tcp", "::", 25672, None, "", False)])
    [p] = run(tmp_path, HOST, everywhere, erlang).problems
    assert "(rabbitmq, on loopback) is already taken on :: by another process" in p


SLICE = "name: Slice\nservices: [mariadb, rabbitmq, memcached, keystone]\n"


def validate_slice(tmp_path, sockets, monkeypatch=None, extra_ports=()):
    """deployment.validate of the identity slice in host placement (where ports are
    checked) on a host whose listeners are ``sockets``; ``extra_ports``: ``ports``
    entries added to memcached's template."""
    from tests.unit.conftest import conf_text
    from undercroft.lifecycle import deployment
    from undercroft.model.loader import load_catalog
    from undercroft.model.schema import Port

    if extra_ports:
        cat = load_catalog()
        memcached = cat.services["memcached"]
        cat.services["memcached"] = memcached.model_copy(
            update={"ports": memcached.ports + [Port(**p) for p in extra_ports]})
        monkeypatch.setattr(deployment, "load_catalog", lambda: cat)
    (tmp_path / "slice.yaml").write_text(SLICE)
    conf = tmp_path / "undercloud.conf"
    conf.write_text(conf_text(tmp_path, "roles_file = slice.yaml\n", network_namespace=""))
    name = "undercloud.unit.test"
    host = StaticHostFacts(host_name=name, host_fqdn=name, resolvable={name}, sockets=sockets)
    return deployment.validate(conf, host=host).problems


def test_a_port_a_template_declares_is_refused_when_taken(tmp_path, monkeypatch):
    """The preflight reads the ports from the templates of the role's services."""
    busy = [Listener("udp", "0.0.0.0", 7777, 42, "other", False)]
    assert validate_slice(tmp_path, busy) == []
    [p] = validate_slice(tmp_path, busy, monkeypatch, [{"port": 7777, "protocol": "udp"}])
    assert p.endswith("undercloud.conf:3: local_ip = 192.168.24.1: udp port 7777 (memcached) is "
                      "already taken on 0.0.0.0 by PID 42 other; stop that process or move it "
                      "off the port")


def test_the_bundled_templates_say_where_rabbitmq_and_memcached_listen(tmp_path):
    """AMQP on local_ip, the Erlang distribution and memcached (one host) on loopback."""
    foreign = [Listener("tcp", "192.168.24.1", 11211, 1, "memcached", False),
               Listener("tcp", "192.168.24.1", 25672, 2, "beam.smp", False),
               Listener("tcp", "127.0.0.1", 5672, 3, "beam.smp", False)]
    assert validate_slice(tmp_path, foreign) == []
    foreign = [Listener("tcp", "127.0.0.1", 11211, 1, "memcached", False),
               Listener("tcp", "127.0.0.1", 4369, 2, "epmd", False),
               Listener("tcp", "192.168.24.1", 5672, 3, "beam.smp", False),
               Listener("tcp", "0.0.0.0", 5000, 4, "python3", False)]
    problems = validate_slice(tmp_path, foreign)
    assert [p.split(" is already taken")[0].split(": ")[-1] for p in problems] == [
        "tcp port 11211 (memcached, on loopback)", "tcp port 4369 (rabbitmq, on loopback)",
        "tcp port 5672 (rabbitmq)", "tcp port 5000 (keystone)"]


def test_tls_vips_must_be_in_the_local_subnet_without_ui(tmp_path):
    [p] = run(tmp_path, HOST + "enable_ui = false\nundercloud_public_host = 10.0.0.2\n").problems
    assert "undercloud_public_host = 10.0.0.2: with TLS the VIP must be inside cidr" in p
    assert run(tmp_path, HOST + "undercloud_public_host = 10.0.0.2\n").problems == []
    # A DNS name is a VIP too with TLS: it must resolve to one address (tripleoclient's rule).
    with pytest.raises(ConfigError, match=r"undercloud.conf:\d+: undercloud_public_host = "
                       r"uc.invalid: .*must resolve to exactly one"):
        run(tmp_path, HOST + "enable_ui = false\nundercloud_public_host = uc.invalid\n")


def test_tls_needs_three_distinct_addresses(tmp_path):
    with pytest.raises(ConfigError, match="three different addresses"):
        run(tmp_path, HOST + "undercloud_public_host = 192.168.24.3\n")
    assert run(tmp_path, HOST + "generate_service_certificate = false\n"
               "undercloud_public_host = 192.168.24.3\n").problems == []


def test_ipv6_provisioning_network_needs_a_64(tmp_path):
    text = HOST + ("local_ip = fd00:1::1/{p}\nundercloud_public_host = fd00:1::2\n"
                   "undercloud_admin_host = fd00:1::3\n[ctlplane-subnet]\ncidr = fd00:1::/{p}\n"
                   "gateway = fd00:1::1\ndhcp_start = fd00:1::10\ndhcp_end = fd00:1::20\n"
                   "inspection_iprange = fd00:1::30,fd00:1::40\n")
    assert v.check_config(*load(tmp_path, text.format(p=64))).problems == []
    [p] = v.check_config(*load(tmp_path, text.format(p=80))).problems
    assert "an IPv6 provisioning network must be a /64" in p


def test_real_host_facts_read_this_machine():
    facts = ThisHost()
    assert facts.memory_mb() > 0
    dev, free = facts.disk(Path("/nonexistent/below/root"))
    assert free > 0
    assert "lo" in facts.interfaces()
    assert isinstance(facts.listeners(), list)


def test_validation_can_be_disabled_by_the_option(tmp_path):
    uc, _ = load(tmp_path, HOST + "enable_validations = false\n")
    assert v.enabled(uc) is False
