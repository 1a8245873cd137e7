"""Every name in the state directory, in one place.

Each file keeps the name it has always had on disk: renaming one would strand the
state of deployments installed before. A new file gets its property here, with the
command that writes it, so one module owns the layout.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PREVIOUS = ".previous"  # suffix of a config dir kept while ``update`` recreates its container


@dataclass(frozen=True)
class StateDir:
    """One deployment's state directory (``[undercroft] state_dir``)."""

    root: Path

    def ensure(self) -> Path:
        """Create the directory (0700: config dirs and records hold secrets)."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.root

    # --- directories -------------------------------------------------------------------
    @property
    def configs(self) -> Path:
        """Every container's config directory (install, update, upgrade write them)."""
        return self.root / "config"

    def config(self, container: str) -> Path:
        """One container's rendered config.json, files and secrets (mounted read-only)."""
        return self.configs / container

    def previous_config(self, container: str) -> Path:
        """The config ``update`` keeps while it recreates the container, for a rollback."""
        return self.configs / (container + PREVIOUS)

    @property
    def tls(self) -> Path:
        """The local CA and haproxy's certificate (install makes them; backup saves them)."""
        return self.root / "tls"

    @property
    def build(self) -> Path:
        """Image build contexts and logs (``images build``, install, update)."""
        return self.root / "build"

    @property
    def deploy_images(self) -> Path:
        """The deploy images ``images build --deploy`` makes: ``<name>-<tag>/`` each, with
        a manifest, and a ``<name>`` symlink to the newest (images/deploy.py)."""
        return self.root / "deploy-images"

    @property
    def ansible(self) -> Path:
        """``deploy --inventory``'s playbook and per-host inputs when no --output is given."""
        return self.root / "ansible"

    @property
    def events(self) -> Path:
        """The JSON-lines event logs, one per command run."""
        return self.root / "events"

    def event_log(self, command: str, stamp: str) -> Path:
        """The event log of one run of ``command`` started at ``stamp``."""
        return self.events / f"{command}-{stamp}.jsonl"

    # --- records -------------------------------------------------------------------------
    @property
    def deployment_record(self) -> Path:
        """The versioned deployment record (state/records.py): runtime, layout, role, release."""
        return self.root / "deployment.json"

    @property
    def host_units(self) -> Path:
        """The host runtime's units, its stand-in for podman's labels (install --baremetal)."""
        return self.root / "host-units.json"

    @property
    def created_dirs(self) -> Path:
        """Directories host prep created, so ``destroy --purge-data`` removes only those."""
        return self.root / "created-dirs"

    @property
    def installed_files(self) -> Path:
        """Helper scripts a baremetal install copied onto the host."""
        return self.root / "host-files"

    @property
    def masked_units(self) -> Path:
        """The distribution's systemd units a baremetal install masked (unmasked to reinstall)."""
        return self.root / "masked-units"

    @property
    def watcher_pidfile(self) -> Path:
        """The health watcher's pid (install and start write it; stop and destroy end it)."""
        return self.root / "health-watch.pid"

    @property
    def package_epoch(self) -> Path:
        """When ``update --refresh-packages`` last ran; it salts every image tag."""
        return self.root / "package-epoch"

    @property
    def upgrade_before(self) -> Path:
        """``upgrade``'s backup and row counts before it; while it exists, upgrade resumes."""
        return self.root / "upgrade-before.json"

    @property
    def upgrade_report(self) -> Path:
        """``upgrade``'s row counts before and after."""
        return self.root / "upgrade-report.json"

    @property
    def takeover_record(self) -> Path:
        """The init services an upgrade of a package-installed undercloud disabled."""
        return self.root / "takeover.json"

    # --- read only to migrate to the deployment record ------------------------------------
    @property
    def host_layout_marker(self) -> Path:
        """Written by ``upgrade`` before the deployment record: the data stays in place."""
        return self.root / "host-layout"

    @property
    def role_choice(self) -> Path:
        """Written by ``deploy`` before the deployment record: its -r and -e files."""
        return self.root / "deploy-role.json"
