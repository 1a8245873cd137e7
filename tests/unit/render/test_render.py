"""Rendering the bundled undercloud from an undercloud.conf (no host writes but the
passwords file, which lives in tmp_path)."""
from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest
import yaml

from undercroft.errors import ConfigError
from undercroft.lifecycle import deployment
from undercroft.model import ConfigFile, ContainerTemplate, ServiceTemplate
from undercroft.model.loader import TEMPLATES, load_catalog
from undercroft.model.schema import Port
from undercroft.plan import ActionKind, ObservedContainer, make_plan
from undercroft.render.services import CONFIG_MOUNT, Renderer, labels
from undercroft.runtime.podman import run_args

from ..conftest import conf_text

EXPECTED = {"mysql_bootstrap", "mysql", "memcached", "rabbitmq", "keystone_db_create",
            "keystone_db_sync", "keystone_bootstrap", "keystone", "keystone_register"}


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("render")


SLICE_ROLE = "name: Slice\nservices: [mariadb, rabbitmq, memcached, keystone]\n"


@pytest.fixture(scope="module")
def dep(root):
    """The identity slice (a role file with four services) for exact expectations."""
    (root / "slice.yaml").write_text(SLICE_ROLE)
    conf = root / "undercloud.conf"
    conf.write_text(conf_text(root, default="roles_file = slice.yaml\n"))
    return deployment.load(conf, persist_secrets=True)


def test_default_role_renders_every_service_in_chain_order(full):
    assert full.services == ["keepalived", "haproxy", "mariadb", "rabbitmq", "memcached",
                             "keystone", "glance", "swift", "placement", "ironic",
                             "ironic_inspector", "neutron", "ironic_neutron_agent", "nova",
                             "nova_compute", "heat", "mistral", "zaqar"]
    step1 = make_plan(full.rendered.desired, []).chains(1)
    assert {k: [a.name for a in v] for k, v in step1.items()} == {
        "keepalived": ["keepalived"], "haproxy": ["haproxy"]}
    plan = make_plan(full.rendered.desired, [])
    for service in ("keystone", "glance", "placement", "ironic", "ironic_inspector", "neutron",
                    "nova", "heat"):
        assert plan.chains(3)[service][0].name == f"{service}_db_create"
    keystone3 = [a.name for a in plan.chains(3)["keystone"]]
    assert keystone3[-2:] == ["keystone", "keystone_register"]
    assert "keystone" not in plan.chains(4)
    assert [a.name for a in plan.chains(5)["nova_compute"]] == ["nova_compute",
                                                                "nova_cells_discover"]
    assert [a.name for a in plan.chains(5)["nova"]] == ["nova_flavors"]


def test_registry_lists_every_catalog_entry_and_user(full):
    reg = json.loads(full.by_name("keystone_register").files[0].content)
    assert {s["type"] for s in reg["services"]} == {
        "identity", "image", "placement", "baremetal", "baremetal-introspection", "network",
        "compute", "orchestration", "object-store", "workflowv2", "messaging",
        "messaging-websocket"}
    # TLS is on by default: every public endpoint is https through haproxy's public VIP,
    # internal and admin go to the admin VIP.
    for s in reg["services"]:
        assert s["endpoints"]["public"].startswith(("https://192.168.24.2:", "wss://192.168.24.2:"))
        assert s["endpoints"]["internal"].split("://")[1].startswith("192.168.24.3:")
    assert {u["name"] for u in reg["users"]} == {"glance", "placement", "ironic", "ironic-inspector",
                                                "mistral", "zaqar",
                                                "neutron", "nova", "heat", "swift"}
    assert all(set(s["endpoints"]) == {"public", "internal", "admin"} for s in reg["services"])
    # service tokens (ironic -> neutron on behalf of inspector, say) need the service role
    assert "service" in reg["roles"] and all("service" in u["roles"] for u in reg["users"])


