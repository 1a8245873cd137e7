"""The operator's nodes, with tripleoclient's command names (``openstack overcloud node
import|introspect|provide|clean``, ``openstack overcloud image upload``) and as
``undercroft node ...``/``undercroft image upload``.

Each command parses its arguments, calls a use-case of ``lifecycle/baremetal.py`` and
turns its outcome into the exit code: 1 with one message naming every failed node.
"""
from __future__ import annotations

from pathlib import Path

from undercroft.cli.base import UndercroftCommand
from undercroft.config import hardware
from undercroft.errors import ConfigError
from undercroft.lifecycle import baremetal, deployment, openstack_cloud
from undercroft.nodes import instackenv
from undercroft.report import Reporter


def node_selection(parser, verb: str) -> None:
    """NODE... or --all-manageable, one of them (tripleoclient's mutually exclusive group)."""
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("node_uuids", nargs="*", metavar="<node>", default=[],
                       help=f"UUIDs or names of the nodes to {verb}")
    group.add_argument("--all-manageable", action="store_true",
                       help=f"{verb} every node in 'manageable' state (not in maintenance)")


def timeout_option(parser, name: str = "--timeout") -> None:
    parser.add_argument(name, type=int, default=baremetal.NODE_TIMEOUT, metavar="SECONDS",
                        dest="timeout",
                        help=f"how long to wait for each node (default: {baremetal.NODE_TIMEOUT})")


class NodeCommand(UndercroftCommand):
    def cloud(self, args):
        settings = deployment.settings(self.config_path(args), self.overrides(args))
        return settings, openstack_cloud.connect(settings.output_dir)

    def on_selection(self, args, what: str, action, then_provide: bool = False) -> int:
        """``action(cloud, nodes, reporter)`` on NODE... or --all-manageable; with
        ``then_provide``, the nodes it succeeded on are provided after it; exit 1 naming
        every node that failed."""
        _, cloud = self.cloud(args)
        reporter = Reporter()
        with openstack_cloud.api_errors():
            nodes = baremetal.resolve(cloud, args.node_uuids, args.all_manageable)
            if not nodes:
                reporter.info(f"no node for {what}")
                return 0
            outcomes = action(cloud, nodes, reporter)
            if then_provide:
                ready = [cloud.node(o.node.uuid) for o in outcomes if o.ok]
                outcomes += baremetal.provide(cloud, ready, reporter, args.timeout)
        baremetal.check(outcomes, what)
        return 0


class NodeImport(NodeCommand):
    """Enroll nodes from an instackenv file (JSON, YAML or CSV) and make them manageable."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("env_file", metavar="<env_file>",
                            help="instackenv.json (or .yaml, .csv): a 'nodes' list")
        parser.add_argument("--introspect", action="store_true",
                            help="introspect the imported nodes")
        parser.add_argument("--provide", action="store_true",
                            help="provide (make available) the imported nodes")
        parser.add_argument("--validate-only", action="store_true",
                            help="check the file and exit without importing")
        parser.add_argument("--no-deploy-image", action="store_true",
                            help="do not set the deploy kernel and ramdisk")
        parser.add_argument("--http-boot", metavar="DIR",
                            help="the HTTP boot directory on this host (default: the "
                                 "deployment's, <data_root>/ironic/httpboot)")
        timeout_option(parser)
        return parser

    def act(self, args):
        dep = deployment.load(self.config_path(args), self.overrides(args))
        enabled = hardware.from_parameters(dep.values)["hardware_types"]
        entries = instackenv.load(Path(args.env_file), enabled)
        reporter = Reporter()
        if args.validate_only:
            reporter.info(f"{args.env_file}: {len(entries)} node(s), all valid")
            return 0
        cloud = openstack_cloud.connect(dep.settings.output_dir)
        http_boot = Path(args.http_boot) if args.http_boot else \
            baremetal.http_boot_dir(dep.settings)
        with openstack_cloud.api_errors():
            done, outcomes = baremetal.import_nodes(
                cloud, entries, reporter, http_boot=http_boot,
                with_deploy_images=not args.no_deploy_image, timeout=args.timeout)
            failed = [o for o in outcomes if not o.ok]
            nodes = [cloud.node(d.node.uuid) for d in done
                     if d.node.uuid not in {o.node.uuid for o in failed}]
            if args.introspect:
                manageable = [n for n in nodes if n.provision_state == "manageable"]
                outcomes += baremetal.introspect(cloud, manageable, reporter, args.timeout)
            if args.provide:
                bad = {o.node.uuid for o in outcomes if not o.ok}
                ready = [cloud.node(n.uuid) for n in nodes if n.uuid not in bad]
                outcomes += baremetal.provide(cloud, ready, reporter, args.timeout)
        reporter.info(f"{len(done)} node(s) from {args.env_file}: "
                      f"{sum(d.created for d in done)} enrolled, "
                      f"{sum(not d.created for d in done)} already registered")
        baremetal.check(outcomes, "node import")
        return 0


class NodeIntrospect(NodeCommand):
    """Introspect the nodes given, or every node in 'manageable' state."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        node_selection(parser, "introspect")
        parser.add_argument("--provide", action="store_true",
                            help="provide (make available) the nodes once introspected")
        parser.add_argument("--max-retries", type=int, default=1,
                            help="introspect a failed node again this many times (default: 1)")
        timeout_option(parser, "--node-timeout")
        return parser

    def act(self, args):
        return self.on_selection(
            args, "introspection", lambda cloud, nodes, reporter: baremetal.introspect(
                cloud, nodes, reporter, args.timeout, args.max_retries), args.provide)


