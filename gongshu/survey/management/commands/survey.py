"""``gongshu survey``: the data authority's survey work from the shell.

- ``lint FILE``: check an XLSForm and list every error (sheet, row, column); stores nothing.
- ``import-form FILE --as USER [--code CODE]``: import it as the form's next version.
- ``open-campaign --year Y --form ID --reference-date D --opens-on D --working-days N
  --as USER``: set up and open a campaign (the close counted in working days).
- ``remind [--year Y] [--on DAY]``: send the reminders due (in-app and e-mail); run daily.
- ``export --year Y [--format csv|xlsx] --output FILE``: the accepted answers, streamed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongshu.orgs.principal import Principal
from gongshu.survey import export, reminders, services, xlsform
from gongshu.survey.errors import FormInvalid
from gongshu.survey.models import Campaign, FormVersion, State


def _day(value: str, flag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("%(flag)s: give the day as YYYY-MM-DD.") % {"flag": flag}) from None


class Command(BaseCommand):
    help = (
        "The national data resource survey: lint FILE, import-form FILE --as USER, "
        "open-campaign …, remind, export --year Y --output FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        lint = sub.add_parser("lint", help="check an XLSForm, store nothing")
        lint.add_argument("file", type=Path)
        load = sub.add_parser("import-form", help="import an XLSForm as a new form version")
        load.add_argument("file", type=Path)
        load.add_argument("--as", dest="username", required=True, help="the authority's user")
        load.add_argument("--code", default="", help="the form's code (default: its form_id)")
        camp = sub.add_parser("open-campaign", help="set up and open a campaign")
        camp.add_argument("--year", type=int, required=True)
        camp.add_argument("--form", type=int, required=True, help="the form version's id")
        camp.add_argument("--reference-date", required=True)
        camp.add_argument("--opens-on", required=True)
        camp.add_argument("--working-days", type=int, required=True)
        camp.add_argument("--as", dest="username", required=True)
        remind = sub.add_parser("remind", help="send the reminders due")
        remind.add_argument("--year", type=int, help="one campaign (default: every open one)")
        remind.add_argument("--on", help="the day, YYYY-MM-DD (default: today in China)")
        out = sub.add_parser("export", help="write the accepted answers to a file")
        out.add_argument("--year", type=int, required=True)
        out.add_argument("--format", choices=("csv", "xlsx"), default="csv")
        out.add_argument("--output", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        handler = getattr(self, "_" + options["subcommand"].replace("-", "_"))
        try:
            handler(options)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(str(exc)) from None

    def _principal(self, username: str) -> Principal:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user %(name)s.") % {"name": username})
        return Principal.for_user(user)

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None

    def _errors(self, path: Path, exc: FormInvalid) -> CommandError:
        for error in exc.errors:
            where = ":".join(str(p) for p in (error.sheet, error.row, error.column) if p)
            self.stderr.write(f"{path}:{where}: {error.message}" if where else error.message)
        return CommandError(_("%(n)d error(s); nothing stored.") % {"n": len(exc.errors)})

    def _lint(self, options: dict[str, Any]) -> None:
        try:
            definition, _xform = xlsform.compile_form(self._read(options["file"]))
        except FormInvalid as exc:
            raise self._errors(options["file"], exc) from None
        self.stdout.write(_("%(n)d questions; no errors.") % {"n": len(definition["questions"])})

    def _import_form(self, options: dict[str, Any]) -> None:
        principal = self._principal(options["username"])
        try:
            version = services.import_form(
                principal,
                self._read(options["file"]),
                filename=options["file"].name,
                code=options["code"],
            )
        except FormInvalid as exc:
            raise self._errors(options["file"], exc) from None
        self.stdout.write(
            _("Imported %(code)s version %(n)d (id %(id)d).")
            % {"code": version.form.code, "n": version.number, "id": version.pk}
        )

    def _open_campaign(self, options: dict[str, Any]) -> None:
        principal = self._principal(options["username"])
        version = FormVersion.objects.filter(pk=options["form"]).first()
        if version is None:
            raise CommandError(_("No form version %(id)s.") % {"id": options["form"]})
        campaign = services.create_campaign(
            principal,
            year=options["year"],
            form_version=version,
            reference_date=_day(options["reference_date"], "--reference-date"),
            opens_on=_day(options["opens_on"], "--opens-on"),
            working_days=options["working_days"],
        )
        services.set_status(principal, campaign, "open")
        self.stdout.write(
            _("Campaign %(year)s open from %(start)s to %(end)s.")
            % {"year": campaign.year, "start": campaign.opens_on, "end": campaign.closes_on}
        )

    def _remind(self, options: dict[str, Any]) -> None:
        day = _day(options["on"], "--on") if options["on"] else None
        campaigns = Campaign.objects.filter(status="open")
        if options["year"]:
            campaigns = campaigns.filter(year=options["year"])
        total = 0
        for campaign in campaigns:
            for assignment in reminders.remind(campaign, day):
                total += 1
                self.stdout.write(f"{campaign.year} {assignment.organization.code}")
        self.stdout.write(_("%(n)d reminders sent.") % {"n": total})

    def _export(self, options: dict[str, Any]) -> None:
        campaign = Campaign.objects.filter(year=options["year"]).first()
        if campaign is None:
            raise CommandError(_("No campaign for %(year)s.") % {"year": options["year"]})
        rows = export.answer_rows(campaign, [State.ACCEPTED])
        if options["format"] == "xlsx":
            with open(options["output"], "wb") as binary:
                for chunk in export.xlsx_chunks(rows):
                    binary.write(chunk)
        else:
            with open(options["output"], "w", encoding="utf-8", newline="") as handle:
                for line in export.csv_lines(rows):
                    handle.write(line)
        self.stdout.write(_("Wrote %(path)s.") % {"path": options["output"]})
