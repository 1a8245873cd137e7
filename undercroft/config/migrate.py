"""``undercroft config migrate``: an old undercloud.conf -> a clean one (+ an environment file).

Reads a file written for instack-undercloud (the non-containerized installer) or for
python-tripleoclient's containerized undercloud and writes:

- a new undercloud.conf with current option names only: deprecated names renamed,
  ``[DEFAULT]`` subnet options moved into the local subnet's section,
  ``masquerade_network`` turned into ``masquerade = true``, classic drivers turned into
  hardware types, options without effect here dropped;
- an environment file for what has no option: the ``[auth]`` passwords of
  instack-undercloud, as ``parameter_defaults`` (mode 0600);
- a report: every old option -> its new option or parameter with the value carried, or
  why it was dropped.

The new file is loaded and translated before anything is written; existing files are
only replaced with ``force`` and a backup is kept. ``RULES``/``rule`` are also the source
of the option-by-option table in docs/migration.md.
"""
from __future__ import annotations

import difflib
import ipaddress
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from undercroft.config import loader, options
from undercroft.config.translate import translate
from undercroft.errors import ConfigError
from undercroft.fileio import write_atomic

ENV_NAME = "undercloud-migrated-env.yaml"

# instack-undercloud [auth] option -> parameter (tripleo-heat-templates names), or None
# with the reason it is dropped.
AUTH_PARAMETERS: dict[str, str | tuple[None, str]] = {
    "undercloud_db_password": "MysqlRootPassword",
    "undercloud_admin_token": (None, "keystone's admin token is gone; bootstrap uses "
                                     "AdminPassword"),
    "undercloud_admin_password": "AdminPassword",
    "undercloud_glance_password": "GlancePassword",
    "undercloud_heat_encryption_key": "HeatAuthEncryptionKey",
    "undercloud_heat_password": "HeatPassword",
    "undercloud_heat_cfn_password": (None, "heat-api-cfn uses the heat service user "
                                           "(HeatPassword)"),
    "undercloud_neutron_password": "NeutronPassword",
    "undercloud_nova_password": "NovaPassword",
    "undercloud_ironic_password": "IronicPassword",
    "undercloud_aodh_password": "AodhPassword",
    "undercloud_gnocchi_password": "GnocchiPassword",
    "undercloud_ceilometer_password": "CeilometerPassword",
    "undercloud_panko_password": "PankoPassword",
    "undercloud_ceilometer_metering_secret": "CeilometerMeteringSecret",
    "undercloud_ceilometer_snmpd_user": "SnmpdReadonlyUserName",
    "undercloud_ceilometer_snmpd_password": "SnmpdReadonlyUserPassword",
    "undercloud_swift_password": "SwiftPassword",
    "undercloud_mistral_password": "MistralPassword",
    "undercloud_rabbit_cookie": "RabbitCookie",
    "undercloud_rabbit_password": "RabbitPassword",
    "undercloud_rabbit_username": (None, "Undercroft names its RabbitMQ user itself "
                                         "(RabbitUserName, default 'undercloud'); the queue "
                                         "holds no data to keep"),
    "undercloud_heat_stack_domain_admin_password": "HeatStackDomainAdminPassword",
    "undercloud_swift_hash_suffix": "SwiftHashSuffix",
    "undercloud_haproxy_stats_password": "HAProxyStatsPassword",
    "undercloud_zaqar_password": "ZaqarPassword",
    "undercloud_horizon_secret_key": (None, "there is no horizon on the undercloud"),
    "undercloud_cinder_password": "CinderPassword",
    "undercloud_novajoin_password": "NovajoinPassword",
}
NOT_SECRET = {"undercloud_ceilometer_snmpd_user"}

