"""``images build`` and ``images list``: the local image pipeline.

``images build --deploy`` (and OSC's ``openstack overcloud image build``) builds the
deploy images ironic boots on bare metal instead of the container images.
"""
from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table

from undercroft.cli.base import UndercroftCommand
from undercroft.images.deploy_catalog import DEFINITIONS as DEPLOY_IMAGES
from undercroft.lifecycle import deployment, image_builds
from undercroft.report import Reporter


def deploy_image_names(chosen: list[str] | None) -> list[str]:
    """``--deploy`` alone (an empty list) means every deploy image."""
    return list(DEPLOY_IMAGES) if not chosen else list(dict.fromkeys(chosen))


class ImagesBuild(UndercroftCommand):
    """Build the images the enabled services need; images whose content hash exists are kept."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="build every defined image")
        which.add_argument("--deploy", nargs="*", metavar="NAME", choices=list(DEPLOY_IMAGES),
                           help="build the deploy images ironic boots instead (only them): "
                                "all of them, or the NAMEs given "
                                f"({', '.join(DEPLOY_IMAGES)})")
        return parser

    def act(self, args):
        dep = deployment.load(self.config_path(args), self.overrides(args))
        if args.deploy is not None:
            return build_deploy_images(dep.settings, deploy_image_names(args.deploy))
        images = list(dep.images.values()) if args.all else dep.needed_images
        image_builds.build(dep.settings, images, Reporter())
        return 0


def build_deploy_images(settings, names: list[str]) -> int:
    reporter = Reporter()
    t0 = time.monotonic()
    out = image_builds.build_deploy(settings, names, reporter)
    reporter.info(f"deploy images ({', '.join(out)}) in {settings.state.deploy_images} "
                  f"after {time.monotonic() - t0:.1f}s")
    return 0


class OvercloudImageBuild(UndercroftCommand):
    """Build the deploy images (ironic-python-agent kernel + initramfs, whole-disk OS image)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--image-name", action="append", choices=list(DEPLOY_IMAGES),
                            help="build only this image (repeatable; default: all)")
        return parser

    def act(self, args):
        dep = deployment.load(self.config_path(args), self.overrides(args))
        return build_deploy_images(dep.settings, deploy_image_names(args.image_name))


class ImagesList(UndercroftCommand):
    """List the images the deployment uses, with their content-hash tag and presence."""

    def act(self, args):
        dep = deployment.load(self.config_path(args), self.overrides(args))
        table = Table()
        for col in ("image", "tag (content hash)", "present"):
            table.add_column(col)
        refs = image_builds.present_refs()
        for img in dep.needed_images:
            table.add_row(img.name, img.tag, "yes" if img.ref in refs else "no")
        Console(highlight=False).print(table)
        return 0
