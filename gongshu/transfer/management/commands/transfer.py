"""``gongshu transfer import-ftz-list FILE --zone CODE``: import a free-trade zone's
negative list (ftz.py describes the files); importing the same file again changes
nothing. ``gongshu transfer remind [--on DAY] [--dry-run]``: send the reminders due
(reminders.py), each once; run it daily."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongshu.transfer import ftz, reminders


class Command(BaseCommand):
    help = (
        "Cross-border transfer: `import-ftz-list FILE --zone CODE` imports a free-trade "
        "zone's negative list from a JSON or CSV file. The same file again changes "
        "nothing. `remind [--on DAY] [--dry-run]` sends the renewal and expiry reminders "
        "due, each once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load = sub.add_parser("import-ftz-list", help="import a zone's negative list")
        load.add_argument("file", type=Path)
        load.add_argument("--zone", required=True, help="the zone's code, e.g. SH-LINGANG")
        load.add_argument("--list-version", help="the list's version (CSV; checked for JSON)")
        load.add_argument("--valid-from", help="the list's first day, YYYY-MM-DD (CSV)")
        load.add_argument("--title", default="", help="the list's title (CSV)")
        remind = sub.add_parser("remind", help="send the renewal and expiry reminders due")
        remind.add_argument("--on", help="the day, YYYY-MM-DD (default: today in China)")
        remind.add_argument("--dry-run", action="store_true", help="say what would be sent")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "remind":
            self._remind(options)
            return
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

    def _remind(self, options: dict[str, Any]) -> None:
        try:
            day = dt.date.fromisoformat(options["on"]) if options["on"] else None
        except ValueError:
            raise CommandError(_("--on: give the day as YYYY-MM-DD.")) from None
        sent = reminders.send_due(day, dry_run=options["dry_run"])
        for item in sent:
            approval = item.approval
            self.stdout.write(
                f"{item.due_on} {item.milestone} declaration #{approval.declaration_id}"
                f" {approval.kind} {approval.reference}"
            )
        template = (
            _("%(n)d reminders would be sent.")
            if options["dry_run"]
            else _("%(n)d reminders sent.")
        )
        self.stdout.write(template % {"n": len(sent)})