def test_neutron_agents_serve_the_ctlplane_from_br_ctlplane(full_zed, tmp_path):
    """Zed: the linuxbridge agent (Epoxy's Open vSwitch agents: test_releases.py)."""
    plan = make_plan(full_zed.rendered.desired, [])
    assert [a.name for a in plan.chains(4)["neutron"]] == [
        "neutron_api", "neutron_linuxbridge_agent", "neutron_dhcp"]
    assert [a.name for a in plan.chains(4)["ironic_neutron_agent"]] == ["ironic_neutron_agent"]
    lb, dhcp = full_zed.by_name("neutron_linuxbridge_agent"), full_zed.by_name("neutron_dhcp")
    for agent in (lb, dhcp):
        assert agent.desired.spec["privileged"] and agent.config_json["user"] == "root"
    assert "/run/netns:/run/netns:shared" in dhcp.desired.spec["volumes"]
    assert "/run/netns:/run/netns:shared" not in lb.desired.spec["volumes"]
    assert dhcp.config_json["command"].startswith("dumb-init --single-child -- neutron-dhcp-agent")

    # parameters reach the agents' files and the ctlplane subnet
    env = tmp_path / "net.yaml"
    env.write_text("parameter_defaults:\n  NeutronPhysicalNetwork: provisioning\n")
    conf = tmp_path / "undercloud.conf"
    root = Path(full_zed.settings.state_dir).parent
    conf.write_text(conf_text(root, default=f"custom_env_files = {env}\n"
                                            "undercloud_nameservers = 192.0.2.53\n",
                            undercroft="release = zed\n"))
    files = {f.dest: f.content for f in deployment.load(conf).by_name("neutron_dhcp").files}
    lb_ini = files["/etc/neutron/plugins/ml2/linuxbridge_agent.ini"]
    assert "bridge_mappings = provisioning:br-ctlplane\n" in lb_ini
    assert "enable_vxlan = false\n" in lb_ini and "firewall_driver = noop\n" in lb_ini
    assert "\nroot_helper =\n" in lb_ini
    dhcp_ini = files["/etc/neutron/dhcp_agent.ini"]
    assert "interface_driver = linuxbridge\n" in dhcp_ini and "\nroot_helper =\n" in dhcp_ini
    assert "flat_networks = provisioning\n" in files["/etc/neutron/plugins/ml2/ml2_conf.ini"]
    ctlplane = json.loads(files["/etc/undercroft/ctlplane.json"])
    assert ctlplane["network"]["physical_network"] == "provisioning"
    subnet = ctlplane["subnets"][0]
    assert subnet["dns_nameservers"] == ["192.0.2.53"] and subnet["gateway"] == "192.168.24.1"


def test_disabling_a_service_changes_only_registry_and_its_containers(full, tmp_path):
    env = tmp_path / "no-heat.yaml"
    env.write_text("disable_services: [heat]\n")
    conf = tmp_path / "undercloud.conf"
    root = Path(full.settings.state_dir).parent
    conf.write_text(conf_text(root, default=f"custom_env_files = {env}\n"))
    smaller = deployment.load(conf)
    before = {d.name: d.config_hash for d in full.rendered.desired}
    after = {d.name: d.config_hash for d in smaller.rendered.desired}
    assert set(before) - set(after) == {"heat_db_create", "heat_db_sync", "heat_api", "heat_engine"}
    changed = {n for n in after if after[n] != before[n]}
    assert changed == {"keystone_register", "haproxy"}  # the catalog and heat's listener


@pytest.fixture(scope="module")
def secrets(dep, root) -> dict[str, str]:
    data = yaml.safe_load((root / "out" / "undercloud-passwords.yaml").read_text())
    return data["parameter_defaults"]


