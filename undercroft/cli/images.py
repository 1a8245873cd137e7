"""``images build`` and ``images list``: the local image pipeline."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

from undercroft.cli.base import UndercroftCommand
from undercroft.images.builder import ImageBuilder
from undercroft.images.catalog import REPO
from undercroft.lifecycle import deployment
from undercroft.report import Reporter
from undercroft.runtime.podman import Podman


class ImagesBuild(UndercroftCommand):
    """Build the images the enabled services need; images whose content hash exists are kept."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--all", action="store_true", help="build every defined image")
        return parser

    def act(self, args):
        dep = deployment.load(self.config_path(args), self.overrides(args))
        images = list(dep.images.values()) if args.all else dep.needed_images
        s = dep.settings
        ImageBuilder(Podman(), Reporter(), s.state.build, s.debian_mirror).ensure(images)
        return 0


class ImagesList(UndercroftCommand):
    """List the images the deployment uses, with their content-hash tag and presence."""

    def act(self, args):
        dep = deployment.load(self.config_path(args), self.overrides(args))
        podman = Podman()
        table = Table()
        for col in ("image", "tag (content hash)", "present"):
            table.add_column(col)
        refs = podman.image_refs(REPO)
        for img in dep.needed_images:
            table.add_row(img.name, img.tag, "yes" if img.ref in refs else "no")
        Console(highlight=False).print(table)
        return 0
