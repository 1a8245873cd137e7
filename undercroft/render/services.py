"""Render enabled service templates into desired containers plus the files they read.

Config files are Jinja2 (StrictUndefined: a missing parameter is an error naming the
template). Each container gets its own config directory on the host, mounted read-only
at /var/lib/undercroft/config and copied into place by the image's entrypoint.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import posixpath
from pathlib import Path
from typing import Any, Mapping, Sequence

import jinja2

from undercroft.config.releases import DEFAULT as DEFAULT_RELEASE
from undercroft.config import hardware as ironic_hardware
from undercroft.config.translate import Settings
from undercroft.errors import ConfigError
from undercroft.model.loader import TEMPLATES
from undercroft.model.schema import (PORT_BINDS, ConfigFile, ContainerTemplate, Port,
                                     ServiceTemplate, catalog_ports)
from undercroft.plan.hashing import digest, short
from undercroft.plan.model import DesiredContainer, labels  # noqa: F401 (labels re-exported)
from undercroft.render import quoting
from undercroft.render.databases import client_files, database_container
from undercroft.render.endpoints import EndpointMap
from undercroft.render.keystone_registry import registration_container
from undercroft.render.rendered import (Generated, Rendered, RenderedContainer, RenderedFile,
                                       RenderedPort)

CONFIG_MOUNT = "/var/lib/undercroft/config"


def in_place(volume: str, roots) -> str:
    """``<data_root>/mysql:/var/lib/mysql`` -> ``/var/lib/mysql:/var/lib/mysql``: after an
    upgrade from baremetal the data is where host processes kept it (the container-side
    path), and the container mounts it there as is. Run-time directories (``/run/...``,
    Open vSwitch's sockets) are not data a host process kept: they stay under data_root,
    where host prep creates them."""
    src, _, rest = volume.partition(":")
    dst = rest.split(":")[0]
    if dst.startswith("/run/"):
        return volume
    if any(src == str(r) or src.startswith(f"{r}/") for r in roots):
        return f"{dst}:{rest}"
    return volume


def network(address: str, netmask: str) -> str:
    """The CIDR of the network of ``address`` with ``netmask`` (dotted IPv4, or IPv6 in
    address form): ``network("192.168.24.1", "255.255.255.0")`` is 192.168.24.0/24.
    IronicInspectorSubnets items carry gateway and netmask, as tripleoclient's do."""
    bits = bin(int(ipaddress.ip_address(netmask))).count("1")
    return str(ipaddress.ip_interface(f"{address}/{bits}").network)


class Renderer:
    def __init__(self, settings: Settings, values: Mapping[str, Any], secret_names: set[str],
                 images: Mapping[str, str], templates: Path = TEMPLATES):
        self.settings = settings
        self.values = dict(values)
        self.secret_names = secret_names
        self.images = images
        self.templates = templates
        self.jinja = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates / "config")),
            undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
        self.jinja.filters.update(quoting.FILTERS)  # each format's own quoting
        self.jinja.globals["ironic_interfaces"] = ironic_hardware.ironic_conf
        self.jinja.globals["network"] = network

    # -- jinja helpers -------------------------------------------------------------------
    def text(self, source: str, where: str) -> str:
        try:
            return self.jinja.from_string(source).render(self.values)
        except jinja2.TemplateError as exc:
            raise ConfigError(f"{where}: {exc.__class__.__name__}: {exc}")

    def file(self, cf: ConfigFile, where: str) -> str:
        if cf.content is not None:
            return self.text(cf.content, f"{where}: config_files {cf.dest}")
        assert cf.template is not None  # the schema wants exactly one of content and template
        try:
            # ConfigDir: where this file lands, for files it names beside itself
            return self.jinja.get_template(cf.template).render(
                self.values, ConfigDir=posixpath.dirname(cf.dest))
        except jinja2.TemplateNotFound:
            raise ConfigError(f"{where}: config_files {cf.dest}: template {cf.template} not found "
                              f"under {self.templates / 'config'}")
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"{self.templates / 'config' / cf.template}:{exc.lineno}: {exc.message}")
        except jinja2.TemplateError as exc:
            raise ConfigError(f"{self.templates / 'config' / cf.template}: {exc}")

    # -- rendering -------------------------------------------------------------------------
    def render(self, services: list[ServiceTemplate],
               cloud: list[ServiceTemplate] | None = None) -> Rendered:
        """Render ``services`` (this host's). ``cloud``: every service of every role in
        the roles file; where the APIs are reached (haproxy's VIPs or not) depends on
        the whole cloud, not on what this host runs (a Compute host has no haproxy)."""
        containers: list[RenderedContainer] = []
        host_dirs: list[tuple[str, str]] = []
        ports: list[RenderedPort] = []
        self.endpoints = EndpointMap.build(self.values, cloud or services)
        # what runs here: a config file shared by several services (nova.conf) renders
        # only the sections of those on this host
        self.values["HostServices"] = [s.name for s in services]
        self.values.update(self.endpoints.context(services))
        db_passwords = {d.user: str(self.values[d.password]) for s in cloud or services
                        for d in s.databases if d.password in self.values}
        for svc in services:
            where = f"services/{svc.name}.yaml"
            files = tuple(RenderedFile(cf.dest, self.file(cf, where), cf.owner, cf.mode)
                          for cf in svc.config_files if self.in_release(cf.releases))
            files += client_files(files, db_passwords)
            for d in svc.host_prep.directories:
                host_dirs.append((self.text(d.path, f"{where}: host_prep"), d.mode))
            ports += [RenderedPort(svc.name, "tcp", number, "local_ip")
                      for number in catalog_ports(svc.keystone)]
            ports += [self.port(svc.name, p, f"{where}: ports.{i}")
                      for i, p in enumerate(svc.ports)]
            for step, chain in sorted(svc.steps.items()):
                chain = [tpl for tpl in chain if self.in_release(tpl.releases)]
                for order, tpl in enumerate(chain):
                    containers.append(self.container(svc, step, order + 1, tpl, files, where))
            if svc.databases:
                containers.append(self.generated(
                    database_container(svc, self.values, self.secret_names, where)))
        register = registration_container(services, self.values, self.secret_names,
                                          self.endpoints)
        if register is not None:
            containers.append(self.generated(register))
        return Rendered(tuple(containers), tuple(host_dirs), tuple(ports))

    def port(self, service: str, p: Port, where: str) -> RenderedPort:
        """A template's ``ports`` entry with its Jinja2 rendered and checked."""
        number = (str(p.port) if isinstance(p.port, int)
                  else self.text(p.port, f"{where}.port").strip())
        bind = self.text(p.bind, f"{where}.bind").strip()
        if not number.isdigit() or not 1 <= int(number) <= 65535:
            raise ConfigError(f"{where}.port: {p.port!r} gives {number!r}, not a port number "
                              f"(1..65535)")
        if bind not in PORT_BINDS:
            raise ConfigError(f"{where}.bind: {p.bind!r} gives {bind!r}, not one of "
                              f"{', '.join(PORT_BINDS)}")
        return RenderedPort(service, p.protocol, int(number), bind)

    def generated(self, g: Generated) -> RenderedContainer:
        """A container the renderer adds on a service's behalf (db create, registration)."""
        svc, tpl, files = g.service, g.template, g.files
        where = f"services/{svc.name}.yaml (generated {tpl.name})"
        name = self.container_name(tpl.name)
        config_dir = self.settings.state.config(name)
        config_json = {"command": tpl.command, "user": "root",
                       "config_files": [{"dest": f.dest, "owner": f.owner, "mode": f.mode} for f in files],
                       "permissions": [], "secret_env": {}}
        spec = self.spec(tpl, config_dir, name, where)
        return self._assemble(name, svc.name, g.step, g.order, True,
                              self.image_ref(g.image, where), spec, config_dir, config_json,
                              files, {})

    def in_release(self, releases: Sequence[str]) -> bool:
        """Whether a container or file listed for ``releases`` belongs to this release."""
        return not releases or self.values.get("OpenStackRelease", DEFAULT_RELEASE) in releases

    def container_name(self, name: str) -> str:
        return f"{self.settings.container_prefix}{name}"

    def image_ref(self, image: str, where: str) -> str:
        if image not in self.images:
            raise ConfigError(f"{where}: image '{image}' is not defined in templates/images/images.yaml")
        return self.images[image]

    def container(self, svc: ServiceTemplate, step: int, order: int, tpl: ContainerTemplate,
                  files: tuple[RenderedFile, ...], where: str) -> RenderedContainer:
        where = f"{where}: steps.{step}.{tpl.name}"
        name = self.container_name(tpl.name)
        for env, param in tpl.secret_env.items():
            if param not in self.secret_names:
                raise ConfigError(f"{where}: secret_env {env}: '{param}' is not a secret parameter")
        secret_files = {f"secrets/{env}": str(self.values[param]) for env, param in tpl.secret_env.items()}
        config_json = {
            "command": " ".join(self.text(tpl.command, f"{where}: command").split()),
            "user": tpl.user,
            "config_files": [{"dest": f.dest, "owner": f.owner, "mode": f.mode} for f in files],
            "permissions": [p.model_dump() for p in tpl.permissions],
            "secret_env": {env: f"secrets/{env}" for env in tpl.secret_env},
        }
        config_dir = self.settings.state.config(name)
        spec = self.spec(tpl, config_dir, name, where)
        image = self.image_ref(tpl.image or svc.image, where)
        rc = self._assemble(name, svc.name, step, order, tpl.oneshot, image, spec,
                            config_dir, config_json, files, secret_files)
        after = tuple(self.container_name(n) for n in tpl.after)
        return dataclasses.replace(rc, desired=dataclasses.replace(rc.desired, after=after))

    def spec(self, tpl: ContainerTemplate, config_dir: Path, name: str, where: str) -> dict:
        ns = self.settings.network_namespace
        volumes = [self.text(v, f"{where}: volumes") for v in tpl.volumes]
        if self.settings.host_layout:
            volumes = [in_place(v, (self.settings.data_root, self.settings.log_dir)) for v in volumes]
        volumes.append(f"{config_dir}:{CONFIG_MOUNT}:ro")
        env = {k: self.text(v, f"{where}: environment {k}") for k, v in tpl.environment.items()}
        env["UNDERCROFT_CONFIG"] = f"{CONFIG_MOUNT}/config.json"
        return {
            "network": f"ns:/run/netns/{ns}" if ns else "host",
            "hostname": str(self.values.get("UndercloudHostname") or ""),
            "volumes": volumes,
            "environment": env,
            "cap_add": list(tpl.cap_add),
            "privileged": tpl.privileged,
            "healthcheck": self.text(tpl.healthcheck, f"{where}: healthcheck") if tpl.healthcheck else "",
            "restart": "no" if tpl.oneshot else tpl.restart,
            "log_path": str(self.settings.log_dir / "containers" / f"{name}.log"),
            "timeout": tpl.timeout,
        }

    def _assemble(self, name, service, step, order, oneshot, image, spec, config_dir,
                  config_json, files, secret_files) -> RenderedContainer:
        config_hashes = {"config.json": short(digest(config_json))}
        config_hashes.update({f.dest: short(digest([f.content, f.owner, f.mode])) for f in files})
        config_hashes.update({k: short(digest(v)) for k, v in secret_files.items()})
        inputs = {"image": image,
                  "spec": {k: short(digest(v)) for k, v in sorted(spec.items()) if k != "timeout"},
                  "config": config_hashes}
        desired = DesiredContainer(name=name, service=service, step=step, order=order,
                                   image=image, oneshot=oneshot, spec=spec, inputs=inputs)
        return RenderedContainer(desired, config_dir, config_json, files, secret_files)
