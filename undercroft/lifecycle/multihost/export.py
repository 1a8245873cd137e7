"""Write a multi-host deploy: per-host inputs, ansible.cfg, the playbook and its callback.

Output layout (``--output DIR``)::

    DIR/ansible.cfg               inventory, the undercroft callback, pipelining
    DIR/inventory.yaml            the role groups' hosts with their resolved variables
    DIR/deploy.yml                inputs play, then one play per step (1..5) on all hosts
    DIR/callback_plugins/         the progress and summary printer
    DIR/undercloud-passwords.yaml the cloud's secrets, generated once (0600)
    DIR/rendered/<host>/<container>/<path>  each host's config files as it will render
                                  them, for review (0600; the hosts render their own)
    DIR/hosts/<host>/             exactly what lands in undercroft_dir on that host:
        undercloud.conf           the base conf + this host's local_ip, hostname, role,
                                  [undercroft] settings; paths relative to this dir
        roles.yaml, env/*.yaml    the roles file; 00-cloud.yaml (where mariadb, rabbitmq
                                  and memcached are) then the environment files in order
        undercloud-passwords.yaml a copy of the cloud's secrets

Every host's deployment is loaded (rendered in memory) here first, so a bad template,
parameter or inventory fails before Ansible touches a host.
"""
from __future__ import annotations

import configparser
import io
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from undercroft.config import loader as conf_loader
from undercroft.config import passwords, validations
from undercroft.config.options import UNDERCROFT_OPTS
from undercroft.errors import ConfigError
from undercroft.fileio import write_atomic
from undercroft.lifecycle import deployment
from undercroft.model.loader import TEMPLATES, load_roles
from undercroft.lifecycle.multihost.inventory import Host, ansible_inventory, hosts_by_role

FILES = Path(__file__).resolve().parent / "files"
DEFAULT_DIR = "/var/lib/undercroft-ansible"  # undercroft_dir on a host unless set
SHARED = (("mariadb", "DatabaseHost"), ("rabbitmq", "MessagingHost"), ("memcached", "MemcachedHost"))
SETTINGS = {o.dest for o in UNDERCROFT_OPTS} - {"role"}


@dataclass(frozen=True)
class Exported:
    output: Path
    hosts: list[Host]
    services: dict[str, list[str]]  # host -> its services

    @property
    def playbook(self) -> Path:
        return self.output / "deploy.yml"


def shared_addresses(hosts: list[Host], role_services: dict[str, list[str]]) -> dict[str, str]:
    """DatabaseHost & co.: the first host whose role runs mariadb (rabbitmq, memcached)."""
    out = {}
    for service, parameter in SHARED:
        host = next((h for h in hosts if service in role_services[h.role]), None)
        if host is None:
            raise ConfigError(f"no host runs {service}: put a role that has it (Controller) "
                              f"in the inventory")
        out[parameter] = host.address
    return out


def _parser() -> configparser.RawConfigParser:
    """[DEFAULT] as a plain section: its options must not leak into [undercroft]."""
    parser = configparser.RawConfigParser(strict=False, default_section="__no_default__",
                                          interpolation=None)
    # keep the options' case: configparser's documented way, which typeshed declares a method
    parser.optionxform = str  # type: ignore[method-assign,assignment]
    return parser


def base_conf(path: Path | None) -> configparser.RawConfigParser:
    """The operator's undercloud.conf (checked by the normal loader first)."""
    parser = _parser()
    if path is not None:
        conf_loader.load(path)  # unknown options, bad values: the usual one-line errors
        parser.read(path)
    for section in ("DEFAULT", "undercroft"):
        if not parser.has_section(section):
            parser.add_section(section)
    return parser