class NodeProvide(NodeCommand):
    """Make the nodes given, or every 'manageable' node, available."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        node_selection(parser, "provide")
        timeout_option(parser)
        return parser

    def act(self, args):
        return self.on_selection(args, "provide", lambda cloud, nodes, reporter:
                                 baremetal.provide(cloud, nodes, reporter, args.timeout))


class NodeClean(NodeCommand):
    """Clean the nodes given, or every 'manageable' node: erase the disks' metadata."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        node_selection(parser, "clean")
        parser.add_argument("--provide", action="store_true",
                            help="provide (make available) the nodes once cleaned")
        timeout_option(parser)
        return parser

    def act(self, args):
        return self.on_selection(
            args, "cleaning", lambda cloud, nodes, reporter: baremetal.clean(
                cloud, nodes, reporter, args.timeout), args.provide)


class ImageUpload(NodeCommand):
    """Upload the deploy images to glance and the agent to the HTTP boot directory."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--image-path", metavar="DIR",
                            help="directory holding the image files (default: the newest "
                                 "build of each under <state_dir>/deploy-images)")
        parser.add_argument("--os-image-name", default=f"{baremetal.OS_IMAGE}.qcow2",
                            help="the OS image's file name (default: %(default)s)")
        parser.add_argument("--image-type", choices=["os", baremetal.IPA],
                            help="upload only the OS image or only the agent")
        parser.add_argument("--update-existing", action="store_true",
                            help="replace images (and HTTP boot files) whose checksum differs")
        parser.add_argument("--http-boot", metavar="DIR",
                            help="HTTP boot directory (default: the deployment's, "
                                 "<data_root>/ironic/httpboot)")
        parser.add_argument("--whole-disk", action="store_true",
                            help="accepted for tripleoclient: the OS image built here is "
                                 "always a whole-disk image")
        parser.add_argument("--architecture", help="the images' architecture (default: this "
                                                   "host's); names them <arch>-...")
        parser.add_argument("--platform", help="the images' platform (with --architecture)")
        return parser

    def act(self, args):
        if args.platform and not args.architecture:
            raise ConfigError("--platform needs --architecture")
        settings, cloud = self.cloud(args)
        ipa_dir, os_dir = baremetal.deploy_image_dirs(settings, args.image_path)
        http_boot = Path(args.http_boot) if args.http_boot else baremetal.http_boot_dir(settings)
        uploads, copies = baremetal.upload_plan(ipa_dir, os_dir, http_boot, args.image_type,
                                                args.os_image_name, args.architecture,
                                                args.platform)
        reporter = Reporter()
        with openstack_cloud.api_errors():
            updated = baremetal.upload_images(cloud, uploads, copies, reporter,
                                              args.update_existing, args.architecture,
                                              args.platform)
        if updated:
            reporter.info(f"{len(updated)} image(s) replaced ({', '.join(updated)}): import "
                          "the nodes again (node import) so that they use the new ones")
        return 0
