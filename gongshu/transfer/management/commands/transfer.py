"""``gongshu transfer import-ftz-list FILE --zone CODE``: import a free-trade zone's
negative list (ftz.py describes the files); importing the same file again changes
nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongshu.transfer import ftz


class Command(BaseCommand):
    help = (
        "Cross-border transfer: `import-ftz-list FILE --zone CODE` imports a free-trade "
        "zone's negative list from a JSON or CSV file. The same file again changes "
        "nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load = sub.add_parser("import-ftz-list", help="import a zone's negative list")
        load.add_argument("file", type=Path)
        load.add_argument("--zone", required=True, help="the zone's code, e.g. SH-LINGANG")
        load.add_argument("--list-version", help="the list's version (CSV; checked for JSON)")
        load.add_argument("--valid-from", help="the list's first day, YYYY-MM-DD (CSV)")
        load.add_argument("--title", default="", help="the list's title (CSV)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            found, state = ftz.import_file(
                options["file"],
                zone=options["zone"],
                version=options["list_version"],
                valid_from=options["valid_from"],
                title=options["title"],
            )
        except ftz.ListFileError as error:
            raise CommandError(f"{options['file']}: {error}") from None
        messages = {
            "created": _("Imported %(zone)s %(version)s: %(n)d fields."),
            "replaced": _("Replaced %(zone)s %(version)s: %(n)d fields."),
            "unchanged": _("%(zone)s %(version)s is already imported with this content."),
        }
        self.stdout.write(
            messages[state]
            % {"zone": found.zone, "version": found.version, "n": found.entries.count()}
        )