# instack-undercloud classic driver -> hardware type (None: no replacement).
DRIVER_TYPES = {
    "pxe_ipmitool": "ipmi", "agent_ipmitool": "ipmi", "pxe_ipmitool_socat": "ipmi",
    "agent_ipmitool_socat": "ipmi", "pxe_drac": "idrac", "agent_drac": "idrac",
    "pxe_ilo": "ilo", "iscsi_ilo": "ilo", "agent_ilo": "ilo", "pxe_irmc": "irmc",
    "iscsi_irmc": "irmc", "agent_irmc": "irmc", "pxe_ucs": "cisco-ucs-managed",
    "agent_ucs": "cisco-ucs-managed", "pxe_iscsi_cimc": "cisco-ucs-standalone",
    "pxe_agent_cimc": "cisco-ucs-standalone", "pxe_snmp": "snmp", "fake": "fake-hardware",
    "fake_pxe": "fake-hardware", "fake_agent": "fake-hardware",
    "pxe_ssh": None, "agent_ssh": None, "pxe_vbox": None, "agent_vbox": None,
}
# Defaults that changed since instack-undercloud (noted when the old file does not set them).
INSTACK_DEFAULTS = {
    "enable_telemetry": ("true", "false"),
    "undercloud_update_packages": ("true", "false (and it has no effect)"),
    "generate_service_certificate": ("false (before Queens)", "true"),
}


@dataclass
class Line:
    """One line of the report."""

    old: str                 # "[DEFAULT] network_cidr"
    line: int | None
    new: str | None          # "[ctlplane-subnet] cidr", "parameter AdminPassword", None
    value: str = ""          # carried value ("(secret)" for passwords)
    why: str = ""            # why dropped, or how converted

    def text(self) -> str:
        at = f" (line {self.line})" if self.line else ""
        if self.new is None:
            return f"{self.old}{at}: {self.why}"
        how = f" ({self.why})" if self.why else ""
        return f"{self.old}{at} -> {self.new} = {self.value}{how}"


@dataclass
class Migration:
    source: Path
    era: str                                   # "instack-undercloud" | "tripleoclient"
    default: dict[str, str] = field(default_factory=dict)
    subnet_sections: dict[str, dict[str, str]] = field(default_factory=dict)
    undercroft: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    secret: bool = False
    report: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def conf_text(self, env_name: str | None) -> str:
        out = [f"# Written by `undercroft config migrate` from {self.source}",
               f"# ({self.era} era) on {time.strftime('%Y-%m-%d')}. Options not set here keep",
               "# their defaults; see docs/undercloud-conf.md.", "[DEFAULT]"]
        order = [o.dest for o in options.DEFAULT_OPTS]
        default = dict(self.default)
        if env_name:
            envs = [e for e in default.get("custom_env_files", "").split(",") if e.strip()]
            default["custom_env_files"] = ",".join([*envs, env_name])
        for key in sorted(default, key=lambda k: order.index(k) if k in order else 999):
            out.append(f"{key} = {default[key]}")
        for name, values in self.subnet_sections.items():
            if values:
                out += ["", f"[{name}]"] + [f"{k} = {v}" for k, v in values.items()]
        if self.undercroft:
            out += ["", "[undercroft]"] + [f"{k} = {v}" for k, v in self.undercroft.items()]
        return "\n".join(out) + "\n"

    def env_text(self) -> str:
        head = ("# Written by `undercroft config migrate`: values of the old undercloud.conf "
                "that have no\n# option. Keep it private (passwords).\n")
        return head + yaml.safe_dump({"parameter_defaults": dict(self.parameters)},
                                     default_flow_style=False, sort_keys=True)


def rule(section: str, key: str) -> tuple[str | None, str]:
    """(new place, how) for one old option, without looking at values (docs table).

    ``section`` is "DEFAULT", "auth" or "subnet".
    """
    if section == "auth":
        target = AUTH_PARAMETERS.get(key)
        if isinstance(target, str):
            return f"parameter {target}", "carried into the environment file"
        if isinstance(target, tuple):
            return None, target[1]
        return None, "unknown [auth] option"
    if section == "subnet":
        if key in options.SUBNET_OPTION_NAMES:
            return f"[<subnet>] {key}", "carried"
        return None, "unknown subnet option"
    for opt in options.DEFAULT_OPTS:
        if key == opt.dest:
            m = options.meaning("DEFAULT", key)
            if key == "roles_file":
                return key, "carried when it names a bundled role; a file path is dropped " \
                            "(tripleo-heat-templates roles files do not apply)"
            if key == "custom_env_files":
                return key, "carried as absolute paths when each file loads as an " \
                            "Undercroft environment file"
            if key == "hieradata_override":
                return key, "carried when it is a heat environment file; hieradata is " \
                            "dropped (there is no puppet)"
            if m.ignored:
                return None, f"no effect in Undercroft: {m.ignored}"
            return key, "carried"
        for _, old in options.deprecated_names(opt):
            if key == old:
                return opt.dest, "renamed"
    if key in options.SUBNET_DEPRECATED_DEFAULT:
        return f"[<local_subnet>] {options.SUBNET_DEPRECATED_DEFAULT[key]}", "moved"
    if key == "masquerade_network":
        return "[<subnet>] masquerade = true", "in the subnet whose cidr it names"
    if key == "enabled_drivers":
        return "enabled_hardware_types", "classic drivers converted to hardware types " \
                                         "(pxe_ipmitool -> ipmi, pxe_drac -> idrac, ...)"
    for opt in options.INSTACK_OPTS:
        if key == opt.dest:
            return None, options.meaning("DEFAULT", key).ignored
    return None, "unknown option"


