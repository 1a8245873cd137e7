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

import ipaddress
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from undercroft.config import loader, old_file, options
from undercroft.config.translate import translate
from undercroft.errors import ConfigError
from undercroft.fileio import write_atomic
from undercroft.render import quoting

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

# instack-undercloud classic driver -> hardware type (None: no replacement; ironic removed
# the Cisco UCS and virtualbox/ssh ones, use ipmi with virtualbmc or redfish with sushy-tools).
DRIVER_TYPES = {
    "pxe_ipmitool": "ipmi", "agent_ipmitool": "ipmi", "pxe_ipmitool_socat": "ipmi",
    "agent_ipmitool_socat": "ipmi", "pxe_drac": "idrac", "agent_drac": "idrac",
    "pxe_ilo": "ilo", "iscsi_ilo": "ilo", "agent_ilo": "ilo", "pxe_irmc": "irmc",
    "iscsi_irmc": "irmc", "agent_irmc": "irmc", "pxe_snmp": "snmp", "fake": "fake-hardware",
    "fake_pxe": "fake-hardware", "fake_agent": "fake-hardware",
    "pxe_ucs": None, "agent_ucs": None, "pxe_iscsi_cimc": None, "pxe_agent_cimc": None,
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
    value: str = ""          # the value carried, or dropped ("(secret)" for passwords)
    why: str = ""            # why dropped, or how converted

    def text(self) -> str:
        at = f" (line {self.line})" if self.line else ""
        if self.new is None:
            was = f" = {self.value}" if self.value else ""
            return f"{self.old}{at}{was}: {self.why}"
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
    # information the migration would lose or change (old_file.Problem messages):
    # nothing is written unless the operator passes --force
    problems: list[str] = field(default_factory=list)
    # (section, option) of the new file -> the old file's line it comes from, so that a
    # message about the new file names the operator's file and line
    origin: dict[tuple[str, str], int | None] = field(default_factory=dict)

    def put(self, section: str, key: str, value: str, line: int | None) -> None:
        target = {"DEFAULT": self.default, "undercroft": self.undercroft}.get(section)
        if target is None:
            target = self.subnet_sections.setdefault(section, {})
        target[key] = value
        self.origin[(section, key)] = line

    def conf_lines(self, env_name: str | None) -> list[tuple[str, int | None]]:
        """The new file's lines, each with the old line it comes from (None: none)."""
        out: list[tuple[str, int | None]] = [
            (f"# Written by `undercroft config migrate` from {self.source}", None),
            (f"# ({self.era} era) on {time.strftime('%Y-%m-%d')}. Options not set here keep",
             None),
            ("# their defaults; see docs/undercloud-conf.md.", None), ("[DEFAULT]", None)]
        order = [o.dest for o in options.DEFAULT_OPTS]
        default = dict(self.default)
        if env_name:
            envs = [e for e in default.get("custom_env_files", "").split(",") if e.strip()]
            default["custom_env_files"] = ",".join([*envs, env_name])

        def assign(section, values):
            # quoted where oslo.config's strip-and-unquote would change the value on reading
            # it back; '$' stays as written (it was not interpolated in the old file either)
            return [(f"{k} = {quoting.option_file(v)}", self.origin.get((section, k)))
                    for k, v in values]

        out += assign("DEFAULT", sorted(default.items(), key=lambda kv: order.index(kv[0])
                                        if kv[0] in order else 999))
        for name, values in self.subnet_sections.items():
            if values:
                out += [("", None), (f"[{name}]", None)] + assign(name, values.items())
        if self.undercroft:
            out += [("", None), ("[undercroft]", None)] + assign("undercroft",
                                                                 self.undercroft.items())
        return out

    def conf_text(self, env_name: str | None) -> str:
        return "\n".join(text for text, _ in self.conf_lines(env_name)) + "\n"

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
    """Work out the new configuration, the report and the problems; nothing is written."""
    f = old_file.read(old)
    era = "instack-undercloud" if old_file.instack_era(f) else "tripleoclient"
    m = Migration(f.path, era, subnet_sections={s: {} for s in f.subnets},
                  problems=[p.message for p in f.problems])
    live = [e for e in f.entries if e.line not in f.dropped]
    m.report += [Line(e.label, e.line, None, e.shown, f.dropped[e.line])
                 for e in f.entries if e.line in f.dropped]
    default_keys = {e.key: e.line for e in live if e.group == "DEFAULT"}

    def subnet_set(name, key, e, why=""):
        section = m.subnet_sections.setdefault(name, {})
        if key in section:
            m.report.append(Line(e.label, e.line, None, e.shown,
                                 f"superseded by [{name}] {key} set in the file"))
            return
        m.put(name, key, e.value, e.line)
        m.report.append(Line(e.label, e.line, f"[{name}] {key}", e.value, why))

    # Subnet sections first: their own values win over [DEFAULT]'s old names.
    for e in live:
        if e.group in f.subnets:
            subnet_set(e.group, e.key, e, _renamed(e))
    current = {o.dest for o in options.DEFAULT_OPTS}
    renamed = {old_: o.dest for o in options.DEFAULT_OPTS
               for _, old_ in options.deprecated_names(o)}
    for e in live:
        if e.group == "DEFAULT":
            _default(m, e, current, renamed, default_keys, f.local_subnet, subnet_set)
        elif e.group == "auth":
            target, why = rule("auth", e.key)
            if target and e.value:
                param = target.split()[1]
                m.parameters[param] = e.value
                m.secret |= e.key not in NOT_SECRET
                shown = e.value if e.key in NOT_SECRET else "(secret)"
                m.report.append(Line(e.label, e.line, f"parameter {param} in {ENV_NAME}", shown))
            else:
                m.report.append(Line(e.label, e.line, None, e.shown, why if target is None
                                     else "empty"))
        elif e.group == "undercroft":
            m.put("undercroft", e.key, e.value, e.line)
            m.report.append(Line(e.label, e.line, f"[undercroft] {e.key}", e.value,
                                 _renamed(e)))
    _masquerade(m, f, default_keys)
    _hardware_types(m, f, default_keys)
    if era == "instack-undercloud":
        for key, (then, now) in INSTACK_DEFAULTS.items():
            if key not in default_keys:
                m.notes.append(f"{key} is not set: its default was {then} in "
                               f"instack-undercloud and is {now} now; set it to keep the old "
                               f"behaviour")
    m.report.sort(key=lambda r: (r.line or 10 ** 6))
    return m


def _renamed(e: old_file.Entry) -> str:
    return f"section [{e.section}] renamed" if (e.group or "").lower() != e.section.lower() else ""


def _default(m, e, current, renamed, default_keys, local, subnet_set):
    key, value, line, label = e.key, e.value, e.line, e.label
    if key in ("masquerade_network", "enabled_drivers", "enabled_hardware_types",
               "discovery_default_driver"):
        return  # handled once all values are known
    if key in options.SUBNET_DEPRECATED_DEFAULT:
        subnet_set(local, options.SUBNET_DEPRECATED_DEFAULT[key], e,
                   "moved into the local subnet")
        return
    if key in renamed:
        new = renamed[key]
        if new in default_keys:
            m.report.append(Line(label, line, None, e.shown, f"superseded by {new} (line "
                                                             f"{default_keys[new]})"))
        else:
            m.put("DEFAULT", new, value, line)
            m.report.append(Line(label, line, new, value, "renamed"))
        return
    if key not in current:
        m.report.append(Line(label, line, None, e.shown, rule("DEFAULT", key)[1]))
        return
    meaning = options.meaning("DEFAULT", key)
    if key == "roles_file" and _is_path(value):
        m.report.append(Line(label, line, None, value, "a tripleo-heat-templates roles file "
                             "does not apply; Undercroft bundles the Undercloud role (write an "
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
            m.report.append(Line(label, line, None, value, f"{p}: {why}"))
            return
        value = str(p)
    if key == "custom_env_files":
        kept = []
        for item in [x.strip() for x in value.split(",") if x.strip()]:
            p = Path(os.path.expanduser(item))
            p = p if p.is_absolute() else m.source.parent / p
            problem = _env_problem(p)
            if problem:
                m.report.append(Line(f"{label} {item}", line, None, why=problem))
            else:
                kept.append(str(p))
        if kept:
            m.put("DEFAULT", key, ",".join(kept), line)
            m.report.append(Line(label, line, key, ",".join(kept), "as absolute paths"))
        return
    if meaning.ignored:
        m.report.append(Line(label, line, None, e.shown,
                             f"no effect in Undercroft: {meaning.ignored}"))
        return
    m.put("DEFAULT", key, value, line)
    m.report.append(Line(label, line, key, value, _renamed(e)))


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


def _masquerade(m: Migration, f: old_file.OldFile, default_keys) -> None:
    """masquerade_network -> masquerade = true in the subnet with that cidr.

    instack-undercloud masqueraded 192.168.24.0/24 by default, so an instack-era file
    without the option keeps masquerading its default network.
    """
    if "masquerade_network" in default_keys:
        value, line = f.value("DEFAULT", "masquerade_network") or "", default_keys["masquerade_network"]
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
                m.put(name, "masquerade", "true", line)
                m.report.append(Line(label, line, f"[{name}] masquerade", "true",
                                     f"{why}; {value} is that subnet's cidr"))
            return
    if line:
        m.report.append(Line(label, line, None, value,
                             f"{value} is no subnet's cidr; set masquerade = true in the "
                             f"subnet to NAT"))


def _hardware_types(m: Migration, f: old_file.OldFile, default_keys) -> None:
    """Retired classic driver names (in enabled_hardware_types, discovery_default_driver or
    instack's enabled_drivers) become the hardware types that replaced them."""
    for key in ("enabled_hardware_types", "enabled_drivers", "discovery_default_driver"):
        if key not in default_keys:
            continue
        line, value = default_keys[key], f.value("DEFAULT", key) or ""
        label = next(e.label for e in f.entries if e.line == line)
        if key == "enabled_drivers" and "enabled_hardware_types" in default_keys:
            m.report.append(Line(label, line, None, value, "enabled_hardware_types is set"))
            continue
        new, changes = [], []
        for name in [x.strip() for x in value.split(",") if x.strip()]:
            hw = DRIVER_TYPES.get(name, name)
            if hw is None:
                changes.append(f"{name} dropped: retired from ironic with no replacement")
            elif hw not in new:
                new.append(hw)
            if hw and hw != name:
                changes.append(f"{name} -> {hw}")
        target = "enabled_hardware_types" if key == "enabled_drivers" else key
        if not new and (changes or key != "enabled_hardware_types"):
            m.report.append(Line(label, line, None, value, "; ".join(changes or ["empty"])
                                 + "; the default applies"))
            continue
        m.put("DEFAULT", target, ",".join(new), line)
        why = ("retired classic driver names replaced by hardware types: " + ", ".join(changes)
               if changes else "")
        m.report.append(Line(label, line, target, ",".join(new), why))


def check(m: Migration) -> list[str]:
    """Load and translate the new file in a scratch directory; return its warnings.

    A problem (the new file would not load) raises ConfigError naming it. Messages name
    the operator's old file and line, not the scratch copy (deleted on return).
    """
    from undercroft.config import validations
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "undercloud.conf"
        lines = m.conf_lines(ENV_NAME if m.parameters else None)
        conf.write_text("\n".join(text for text, _ in lines) + "\n")
        if m.parameters:
            (Path(tmp) / ENV_NAME).write_text(m.env_text())

        def mine(text: str) -> str:
            def at(match):
                n = int(match.group(1) or 0)
                old = lines[n - 1][1] if 0 < n <= len(lines) else None
                return f"{m.source}:{old}" if old else str(m.source)
            text = re.sub(re.escape(str(conf)) + r"(?::(\d+))?", at, text)
            return text.replace(str(conf.parent / ENV_NAME), ENV_NAME).replace(
                str(conf.parent), "(the migrated file's directory)")

        try:
            uc = loader.load(conf)
            tr = translate(uc)
        except ConfigError as exc:
            raise ConfigError(f"{mine(exc.message)} (the migrated file would not load; "
                              f"nothing was written)", detail=mine(exc.detail))
        return [mine(w) for w in list(tr.warnings) + validations.check_config(uc, tr).problems]


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