def host_conf(base: configparser.RawConfigParser, host: Host, output_dir: str,
              env_names: list[str]) -> str:
    unknown = sorted(set(host.settings) - SETTINGS)
    if unknown:
        raise ConfigError(f"host {host.name}: undercroft_settings: unknown [undercroft] option "
                          f"{unknown[0]} (known: {', '.join(sorted(SETTINGS))})")
    conf = _parser()
    conf.read_dict({s: dict(base.items(s)) for s in base.sections()})
    conf.remove_option("DEFAULT", "hieradata_override")
    for key, value in (("local_ip", host.local_ip), ("undercloud_hostname", host.hostname),
                       ("output_dir", output_dir), ("roles_file", "roles.yaml"),
                       ("custom_env_files", ",".join(f"env/{n}" for n in env_names))):
        conf.set("DEFAULT", key, value)
    conf.set("undercroft", "role", host.role)
    for key, value in host.settings.items():
        conf.set("undercroft", key, str(value).lower() if isinstance(value, bool) else str(value))
    out = io.StringIO()
    out.write(f"# Generated by 'undercroft export ansible' for {host.name} (role {host.role}).\n")
    conf.write(out)
    return out.getvalue()


def env_sources(base_path: Path | None, base: configparser.RawConfigParser,
                extra: list[Path]) -> list[Path]:
    """The base conf's custom_env_files (relative to it) then the command line's."""
    listed = [e.strip() for e in base.get("DEFAULT", "custom_env_files", fallback="").split(",")
              if e.strip()]
    root = base_path.parent if base_path else Path.cwd()
    out = []
    for e in listed:
        p = Path(e).expanduser()
        out.append(p if p.is_absolute() else root / p)
    return out + list(extra)


def export(base_path: Path | None, roles_file: Path, env_files: list[Path], inventory: Path,
           output: Path) -> Exported:
    roles = load_roles(roles_file, TEMPLATES / "roles")
    role_services = {r.name: list(r.services) for r in roles}
    hosts = hosts_by_role(ansible_inventory(inventory), list(role_services), inventory)
    base = base_conf(base_path)
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    envs = [("00-cloud.yaml", yaml.safe_dump({"parameter_defaults": shared_addresses(hosts, role_services)},
                                             sort_keys=True))]
    for i, path in enumerate(env_sources(base_path, base, env_files), start=1):
        try:
            envs.append((f"{i:02d}-{path.name}", path.read_text()))
        except OSError as exc:
            raise ConfigError(f"environment file {path}: {exc.strerror}")
    roles_text = roles_file.read_text()
    hosts_dir = output / "hosts"
    if hosts_dir.exists():
        shutil.rmtree(hosts_dir)  # a host removed from the inventory leaves nothing behind
    hosts_dir.mkdir(mode=0o700)
    for h in hosts:
        d = hosts_dir / h.name
        d.mkdir(mode=0o700)
        (d / "env").mkdir(mode=0o700)
        (d / "roles.yaml").write_text(roles_text)
        for name, text in envs:
            (d / "env" / name).write_text(text)
    names = [n for n, _ in envs]
    master = output / "undercloud-passwords.yaml"
    # the cloud's secrets first (every host resolves the same, cloud-wide definitions),
    # so each host below renders with the values it will have
    passwords.ensure(master, secret_definitions(check_host(base, hosts[0], hosts_dir, names, output)),
                     persist=True)
    rendered = output / "rendered"
    if rendered.exists():
        shutil.rmtree(rendered)
    services: dict[str, list[str]] = {}
    for h in hosts:
        shutil.copy2(master, hosts_dir / h.name / master.name)
        dep = check_host(base, h, hosts_dir, names, output)
        services[h.name] = dep.services
        write_rendered(rendered / h.name, dep)
        # as the host will read it: its own undercroft_dir as output_dir
        write_atomic(hosts_dir / h.name / "undercloud.conf",
                     host_conf(base, h, h.vars.get("undercroft_dir", DEFAULT_DIR), names))
    write_inventory(output / "inventory.yaml", hosts, [r.name for r in roles])
    write_ansible_files(output, [r.name for r in roles])
    return Exported(output, hosts, services)