def _is_path(value: str) -> bool:
    return "/" in value or value.endswith((".yaml", ".yml"))


def build(old: Path) -> Migration:
    """Work out the new configuration and the report; nothing is written."""
    old = Path(old).expanduser().resolve()
    if not old.is_file():
        raise ConfigError(f"{old}: file not found; give the path of the old undercloud.conf")
    entries = loader.scan(old)  # refuses a value continued on an indented line
    raw = loader.raw_values(old)
    val = lambda s, k: raw.get((s, k), "")  # noqa: E731
    default_keys = {k: n for s, k, n in entries if s == "DEFAULT"}
    subnets = [s.strip() for s in val("DEFAULT", "subnets").split(",") if s.strip()] \
        if "subnets" in default_keys else [options.LOCAL_SUBNET_DEFAULT]
    local = val("DEFAULT", "local_subnet") or options.LOCAL_SUBNET_DEFAULT
    instack_keys = set(options.SUBNET_DEPRECATED_DEFAULT) | {o.dest for o in options.INSTACK_OPTS}
    instack_keys |= {"discovery_interface", "discovery_runbench", "ipxe_deploy"}
    era = "instack-undercloud" if (instack_keys & set(default_keys)) or any(
        s == "auth" for s, _, _ in entries) else "tripleoclient"
    m = Migration(old, era, subnet_sections={s: {} for s in subnets})
    by_lower = {s.lower(): s for s in subnets}

    def subnet_set(name, key, value, line, old_label, why=""):
        section = m.subnet_sections.setdefault(name, {})
        if key in section:
            m.report.append(Line(old_label, line, None,
                                 why=f"superseded by [{name}] {key} set in the file"))
            return
        section[key] = value
        m.report.append(Line(old_label, line, f"[{name}] {key}", value, why))

    # Subnet sections first: their own values win over [DEFAULT]'s old names.
    for section, key, line in entries:
        name = by_lower.get(section.lower()) if section not in ("DEFAULT", "auth") else None
        if name is None:
            continue
        label = f"[{section}] {key}"
        if key in options.SUBNET_OPTION_NAMES:
            subnet_set(name, key, val(section, key), line, label)
        else:
            hint = difflib.get_close_matches(key, options.SUBNET_OPTION_NAMES, n=1)
            m.report.append(Line(label, line, None, why="unknown subnet option"
                                 + (f" (did you mean '{hint[0]}'?)" if hint else "")))

    current = {o.dest for o in options.DEFAULT_OPTS}
    renamed = {old_: o.dest for o in options.DEFAULT_OPTS
               for _, old_ in options.deprecated_names(o)}
    for section, key, line in entries:
        label = f"[{section}] {key}"
        value = val(section, key)
        if section == "DEFAULT":
            _default(m, key, value, line, label, current, renamed, default_keys, local,
                      subnet_set, old)
        elif section == "auth":
            target, why = rule("auth", key)
            if target and value:
                param = target.split()[1]
                m.parameters[param] = value
                m.secret |= key not in NOT_SECRET
                shown = value if key in NOT_SECRET else "(secret)"
                m.report.append(Line(label, line, f"parameter {param} in {ENV_NAME}", shown))
            else:
                m.report.append(Line(label, line, None, why=why if not target else "empty"))
        elif section.lower() == "undercroft":
            known = {o.dest for o in options.UNDERCROFT_OPTS}
            if key in known:
                m.undercroft[key] = value
                m.report.append(Line(label, line, f"[undercroft] {key}", value))
            else:
                m.report.append(Line(label, line, None, why="unknown [undercroft] option"))
        elif section.lower() not in by_lower:
            m.report.append(Line(label, line, None,
                                 why=f"section [{section}] is not a subnet listed in subnets"))
    _masquerade(m, default_keys, local, raw)
    _drivers(m, raw, default_keys)
    if era == "instack-undercloud":
        for key, (then, now) in INSTACK_DEFAULTS.items():
            if key not in default_keys:
                m.notes.append(f"{key} is not set: its default was {then} in "
                               f"instack-undercloud and is {now} now; set it to keep the old "
                               f"behaviour")
    m.report.sort(key=lambda r: (r.line or 10 ** 6))
    return m