def test_renders_the_four_services(dep):
    assert dep.services == ["mariadb", "rabbitmq", "memcached", "keystone"]
    names = [c.desired.name for c in dep.rendered.containers]
    assert sorted(names) == sorted(EXPECTED)
    by = {c.desired.name: c.desired for c in dep.rendered.containers}
    assert {n for n, d in by.items() if d.oneshot} == {
        "mysql_bootstrap", "keystone_db_create", "keystone_db_sync", "keystone_bootstrap",
        "keystone_register"}
    assert {n: d.step for n, d in by.items()} == {
        "mysql_bootstrap": 2, "mysql": 2, "memcached": 2, "rabbitmq": 2, "keystone_db_create": 3,
        "keystone_db_sync": 3, "keystone_bootstrap": 3, "keystone": 3, "keystone_register": 3}
    # the database one-shot runs first in keystone's step-3 chain
    plan = make_plan(dep.rendered.desired, [])
    assert [a.name for a in plan.chains(3)["keystone"]] == [
        "keystone_db_create", "keystone_db_sync", "keystone_bootstrap", "keystone",
        "keystone_register"]
    assert [a.name for a in plan.chains(2)["mariadb"]] == ["mysql_bootstrap", "mysql"]


def test_every_path_is_under_the_configured_dirs(dep, root):
    for c in dep.rendered.containers:
        d = c.desired
        assert d.spec["network"] == "ns:/run/netns/ucunit"
        assert d.spec["hostname"] == "undercloud.unit.test"
        assert d.spec["log_path"] == str(root / "log" / "containers" / f"{d.name}.log")
        assert c.config_dir == root / "state" / "config" / d.name
        assert f"{c.config_dir}:{CONFIG_MOUNT}:ro" in d.spec["volumes"]
        for v in d.spec["volumes"]:
            assert v.startswith(str(root) + "/"), (d.name, v)
        assert d.image.startswith("localhost/undercroft/")
        assert d.spec["restart"] == ("no" if d.oneshot else "always")
        assert bool(d.spec["healthcheck"]) != d.oneshot
    assert dict(dep.rendered.host_dirs) == {
        str(root / "data" / "mysql"): "0750", str(root / "data" / "rabbitmq"): "0750",
        str(root / "log" / "keystone"): "0750"}


def test_passwords_file_holds_every_secret(dep, secrets):
    assert set(secrets) == dep.resolved.secret_names
    assert {"MysqlRootPassword", "AdminPassword", "KeystonePassword", "RabbitPassword"} <= set(secrets)


def test_no_secret_value_in_container_specs_or_labels(dep, secrets):
    values = [v for v in secrets.values() if v]
    assert len(values) >= 8
    for c in dep.rendered.containers:
        d = c.desired
        lbl = labels(d, dep.settings.deployment_name)
        public = {
            "spec": json.dumps(d.spec),
            "environment": json.dumps(d.spec["environment"]),
            "volumes": json.dumps(d.spec["volumes"]),
            "healthcheck": d.spec["healthcheck"],
            "config.json": json.dumps(c.config_json),
            "command": c.config_json["command"],
            "labels": json.dumps(lbl),
            "inputs": json.dumps(d.inputs),
            "podman run": " ".join(run_args(d, lbl)),
        }
        for where, text in public.items():
            for v in values:
                assert v not in text, f"a secret leaks into {d.name} {where}"


def test_secrets_do_reach_the_files_that_need_them(dep, secrets):
    """Positive control for the leak test: the secrets are rendered, only into files."""
    ks = dep.by_name("keystone")
    files = {f.dest: f for f in ks.files}
    conf = files["/etc/keystone/keystone.conf"].content
    # the URL names the client option file that holds the password (0600, keystone's)
    assert ("mysql+pymysql://keystone@192.168.24.1/keystone?charset=utf8"
            "&read_default_file=/etc/keystone/db-keystone.cnf") in conf
    assert secrets["KeystonePassword"] not in conf
    client = files["/etc/keystone/db-keystone.cnf"]
    assert f"password = {secrets['KeystonePassword']}\n" in client.content
    assert (client.owner, client.mode) == ("keystone", "0600")
    assert {f.dest: f.content for f in ks.files}["/etc/keystone/fernet-keys/0"] == \
        secrets["KeystoneFernetKey0"]
    boot = dep.by_name("keystone_bootstrap")
    assert boot.secret_files == {"secrets/OS_BOOTSTRAP_PASSWORD": secrets["AdminPassword"]}
    assert boot.config_json["secret_env"] == {"OS_BOOTSTRAP_PASSWORD": "secrets/OS_BOOTSTRAP_PASSWORD"}
    db = {f.dest: f for f in dep.by_name("keystone_db_create").files}
    assert secrets["KeystonePassword"] in db["/etc/undercroft/keystone-db-create.sql"].content
    assert secrets["MysqlRootPassword"] in db["/etc/undercroft/keystone-db-client.cnf"].content
    assert {f.mode for f in db.values()} == {"0600"}