def check_host(base: configparser.RawConfigParser, h: Host, hosts_dir: Path, names: list[str],
               output: Path) -> deployment.Deployment:
    """Validate and render one host's deployment here, from its inputs with output_dir
    pointing at them (the conf's lines are the same as on the host, so errors name
    them). Nothing is persisted; state_dir is a scratch path that does not exist."""
    conf = hosts_dir / h.name / "undercloud.conf"
    write_atomic(conf, host_conf(base, h, str(hosts_dir / h.name), names))
    overrides = {"state_dir": str(output / "check" / h.name)}
    try:
        uc, tr = deployment.configure(conf, overrides)
        if validations.enabled(uc):  # the value checks install would make on the host
            validations.check_config(uc, tr).raise_if_failed()
        return deployment.load(conf, overrides)
    except ConfigError as exc:
        raise ConfigError(f"host {h.name} (role {h.role}): {exc.message}", detail=exc.detail,
                          hint=exc.hint)


def secret_definitions(dep: deployment.Deployment) -> dict:
    return {n: d for n, d in dep.resolved.definitions.items() if d.type == "secret"}


def write_rendered(root: Path, dep: deployment.Deployment) -> None:
    """Every config file each container of the host gets, for review before a deploy
    (``rendered/<host>/<container>/<path>``, 0600: they hold secrets). The hosts do not
    read these: each renders its own from the same inputs and templates."""
    root.mkdir(parents=True, mode=0o700)
    for c in dep.rendered.containers:
        for f in c.files:
            path = root / c.desired.name / f.dest.lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(path, f.content, 0o600)


def write_inventory(path: Path, hosts: list[Host], roles: list[str]) -> None:
    """The role groups' hosts with every variable Ansible resolved for them (group and
    host vars merged), so DIR runs on its own; paths in the variables must be absolute."""
    groups = {r: {"hosts": {h.name: h.vars for h in hosts if h.role == r}} for r in roles}
    write_atomic(path, "# Generated by 'undercroft export ansible' from the operator's inventory.\n"
                 + yaml.safe_dump({"all": {"children": groups}}, sort_keys=False), 0o600)


def playbook(roles: list[str]) -> list[dict]:
    hosts = ":".join(roles)
    command = ["{{ undercroft_bin | default('%s') }}" % (Path(sys.executable).parent / "undercroft"),
               "install", "--config", "{{ undercroft_dir | default('%s') }}/undercloud.conf" % DEFAULT_DIR]
    plays: list[dict] = [{
        "name": "Undercroft inputs",
        "hosts": hosts,
        "gather_facts": False,
        "tasks": [
            {"name": "inputs directory",
             "ansible.builtin.file": {"path": "{{ undercroft_dir | default('%s') }}" % DEFAULT_DIR,
                                      "state": "directory", "mode": "0700"}},
            {"name": "inputs (undercloud.conf, roles, environments, passwords)",
             "ansible.builtin.copy": {"src": "hosts/{{ inventory_hostname }}/",
                                      "dest": "{{ undercroft_dir | default('%s') }}/" % DEFAULT_DIR,
                                      "mode": "0600", "directory_mode": "0700"}},
        ]}]
    for step, name in deployment.STEP_NAMES.items():
        plays.append({
            "name": f"Step {step}: {name}",
            "hosts": hosts,
            "gather_facts": False,
            "any_errors_fatal": True,  # no host starts step N+1 while one failed step N
            "tasks": [{
                "name": f"undercroft install --step {step}",
                "ansible.builtin.command": {"argv": [*command, "--step", str(step)]},
                "environment": "{{ undercroft_environment | default({}) }}",
                "register": "converge",
                "changed_when": "'Nothing to do' not in converge.stdout",
            }]})
    return plays


def write_ansible_files(output: Path, roles: list[str]) -> None:
    header = ("# Generated by 'undercroft export ansible'. Run: ANSIBLE_CONFIG=ansible.cfg "
              "ansible-playbook deploy.yml\n")
    (output / "deploy.yml").write_text(header + yaml.safe_dump(playbook(roles), sort_keys=False))
    (output / "ansible.cfg").write_text(
        "[defaults]\n"
        "inventory = inventory.yaml\n"
        "callback_plugins = callback_plugins\n"
        "stdout_callback = undercroft\n"
        "forks = 20\n"
        "retry_files_enabled = false\n"
        "\n[ssh_connection]\n"
        "pipelining = true\n")
    shutil.copytree(FILES / "callback_plugins", output / "callback_plugins", dirs_exist_ok=True)