def _default(m, key, value, line, label, current, renamed, default_keys, local, subnet_set,
             old: Path):
    if key in ("masquerade_network", "enabled_drivers"):
        return  # handled once all values are known
    if key in options.SUBNET_DEPRECATED_DEFAULT:
        subnet_set(local, options.SUBNET_DEPRECATED_DEFAULT[key], value, line, label,
                   "moved into the local subnet")
        return
    if key in renamed:
        new = renamed[key]
        if new in default_keys:
            m.report.append(Line(label, line, None, why=f"superseded by {new} (line "
                                                        f"{default_keys[new]})"))
        else:
            m.default[new] = value
            m.report.append(Line(label, line, new, value, "renamed"))
        return
    if key not in current:
        target, why = rule("DEFAULT", key)
        hint = difflib.get_close_matches(key, sorted(current), n=1) if why == "unknown option" \
            else []
        m.report.append(Line(label, line, None,
                             why=why + (f" (did you mean '{hint[0]}'?)" if hint else "")))
        return
    meaning = options.meaning("DEFAULT", key)
    if key == "roles_file" and _is_path(value):
        m.report.append(Line(label, line, None, why="a tripleo-heat-templates roles file does "
                             "not apply; Undercroft bundles the Undercloud role (write an "
                             "Undercroft role file if you need another, docs/templates.md)"))
        return
    if key == "hieradata_override" and value:
        p = Path(os.path.expanduser(value))
        p = p if p.is_absolute() else Path.home() / p
        data = _yaml(p)
        if not isinstance(data, dict) or "parameter_defaults" not in data:
            why = "file not found" if data is _MISSING else (
                "it holds hieradata, which has no effect (there is no puppet); put the "
                "equivalent parameters in an environment file")
            m.report.append(Line(label, line, None, why=f"{p}: {why}"))
            return
        value = str(p)
    if key == "custom_env_files":
        kept = []
        for item in [x.strip() for x in value.split(",") if x.strip()]:
            p = Path(os.path.expanduser(item))
            p = p if p.is_absolute() else old.parent / p
            problem = _env_problem(p)
            if problem:
                m.report.append(Line(f"{label} {item}", line, None, why=problem))
            else:
                kept.append(str(p))
        if kept:
            m.default[key] = ",".join(kept)
            m.report.append(Line(label, line, key, ",".join(kept), "as absolute paths"))
        return
    if meaning.ignored:
        m.report.append(Line(label, line, None, why=f"no effect in Undercroft: {meaning.ignored}"))
        return
    m.default[key] = value
    m.report.append(Line(label, line, key, value))


_MISSING = object()


def _yaml(p: Path):
    if not p.is_file():
        return _MISSING
    try:
        return yaml.safe_load(p.read_text())
    except yaml.YAMLError:
        return None


def _env_problem(p: Path) -> str:
    from undercroft.model.loader import load_environment  # the templates' own schema
    if not p.is_file():
        return f"{p} not found"
    try:
        load_environment(p)
    except ConfigError as exc:
        return f"{p} is not an Undercroft environment file ({exc.message}); rewrite it " \
               f"(parameter_defaults, enable_services, disable_services)"
    return ""