def test_labels_hold_names_and_hashes_only(dep):
    d = dep.by_name("keystone").desired
    lbl = labels(d, "undercloud")
    assert lbl["undercroft.managed"] == "true"
    assert lbl["undercroft.service"] == "keystone" and lbl["undercroft.step"] == "3"
    assert lbl["undercroft.oneshot"] == "false"
    assert lbl["undercroft.config-hash"] == d.config_hash
    assert json.loads(lbl["undercroft.inputs"]) == d.inputs


def test_rendering_is_deterministic(dep, root):
    again = deployment.load(root / "undercloud.conf", persist_secrets=True)
    assert [c.desired for c in again.rendered.containers] == \
        [c.desired for c in dep.rendered.containers]


def test_one_keystone_parameter_changes_only_keystone(dep, root):
    (root / "envs").mkdir()
    (root / "envs" / "threads.yaml").write_text("parameter_defaults: {KeystoneThreads: 8}\n")
    conf = root / "undercloud-threads.conf"
    conf.write_text(conf_text(root, default="roles_file = slice.yaml\n"
                                            "custom_env_files = envs/threads.yaml\n"))
    changed = deployment.load(conf, persist_secrets=True)
    before = {c.desired.name: c.desired.config_hash for c in dep.rendered.containers}
    after = {c.desired.name: c.desired.config_hash for c in changed.rendered.containers}
    assert set(before) == set(after)
    assert {n for n in before if before[n] != after[n]} == {"keystone"}
    # undercroft-uwsgi WSGI_FILE BIND PROCESSES THREADS ...
    assert changed.by_name("keystone").config_json["command"].split()[4] == "8"
    assert dep.by_name("keystone").config_json["command"].split()[4] == "4"
    assert changed.resolved.sources["KeystoneThreads"].startswith("environment ")

    # ... and the plan built from the old deployment's labels recreates exactly that one
    observed = [ObservedContainer(d.name, labels(d, "undercloud"),
                                  "exited" if d.oneshot else "running")
                for d in dep.rendered.desired]
    plan = make_plan(changed.rendered.desired, observed)
    assert [(a.kind, a.name) for a in plan.writes] == [(ActionKind.RECREATE, "keystone")]
    assert plan.writes[0].reason == "changed: config:config.json"


def test_unknown_env_parameter_warns(root):
    env = root / "typo.yaml"
    env.write_text("parameter_defaults: {KeystoneThread: 8}\n")
    conf = root / "undercloud-typo.conf"
    conf.write_text(conf_text(root, default=f"custom_env_files = {env}\n"))
    warnings = []

    class R:
        warn = warnings.append

    deployment.load(conf, reporter=R())
    assert len(warnings) == 1
    assert "KeystoneThread is not used" in warnings[0] and "did you mean KeystoneThreads" in warnings[0]


def test_bad_env_parameter_type(root):
    env = root / "badtype.yaml"
    env.write_text("parameter_defaults: {KeystoneThreads: many}\n")
    conf = root / "undercloud-badtype.conf"
    conf.write_text(conf_text(root, default=f"custom_env_files = {env}\n"))
    with pytest.raises(ConfigError, match=rf"{env}: parameter KeystoneThreads = 'many': "
                                          rf"expected an integer"):
        deployment.load(conf)


def test_persist_false_leaves_no_passwords_file(tmp_path, write_conf):
    dep = deployment.load(write_conf())
    assert not (tmp_path / "out").exists()
    assert dep.resolved.secret_names <= set(dep.resolved.values)


