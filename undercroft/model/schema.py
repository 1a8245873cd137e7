"""What a service template, role and environment file may contain.

Every model forbids unknown keys so a typo in a template is an error naming the key,
not a silently ignored setting.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo,
                      field_validator, model_validator)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ParamType = Literal["string", "int", "bool", "list", "dict", "secret"]
Release = Literal["zed", "epoxy"]  # the releases of config/releases.py


class ParameterDef(Strict):
    type: ParamType = "string"
    default: Any = None
    description: str = ""
    # How a secret is generated the first time (then kept in the passwords file).
    generate: Optional[Literal["password", "fernet_key", "hex"]] = None
    allowed: Optional[list[Any]] = None  # the only values accepted, if given
    # characters a secret may not hold because one reader of it cannot carry them
    # (say which in a comment); every secret also passes render/quoting.unrepresentable
    refuse_characters: Optional[str] = None

    @model_validator(mode="after")
    def _secret_rules(self):
        if self.type == "secret" and self.default is not None:
            raise ValueError("a secret parameter cannot have a default; use 'generate'")
        if self.generate and self.type != "secret":
            raise ValueError("'generate' is only valid for type: secret")
        if self.refuse_characters and self.type != "secret":
            raise ValueError("'refuse_characters' is only valid for type: secret")
        return self


class ConfigFile(Strict):
    """A file rendered on the host and copied into the container at start (kolla style)."""

    dest: str
    template: Optional[str] = None  # path under templates/config/
    content: Optional[str] = None  # inline Jinja2
    owner: str = "root"
    mode: str = "0640"
    # only in these OpenStack releases ([undercroft] release); empty: in every release
    releases: list[Release] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_source(self):
        if (self.template is None) == (self.content is None):
            raise ValueError("exactly one of 'template' or 'content' is required")
        if not self.dest.startswith("/"):
            raise ValueError(f"dest must be an absolute path, got {self.dest!r}")
        return self

    @field_validator("mode")
    @classmethod
    def _octal(cls, v: str) -> str:
        int(v, 8)
        return v


class Permission(Strict):
    path: str
    owner: str
    recurse: bool = False


class ContainerTemplate(Strict):
    name: str
    command: str
    oneshot: bool = False
    user: str = "root"
    image: Optional[str] = None  # defaults to the service image
    volumes: list[str] = Field(default_factory=list)
    environment: dict[str, str] = Field(default_factory=dict)
    secret_env: dict[str, str] = Field(default_factory=dict)  # ENV -> secret parameter name
    cap_add: list[str] = Field(default_factory=list)
    privileged: bool = False
    permissions: list[Permission] = Field(default_factory=list)
    healthcheck: Optional[str] = None
    restart: Literal["no", "always", "on-failure", "unless-stopped"] = "always"
    timeout: int = 300  # seconds to become healthy / to exit
    # Containers (of any service, same step) that must be healthy/completed before this one
    # starts, e.g. nova's conductor after placement_api. Missing names are ignored.
    after: list[str] = Field(default_factory=list)
    # only in these OpenStack releases ([undercroft] release): a service whose processes
    # changed between releases (neutron's L2 agent) lists each release's containers
    releases: list[Release] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"container name {v!r} may only contain letters, digits, _ and -")
        return v

    @model_validator(mode="after")
    def _rules(self):
        if not self.oneshot and not self.healthcheck:
            raise ValueError("a long-running container needs a healthcheck")
        return self


class Database(Strict):
    # identifiers: they are written into SQL (databases.py), so nothing but these
    name: str = Field(pattern=r"^[A-Za-z0-9_]{1,64}$")
    user: str = Field(pattern=r"^[A-Za-z0-9_]{1,80}$")
    password: str  # name of a secret parameter


class CatalogEntry(Strict):
    """A keystone service and the API port haproxy fronts (see render/endpoints.py).

    The service listens on LocalIp:port; haproxy listens on the admin VIP at the same
    port (internal and admin endpoints) and on the public VIP at the same port, or at
    ``public_tls_port`` with TLS (TripleO's 13xxx ports: 13000 + port % 1000 unless given).
    """

    name: str
    type: str
    description: str = ""
    port: int
    path: str = ""
    admin_port: Optional[int] = None  # a separate admin-interface port (keystone's 35357)
    public_tls_port: Optional[int] = None
    scheme: Literal["http", "ws"] = "http"  # ws: websocket (https -> wss with TLS)


class KeystoneRegistration(Strict):
    """The service user, extra roles and catalog entries a service needs in keystone."""

    user: Optional[str] = None
    password: Optional[str] = None  # secret parameter name
    # "service": keystonemiddleware (service_token_roles_required) accepts a service
    # token, which ironic, nova and neutron send beside a user token, only with it
    roles: list[str] = Field(default_factory=lambda: ["admin", "service"])
    create_roles: list[str] = Field(default_factory=list)
    services: list[CatalogEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _user_needs_password(self):
        if (self.user is None) != (self.password is None):
            raise ValueError("'user' and 'password' go together")
        return self


PORT_BINDS = ("local_ip", "loopback")


class Port(Strict):
    """A port the service listens on, which the preflight check (config/validations.py)
    wants free on this host before install: another process there is refused by name.

    ``port``: a number, or Jinja2 giving one (``"{{ IronicHttpPort }}"``) where a
    parameter sets it. ``bind``: where it listens, ``local_ip`` (the ctlplane address; a
    listener there or on the wildcard address takes it) or ``loopback`` (127.0.0.1; a
    listener there or on the wildcard takes it); Jinja2 giving one of them where a
    parameter picks (memcached). Both are rendered with the deployment's values. (The
    key is not ``on``: YAML reads that as true.) The ports of the service's keystone
    catalog entries (``port``, ``admin_port``: it listens on local_ip there) are taken
    already: list only the others.
    """

    port: int | str
    protocol: Literal["tcp", "udp"] = "tcp"
    bind: str = "local_ip"

    @field_validator("port")
    @classmethod
    def _port(cls, v: int | str) -> int | str:
        if isinstance(v, int) and not 1 <= v <= 65535:
            raise ValueError(f"{v} is outside 1..65535")
        if isinstance(v, str) and "{{" not in v:
            raise ValueError(f"{v!r} is no number; give one, or Jinja2 naming the parameter "
                             f"that sets it (\"{{{{ IronicHttpPort }}}}\")")
        return v

    @field_validator("bind")
    @classmethod
    def _bind(cls, v: str) -> str:
        if v not in PORT_BINDS and "{{" not in v:
            raise ValueError(f"{v!r} is not one of {', '.join(PORT_BINDS)} (or Jinja2 "
                             f"giving one)")
        return v


class HostDirectory(Strict):
    path: str
    mode: str = "0755"


class HostPrep(Strict):
    directories: list[HostDirectory] = Field(default_factory=list)


def _absolute(path: str) -> str:
    if not path.startswith("/"):
        raise ValueError(f"{path!r} must be an absolute path")
    return path


AbsolutePath = Annotated[str, AfterValidator(_absolute)]


class KeyRepository(Strict):
    """A key repository (keystone's fernet-keys): files named 0, 1, 2, ...; ``0`` is the
    staged key, the highest-numbered the primary. Keys between them are not carried."""

    path: AbsolutePath
    staged: str  # the secret parameter the staged key fills
    primary: str  # the one the primary key fills


class IniOption(Strict):
    """One option of an ini file on the host (``section`` DEFAULT: the defaults)."""

    file: AbsolutePath
    section: str
    key: str


class OptionSecret(IniOption):
    parameter: str  # the secret parameter its value fills


class OptionRefused(IniOption):
    """An option whose being set makes the takeover impossible: refused before anything
    changes, with ``why`` (after "<file> sets <key>: ") and ``hint`` (the way out)."""

    why: str
    hint: str


class FileSecret(Strict):
    """A file whose whole content (stripped) is a secret (rabbitmq's Erlang cookie)."""

    path: AbsolutePath
    parameter: str


class UrlSecret(Strict):
    """The password of a URL starting with ``scheme`` in the ``option`` of any section of
    the services' config files (``/etc/*/*.conf``): rabbitmq's password, in every
    client's ``transport_url``. A database's password comes from ``databases`` instead."""

    option: str
    scheme: str
    parameter: str


class Takeover(Strict):
    """What taking over a package-installed undercloud (lifecycle/takeover.py) reads from
    the host for this service before anything is rendered: the secrets its stored data
    and its clients depend on, carried into the passwords file instead of generated
    (values already there win). Paths are the host's. The reading is Python's; which
    files, options and parameters is the template's.

    Read for the services taken over (the role's, enabled); ``read_when_left_alone``:
    also when this one is not (a secret its data needs whether or not it is taken over
    now, or one its clients on this host hold).
    """

    key_repositories: list[KeyRepository] = Field(default_factory=list)
    options: list[OptionSecret] = Field(default_factory=list)
    files: list[FileSecret] = Field(default_factory=list)
    urls: list[UrlSecret] = Field(default_factory=list)
    refuse: list[OptionRefused] = Field(default_factory=list)
    read_when_left_alone: bool = False


class Baremetal(Strict):
    """What a host needs in place of an image-only tweak of the service's Containerfile.

    ``setup``: shell commands run as root on the host after the packages are installed,
    every install; each must be idempotent.
    ``init_services``: the distribution's init services (systemd unit or sysv script
    names) that run this service where its packages were installed the ordinary way;
    taking such an undercloud over stops and disables them (lifecycle/takeover.py).
    ``after_init_stop``: shell commands run as root (inside the namespace in namespace
    placement) once those are stopped, for helpers the init scripts leave running
    (rabbitmq's epmd); they may fail when there is nothing to stop.
    ``takeover``: the secrets such a takeover reads from the host (``Takeover``).
    """

    setup: list[str] = Field(default_factory=list)
    init_services: list[str] = Field(default_factory=list)
    after_init_stop: list[str] = Field(default_factory=list)
    takeover: Takeover = Field(default_factory=Takeover)


def catalog_ports(keystone: KeystoneRegistration | None) -> list[int]:
    """The ports of a service's keystone catalog entries: it listens on local_ip (tcp)
    at each ``port`` and ``admin_port`` (render/endpoints.py)."""
    entries = keystone.services if keystone else []
    return [p for e in entries for p in (e.port, e.admin_port) if p is not None]


class ServiceTemplate(Strict):
    name: str
    description: str = ""
    image: str
    parameters: dict[str, ParameterDef] = Field(default_factory=dict)
    databases: list[Database] = Field(default_factory=list)
    keystone: Optional[KeystoneRegistration] = None
    config_files: list[ConfigFile] = Field(default_factory=list)
    host_prep: HostPrep = Field(default_factory=HostPrep)
    baremetal: Baremetal = Field(default_factory=Baremetal)
    ports: list[Port] = Field(default_factory=list)
    steps: dict[int, list[ContainerTemplate]]

    @field_validator("steps")
    @classmethod
    def _steps(cls, v: dict[int, list[ContainerTemplate]]):
        for step in v:
            if not 1 <= step <= 5:
                raise ValueError(f"step {step} is outside 1..5")
        return v

    @field_validator("ports")
    @classmethod
    def _ports_said_once(cls, v: list[Port], info: ValidationInfo) -> list[Port]:
        """A catalog entry's port is listed already (``catalog_ports``)."""
        keystone = info.data.get("keystone")
        taken = catalog_ports(keystone)
        for i, p in enumerate(v):
            if p.port in taken and p.protocol == "tcp" and p.bind == "local_ip":
                raise ValueError(f"item {i}: port {p.port} is a keystone catalog entry's "
                                 f"(keystone.services), which the service listens on at "
                                 f"local_ip already; remove it here")
        return v


class Role(Strict):
    """A list of services, and the parameter values that make them this role (THT's
    RoleParametersDefault: a Standalone role's nova_compute uses the fake driver). The
    role's values sit above the templates' defaults, below undercloud.conf and
    environment files."""

    name: str
    description: str = ""
    services: list[str]
    parameter_defaults: dict[str, Any] = Field(default_factory=dict)


class Environment(Strict):
    """An environment file: parameter values and service toggles (later wins)."""

    parameter_defaults: dict[str, Any] = Field(default_factory=dict)
    enable_services: list[str] = Field(default_factory=list)
    disable_services: list[str] = Field(default_factory=list)