def _masquerade(m: Migration, default_keys, local, raw) -> None:
    """masquerade_network -> masquerade = true in the subnet with that cidr.

    instack-undercloud masqueraded 192.168.24.0/24 by default, so an instack-era file
    without the option keeps masquerading its default network.
    """
    if "masquerade_network" in default_keys:
        value, line = raw[("DEFAULT", "masquerade_network")], default_keys["masquerade_network"]
        why = "instack-undercloud option"
    elif m.era == "instack-undercloud":
        value, line, why = "192.168.24.0/24", None, "instack-undercloud's default"
    else:
        return
    label = "[DEFAULT] masquerade_network" + ("" if line else " (unset)")
    if not value.strip():
        m.report.append(Line(label, line, None, why="empty: nothing masqueraded"))
        return
    for name, section in m.subnet_sections.items():
        cidr = section.get("cidr", "192.168.24.0/24")
        try:
            same = ipaddress.ip_network(value.strip(), strict=False) == \
                ipaddress.ip_network(cidr.strip(), strict=False)
        except ValueError:
            same = False
        if same:
            if "masquerade" not in section:
                section["masquerade"] = "true"
                m.report.append(Line(label, line, f"[{name}] masquerade", "true",
                                     f"{why}; {value} is that subnet's cidr"))
            return
    if line:
        m.report.append(Line(label, line, None,
                             why=f"{value} is no subnet's cidr; set masquerade = true in the "
                                 f"subnet to NAT"))


def _drivers(m: Migration, raw, default_keys) -> None:
    if "enabled_drivers" not in default_keys:
        return
    line = default_keys["enabled_drivers"]
    label = "[DEFAULT] enabled_drivers"
    if "enabled_hardware_types" in default_keys:
        m.report.append(Line(label, line, None, why="enabled_hardware_types is set"))
        return
    types_, gone = [], []
    for d in [x.strip() for x in raw[("DEFAULT", "enabled_drivers")].split(",") if x.strip()]:
        t = DRIVER_TYPES.get(d, d if d in ("ipmi", "redfish", "idrac", "ilo") else None)
        if t is None:
            gone.append(d)
        elif t not in types_:
            types_.append(t)
    if not types_:
        m.report.append(Line(label, line, None, why=f"no hardware type replaces "
                                                    f"{', '.join(gone)}; the default list applies"))
        return
    m.default["enabled_hardware_types"] = ",".join(types_)
    extra = f"; {', '.join(gone)} dropped (removed from ironic)" if gone else ""
    m.report.append(Line(label, line, "enabled_hardware_types", ",".join(types_),
                         f"classic drivers converted to hardware types{extra}"))


def check(m: Migration) -> list[str]:
    """Load and translate the new file in a scratch directory; return its warnings.

    A problem (the new file would not load) raises ConfigError naming it.
    """
    from undercroft.config import validations
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "undercloud.conf"
        conf.write_text(m.conf_text(ENV_NAME if m.parameters else None))
        if m.parameters:
            (Path(tmp) / ENV_NAME).write_text(m.env_text())
        try:
            uc = loader.load(conf)
            tr = translate(uc)
        except ConfigError as exc:
            raise ConfigError(f"the migrated file would not load: {exc.message}",
                              detail=exc.detail,
                              hint="fix the old file (or this one after writing it by hand)")
        return [w.replace(str(conf), "new file") for w in
                list(tr.warnings) + validations.check_config(uc, tr).problems]


def write(m: Migration, output: Path, force: bool = False) -> tuple[list[Path], list[Path]]:
    """Write the new file (and the environment file); returns (written, backups)."""
    output = Path(output).expanduser().resolve()
    targets = {output: m.conf_text(ENV_NAME if m.parameters else None)}
    if m.parameters:
        targets[output.parent / ENV_NAME] = m.env_text()
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        raise ConfigError(f"{existing[0]} exists; pass --force to replace it (a backup is "
                          f"kept) or choose another --output")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backups = []
    for p in existing:
        b = p.with_name(f"{p.name}.{stamp}.bak")
        shutil.copy2(p, b)
        backups.append(b)
    output.parent.mkdir(parents=True, exist_ok=True)
    for p, text in targets.items():
        write_atomic(p, text, 0o600 if (p.name == ENV_NAME and m.secret) else 0o644)
    return list(targets), backups