# -- undefined parameters ------------------------------------------------------------------

def renderer(dep, templates=TEMPLATES):
    refs = {n: i.ref for n, i in dep.images.items()}
    return Renderer(dep.settings, dep.resolved.values, dep.resolved.secret_names, refs, templates)


def svc(**kw):
    base = dict(name="foo", image="memcached",
                steps={2: [ContainerTemplate(name="foo", command="foo", healthcheck="true")]})
    base.update(kw)
    return ServiceTemplate(**base)


def test_undefined_parameter_in_config_template_names_the_template(dep, tmp_path):
    (tmp_path / "config" / "foo").mkdir(parents=True)
    (tmp_path / "config" / "foo" / "foo.conf.j2").write_text("a = {{ LocalIp }}\nb = {{ NoSuchParam }}\n")
    s = svc(config_files=[ConfigFile(dest="/etc/foo.conf", template="foo/foo.conf.j2")])
    with pytest.raises(ConfigError) as e:
        renderer(dep, tmp_path).render([s])
    assert str(tmp_path / "config" / "foo" / "foo.conf.j2") in str(e.value)
    assert "NoSuchParam" in str(e.value)


def test_undefined_parameter_in_inline_content_and_command(dep):
    s = svc(config_files=[ConfigFile(dest="/etc/foo.conf", content="x={{ Nope1 }}")])
    with pytest.raises(ConfigError, match=r"services/foo.yaml: config_files /etc/foo.conf: .*Nope1"):
        renderer(dep).render([s])
    s = svc(steps={2: [ContainerTemplate(name="foo", command="foo {{ Nope2 }}", healthcheck="t")]})
    with pytest.raises(ConfigError, match=r"services/foo.yaml: steps.2.foo: command: .*Nope2"):
        renderer(dep).render([s])


def test_missing_config_template(dep):
    s = svc(config_files=[ConfigFile(dest="/etc/foo.conf", template="foo/absent.j2")])
    with pytest.raises(ConfigError, match="template foo/absent.j2 not found"):
        renderer(dep).render([s])


def test_unknown_image_and_non_secret_secret_env(dep):
    with pytest.raises(ConfigError, match="image 'nosuch' is not defined"):
        renderer(dep).render([svc(image="nosuch")])
    bad = svc(steps={2: [ContainerTemplate(name="foo", command="x", healthcheck="t",
                                           secret_env={"X": "LocalIp"})]})
    with pytest.raises(ConfigError, match="secret_env X: 'LocalIp' is not a secret parameter"):
        renderer(dep).render([bad])


def test_ports_are_the_catalog_entries_and_the_templates_rendered(full, dep):
    """Where each enabled service listens, for the preflight's free-port check: the
    catalog's ports on local_ip, then the template's ports with their Jinja2 rendered."""
    ports = {(p.service, p.protocol, p.port, p.bind) for p in full.rendered.ports}
    assert {("keystone", "tcp", 5000, "local_ip"), ("keystone", "tcp", 35357, "local_ip"),
            ("ironic", "tcp", 8088, "local_ip"),  # "{{ IronicHttpPort }}"
            ("ironic", "udp", 69, "local_ip"), ("ironic_inspector", "udp", 67, "local_ip"),
            ("rabbitmq", "tcp", 5672, "local_ip"), ("rabbitmq", "tcp", 25672, "loopback"),
            ("memcached", "tcp", 11211, "loopback")} <= ports
    assert {p.service for p in dep.rendered.ports} == {"mariadb", "rabbitmq", "memcached",
                                                         "keystone"}  # this host's services
    r = renderer(dep)
    r.values["MemcachedHost"] = "192.168.24.1"  # several hosts: clients elsewhere
    memcached = load_catalog().services["memcached"]
    [port] = r.render([memcached]).ports
    assert (port.port, port.bind) == (11211, "local_ip")


