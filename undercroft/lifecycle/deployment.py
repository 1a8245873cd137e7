"""One deployment, from undercloud.conf to a plan: the pipeline's stages wired together.

``Deployment.load`` is read-only (no host writes), so ``plan`` is a true dry run;
``install`` adds host prep, image builds, execution and the operator's credentials.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from undercroft.config import certificates, loader, passwords
from undercroft.config.facts import ConfigFacts, HostFacts
from undercroft.config.translate import Settings, Translated, translate, where
from undercroft.errors import ConfigError, DeployError, UndercroftError
from undercroft.images import catalog as image_catalog
from undercroft.images.builder import ImageBuilder
from undercroft.lifecycle import credentials, role_choice
from undercroft.lifecycle.materialize import (
    drop_previous_config, drop_stale_previous, keep_previous_config, remove_config_dir,
    restore_previous_config, write_config_dir,
)
from undercroft.model.loader import Catalog, load_catalog, load_environment, load_roles
from undercroft.model.schema import Role
from undercroft.plan import Plan, make_plan
from undercroft.render.endpoints import EndpointMap
from undercroft.render.parameters import (
    Resolved, check_role_parameters, definitions, enabled_services, resolve,
)
from undercroft.render.rendered import Rendered
from undercroft.render.services import Renderer, labels
from undercroft.report import Reporter
from undercroft.images import recipe
from undercroft.runtime import as_podman, for_settings, hostpackages, hostprep
from undercroft.runtime.executor import StepExecutor, UpdateExecutor
from undercroft.runtime.protocol import Runtime
from undercroft.state import records

if TYPE_CHECKING:  # pragma: no cover
    from undercroft.config import validations

# The command line's [undercroft] options (str, or True for a flag) and, under the key
# ROLE_CHOICE, deploy's role_choice.RoleChoice.
Overrides = Mapping[str, object]

STEP_NAMES = {1: "load balancer and VIPs", 2: "database, messaging and cache",
              3: "bootstrap (databases, schemas, keys)", 4: "services", 5: "post-deploy"}


@dataclass
class Deployment:
    translated: Translated
    catalog: Catalog
    services: list[str]
    resolved: Resolved
    images: dict[str, image_catalog.ImageDef]
    rendered: Rendered
    values: dict  # every value the templates saw, endpoint URLs included
    tls: certificates.PublicTLS | None = None
    endpoints: EndpointMap | None = None  # where each API is reached (the renderer's map)

    @property
    def settings(self) -> Settings:
        return self.translated.settings

    @property
    def database_passwords(self) -> tuple[tuple[str, str], ...]:
        """(database, its password parameter) of every enabled service: a takeover finds
        each database's password in the host's connection URLs."""
        return tuple((db.name, db.password) for n in self.services
                     for db in self.catalog.services[n].databases)

    @property
    def databases(self) -> tuple[str, ...]:
        """Every database the enabled services own (backup dumps, upgrade counts)."""
        return tuple(name for name, _ in self.database_passwords)

    @property
    def image_names(self) -> set[str]:
        return {c.desired.image.rsplit("/", 1)[1].split(":")[0] for c in self.rendered.containers}

    @property
    def needed_images(self) -> list[image_catalog.ImageDef]:
        return image_catalog.closure(self.images, self.image_names)

    def labels_for(self, d):
        return labels(d, self.settings.deployment_name)

    def by_name(self, name: str):
        return next(c for c in self.rendered.containers if c.desired.name == name)


def configure(config: str | Path | None, overrides: Overrides | None = None,
              upgrading: bool = False, facts: ConfigFacts | None = None,
              ) -> tuple[loader.UndercloudConf, Translated]:
    """undercloud.conf loaded and translated, with the command line's [undercroft] overrides.
    ``facts`` answers translate's questions about the host (None: this host).

    The runtime follows the deployment record: a deployment upgraded from baremetal (or
    being upgraded) runs containers over the data where it was; one installed with
    --baremetal stays on the host runtime for start, stop and plan. Otherwise
    undercloud.conf's ``[undercroft] baremetal`` decides.
    """
    uc = loader.load(config)
    overrides = dict(overrides or {})
    given = overrides.pop(ROLE_CHOICE, None)  # undercroft deploy's -r/-e
    if not isinstance(given, (role_choice.RoleChoice, type(None))):
        raise TypeError(f"overrides[{ROLE_CHOICE!r}]: a RoleChoice, not {given!r}")
    for key, value in overrides.items():
        uc.conf.set_override(key, value, group="undercroft")
    tr = with_role_choice(translate(uc, facts), given)
    installed = records.installed_release(tr.settings.state)
    if installed is not None and installed != tr.settings.release and "release" not in overrides \
            and not uc.is_set("undercroft", "release"):
        # the file does not name a release: the deployment keeps the one it runs, so a
        # new default release never turns a re-run into a major upgrade
        uc.conf.set_override("release", installed, group="undercroft")
        tr = with_role_choice(translate(uc, facts), given)
    check_release(uc, tr.settings, installed)
    record = records.load(tr.settings.state)
    if upgrading or record.layout == "host":
        layout = dataclasses.replace(tr.settings, baremetal=False, host_layout=True)
    elif record.runtime == "baremetal":
        layout = dataclasses.replace(tr.settings, baremetal=True)
    else:
        return uc, tr
    return uc, dataclasses.replace(tr, settings=layout)


def check_release(uc: loader.UndercloudConf, settings: Settings, installed: str | None) -> None:
    """A deployment keeps the release it was installed with (``installed``, None before
    its first install): images of another release over its databases would be an
    unplanned major upgrade."""
    if installed is not None and installed != settings.release:
        raise ConfigError(
            f"{where(uc, 'undercroft', 'release', settings.release)}: the undercloud of "
            f"{settings.state_dir} runs OpenStack {installed}, not {settings.release}",
            hint=f"set release = {installed} in [undercroft] to manage it; Undercroft does "
                 f"not move an undercloud to another release yet (a fresh state_dir, "
                 f"data_root and deployment_name install {settings.release} beside it)")


ROLE_CHOICE = "role_choice"  # the overrides key for a RoleChoice (see role_choice.py)


def with_role_choice(tr: Translated, given: role_choice.RoleChoice | None) -> Translated:
    """Apply ``deploy``'s role and environment files: the ones given now, else the ones
    the last ``deploy`` recorded."""
    choice = given if given is not None else role_choice.load(tr.settings.state)
    if choice.empty:
        return tr
    s = tr.settings
    return dataclasses.replace(tr, settings=dataclasses.replace(
        s, roles_file=choice.roles_file or s.roles_file, env_files=s.env_files + choice.env_files))


def settings(config: str | Path | None, overrides: Overrides | None = None) -> Settings:
    """Only the deployment's settings (paths, namespace, name): no templates rendered."""
    return configure(config, overrides)[1].settings


