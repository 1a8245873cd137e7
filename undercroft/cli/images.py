"""``images build`` and ``images list``: the local image pipeline."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

from undercroft.cli.base import UndercroftCommand
from undercroft.lifecycle import deployment, image_builds
from undercroft.report import Reporter


class ImagesBuild(UndercroftCommand):
    """Build the images the enabled services need; images whose content hash exists are kept."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--all", action="store_true", help="build every defined image")
        return parser

    def act(self, args):
        dep = deployment.load(self.config_path(args), self.overrides(args))
        images = list(dep.images.values()) if args.all else dep.needed_images
        image_builds.build(dep.settings, images, Reporter())
        return 0


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