def test_a_ports_entry_that_renders_no_port_names_the_template(dep):
    with pytest.raises(ConfigError, match=r"services/foo.yaml: ports.0.port: '\{\{ LocalIp \}\}' "
                                          r"gives '192.168.24.1', not a port number"):
        renderer(dep).render([svc(ports=[Port(port="{{ LocalIp }}")])])
    with pytest.raises(ConfigError, match=r"services/foo.yaml: ports.1.bind: .* gives 'vip', "
                                          r"not one of local_ip, loopback"):
        renderer(dep).render([svc(ports=[Port(port=1), Port(port=2, bind="{{ 'vip' }}")])])


def test_undefined_parameter_in_bundled_template_via_load(tmp_path, write_conf, monkeypatch):
    """End to end: a bundled config template using an unknown parameter fails the load
    with the template's path in the message."""
    tpl = tmp_path / "templates"
    shutil.copytree(TEMPLATES, tpl)
    kconf = tpl / "config" / "keystone" / "keystone.conf.j2"
    kconf.write_text(kconf.read_text() + "extra = {{ KeystoneUndefinedThing }}\n")
    monkeypatch.setattr(deployment, "load_catalog", lambda: load_catalog(tpl))
    monkeypatch.setattr(deployment, "Renderer", functools.partial(Renderer, templates=tpl))
    with pytest.raises(ConfigError) as e:
        deployment.load(write_conf())
    assert str(kconf) in str(e.value) and "KeystoneUndefinedThing" in str(e.value)


def test_refresh_packages_changes_every_image_tag(tmp_path):
    from undercroft.images import catalog
    plain = catalog.load("http://deb.debian.org/debian")
    fresh = catalog.load("http://deb.debian.org/debian", package_epoch="20261126T000000Z")
    assert all(plain[n].tag != fresh[n].tag for n in plain)
    assert catalog.load("http://deb.debian.org/debian") == plain  # stable without an epoch


def test_in_place_volumes_mount_the_host_layout_as_is():
    from undercroft.render.services import in_place
    roots = ("/var/lib", "/var/log/undercroft")
    assert in_place("/var/lib/mysql:/var/lib/mysql", roots) == "/var/lib/mysql:/var/lib/mysql"
    assert in_place("/var/lib/ironic/httpboot:/httpboot:ro", roots) == "/httpboot:/httpboot:ro"
    assert in_place("/var/log/undercroft/keystone:/var/log/keystone", roots) == \
        "/var/log/keystone:/var/log/keystone"
    assert in_place("/etc/pki:/etc/pki:ro", roots) == "/etc/pki:/etc/pki:ro"  # not data: untouched
    assert in_place("/var/library:/x", roots) == "/var/library:/x"
    # run-time sockets were never kept by a host process: the directory host prep made
    assert in_place("/var/lib/openvswitch:/run/openvswitch", roots) == \
        "/var/lib/openvswitch:/run/openvswitch"


def test_services_sharing_a_config_file_write_the_same_content(full):
    """A baremetal host has one /etc: where two services write one destination (nova and
    nova_compute both read /etc/nova/nova.conf) they must agree on every byte."""
    written: dict[str, tuple[str, str]] = {}
    assert len(full.services) == 18  # the whole default role
    for c in full.rendered.containers:
        for f in c.files:
            service, content = written.setdefault(f.dest, (c.desired.service, f.content))
            assert content == f.content, f"{f.dest}: {service} and {c.desired.service} differ"


def test_nova_api_under_uwsgi_heartbeats_amqp_in_a_native_thread(full):
    """Only nova-api reads the extra file: eventlet services keep green heartbeats."""
    api = full.by_name("nova_api")
    files = {f.dest: f.content for f in api.files}
    assert "heartbeat_in_pthread = true" in files["/etc/nova/nova-api-wsgi.conf"]
    assert api.desired.spec["environment"]["OS_NOVA_CONFIG_FILES"].split(";") == [
        "api-paste.ini", "nova.conf", "nova-api-wsgi.conf"]
    assert "heartbeat_in_pthread" not in files["/etc/nova/nova.conf"]
    assert "OS_NOVA_CONFIG_FILES" not in full.by_name("nova_conductor").desired.spec["environment"]