def validate(config: str | Path | None, overrides: Overrides | None = None,
             host: HostFacts | None = None) -> "validations.Findings":
    """Every problem install would refuse, from every stage at once: the configuration's
    own checks, the templates and parameters it leads to, and with ``host`` (HostFacts)
    the host checks. Nothing is written (secrets are generated in memory)."""
    from undercroft.config import validations

    findings = validations.Findings()
    try:
        uc, tr = configure(config, overrides)
    except ConfigError as err:  # the file itself: nothing further can be checked
        findings.problems += [err.message, *filter(None, err.detail.splitlines())]
        return findings
    findings.extend(validations.check_config(uc, tr))
    try:
        held = Reporter(quiet=True)
        dep = load(config, overrides, reporter=held)
    except UndercroftError as err:
        findings.problems += [err.message, *filter(None, err.detail.splitlines())]
        return findings
    if host is not None and dep.services:
        findings.extend(validations.check_host(uc, tr, host, dep.rendered.ports))
    return findings


def load(config: str | Path | None, overrides: Overrides | None = None,
         reporter: Reporter | None = None, persist_secrets: bool = False,
         upgrading: bool = False, facts: ConfigFacts | None = None) -> Deployment:
    reporter = reporter or Reporter(quiet=True)
    _, tr = configure(config, overrides, upgrading, facts)
    cat = load_catalog()
    role_path = cat.role_path(tr.settings.roles_file)
    roles = load_roles(role_path, cat.root / "roles")
    role = pick_role(roles, tr.settings.role, role_path)
    for r in roles:
        check_role_parameters(r, role_path, cat.parameters, cat.services)
    envs = [(p, load_environment(p)) for p in tr.settings.env_files]

    def enabled(r: Role) -> list[str]:
        return enabled_services(r, envs, cat.services, role_path, conf_disabled=tr.disabled_services)
    names = enabled(role)
    cloud = list(dict.fromkeys(n for r in roles for n in enabled(r)))  # every host's services
    svcs = [cat.services[n] for n in names]
    cloud_svcs = [cat.services[n] for n in cloud]
    # parameters of the whole cloud: a Compute host renders rabbitmq's credentials and
    # keystone's URLs without running either
    defs = definitions(cat.parameters, cloud_svcs)
    resolved = resolve(defs, tr.parameters, tr.sources, envs,
                       lambda wanted: passwords.ensure(tr.settings.passwords_file, wanted,
                                                       persist=persist_secrets),
                       reporter.warn, role=(role_path, role))
    tls = public_tls(tr.settings, resolved.values, names, persist_secrets)
    images = image_catalog.load(tr.settings.debian_mirror, package_epoch=package_epoch(tr.settings),
                                release=tr.settings.release)
    refs = {name: img.ref for name, img in images.items()}
    values = dict(resolved.values, PublicTLSCertificatePem=tls.pem if tls else "")
    renderer = Renderer(tr.settings, values, resolved.secret_names, refs)
    rendered = renderer.render(svcs, cloud_svcs)
    return Deployment(tr, cat, names, resolved, images, rendered, renderer.values, tls,
                      renderer.endpoints)


def pick_role(roles: list[Role], wanted: str, role_path: Path) -> Role:
    """The role this host runs: ``[undercroft] role``, or the file's only role."""
    if wanted:
        for r in roles:
            if r.name == wanted:
                return r
        raise ConfigError(f"[undercroft] role = {wanted}: {role_path} has no such role "
                          f"(it has {', '.join(r.name for r in roles)})")
    if len(roles) > 1:
        raise ConfigError(f"{role_path} lists {len(roles)} roles "
                          f"({', '.join(r.name for r in roles)}): set [undercroft] role to the "
                          f"one this host runs, or deploy them with --inventory")
    return roles[0]


def package_epoch(settings: Settings) -> str:
    """The last ``update --refresh-packages`` (in state_dir), part of every image tag."""
    try:
        return settings.state.package_epoch.read_text().strip()
    except OSError:
        return ""


def refresh_packages(settings: Settings) -> str:
    epoch = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    settings.state.ensure()
    settings.state.package_epoch.write_text(epoch + "\n")
    return epoch


def record_runtime(settings: Settings) -> None:
    """Keep the runtime and data layout being converged in the deployment record, so later
    commands (start, stop, plan, update) use them without being told again."""
    records.update(settings.state, runtime="baremetal" if settings.baremetal else "containers",
                   layout="host" if settings.host_layout else "data_root",
                   release=settings.release)


def public_tls(settings: Settings, values: Mapping, services: list[str],
               persist: bool) -> certificates.PublicTLS | None:
    """haproxy's certificate: the operator's, or one from the local CA (made once)."""
    mode = str(values.get("PublicTLSMode", "off"))
    if "haproxy" not in services or mode == "off":
        return None
    if values.get("SSLCertificate") and values.get("SSLKey"):
        return certificates.given(str(values["SSLCertificate"]), str(values["SSLKey"]))
    names = [str(values.get(k) or "") for k in ("CloudName", "AdminHost", "UndercloudHostname")]
    for fixed in ("PublicVirtualFixedIPs", "ControlFixedIPs"):
        names += [str(ip.get("ip_address", "")) for ip in values.get(fixed) or []
                  if isinstance(ip, dict)]
    return certificates.generated(settings.state.tls, [n for n in names if n], persist)


def runtime_for(settings: Settings) -> Runtime:
    """The runtime ``settings`` ask for: podman, or host processes (baremetal). The CLI
    gets it here and hands it to the use-cases; it does not import runtime itself."""
    return for_settings(settings)


def compute_plan(dep: Deployment, runtime: Runtime) -> Plan:
    return make_plan(dep.rendered.desired, runtime.containers(dep.settings.deployment_name))


def print_plan(plan: Plan, reporter: Reporter, verbose: bool = True) -> None:
    for a in plan.actions:
        if verbose or a.kind.writes:
            reporter.line(a.kind.value if a.kind.writes else "keep", a.name,
                          f"[{a.service}, step {a.step}] {a.reason}")
    reporter.info(f"Plan: {plan.summary()}")


def converge(dep: Deployment, runtime: Runtime, reporter: Reporter, executor: StepExecutor,
              build_images: bool = True, steps: frozenset[int] | None = None) -> tuple[Plan, list[Path]]:
    """What install, update and upgrade share: host prep, images, plan, execution, credentials."""
    s = dep.settings
    hostprep.prepare(s, dep.rendered.host_dirs, reporter)
    record_runtime(s)
    if s.baremetal:
        reporter.phase("Host packages (baremetal)")
        hostpackages.install(recipe.for_images(dep.images, dep.image_names), s.state, reporter)
        hostpackages.run_setup([(n, cmd) for n in dep.services
                                for cmd in dep.catalog.services[n].baremetal.setup], reporter)
    else:  # containers: their images are podman's
        podman = as_podman(runtime, "a containerized deployment's images")
        if build_images:
            builder = ImageBuilder(podman, reporter, s.state.build, s.debian_mirror)
            builder.ensure(dep.needed_images)
        else:
            refs = podman.image_refs(image_catalog.REPO)
            missing = [i.ref for i in dep.needed_images if i.ref not in refs]
            if missing:
                raise DeployError(f"images missing: {', '.join(missing)}",
                                  hint="run 'undercroft images build' first")
    plan = compute_plan(dep, runtime)
    if steps is not None:
        plan = plan.only_steps(steps)
    reporter.phase("Plan")
    print_plan(plan, reporter, verbose=False)
    executor.execute(plan, STEP_NAMES)
    for a in plan.removals():
        remove_config_dir(s.state, a.name)
    for name in drop_stale_previous(s.state):
        reporter.line("remove", name, "kept config of an interrupted update")
    written = credentials.write(s.output_dir, dep.values, dep.tls.ca_pem if dep.tls else "")
    return plan, written


def _write_config(dep: Deployment):
    return lambda d: write_config_dir(dep.by_name(d.name))


def update(dep: Deployment, runtime: Runtime, reporter: Reporter) -> Plan:
    """Minor update: rebuild changed images, then recreate only what changed, one
    container at a time, each gated on its healthcheck with rollback (UpdateExecutor)."""
    t0 = time.monotonic()
    s = dep.settings
    reporter.event("update_start", deployment=s.deployment_name)
    executor = UpdateExecutor(
        runtime, reporter, dep.labels_for, before_start=_write_config(dep),
        keep_config=lambda n: keep_previous_config(s.state, n),
        restore_config=lambda n: restore_previous_config(s.state, n),
        drop_config=lambda n: drop_previous_config(s.state, n))
    plan, _ = converge(dep, runtime, reporter, executor)
    took = time.monotonic() - t0
    reporter.event("update_done", seconds=round(took, 2), writes=len(plan.writes))
    reporter.phase("Summary")
    reporter.info(f"Updated in {took:.1f}s: {plan.summary()}." if plan.writes
                  else f"Nothing to update: {len(plan.unchanged)} containers unchanged.")
    return plan


def install(dep: Deployment, runtime: Runtime, reporter: Reporter, build_images: bool = True,
            steps: frozenset[int] | None = None) -> Plan:
    t0 = time.monotonic()
    s = dep.settings
    reporter.event("install_start", deployment=s.deployment_name, services=dep.services)
    executor = StepExecutor(runtime, reporter, dep.labels_for, before_start=_write_config(dep))
    plan, written = converge(dep, runtime, reporter, executor, build_images, steps)
    took = time.monotonic() - t0
    reporter.event("install_done", seconds=round(took, 2), writes=len(plan.writes),
                   unchanged=len(plan.unchanged))
    reporter.phase("Summary")
    if not plan.writes:
        reporter.info(f"Nothing to do: {len(plan.unchanged)} containers unchanged ({took:.1f}s).")
    else:
        reporter.info(f"Undercloud deployed in {took:.1f}s: {plan.summary()}.")
    reporter.info(f"Credentials: {written[0]} and the '{credentials.CLOUD_NAME}' cloud in {written[1]}")
    if s.network_namespace:
        reporter.info(f"Services listen inside network namespace '{s.network_namespace}': "
                      f"ip netns exec {s.network_namespace} openstack --os-cloud undercloud token issue")
    return plan
