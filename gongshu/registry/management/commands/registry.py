"""``gongshu registry timers [--on DATE] [--overdue]``: the registration body's open steps
with their due dates, overdue ones first (exit status 1 when any is overdue, for cron);
``gongshu registry expire [--on DATE]``: cancel every registration past its last valid
day and not renewed; ``gongshu registry remind [--on DATE]``: tell each applicant whose
renewal window has opened (once per registration; run daily)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongshu.registry.services import lifecycle, renewals, timers
from gongshu.registry.services.common import today


def _day(value: str | None) -> dt.date:
    if not value:
        return today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("--on: give a date as YYYY-MM-DD.")) from None


class Command(BaseCommand):
    help = (
        "Registration: `timers` lists the open steps and their due dates (exit 1 when one "
        "is overdue); `expire` cancels registrations past their validity and not renewed; "
        "`remind` tells applicants whose renewal window opened."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        listing = sub.add_parser("timers", help="open steps and their due dates")
        listing.add_argument("--on", help="count as of this day (YYYY-MM-DD), today by default")
        listing.add_argument("--overdue", action="store_true", help="only the overdue steps")
        ending = sub.add_parser("expire", help="cancel registrations not renewed")
        ending.add_argument("--on", help="as of this day (YYYY-MM-DD), today by default")
        telling = sub.add_parser("remind", help="tell applicants their renewal window opened")
        telling.add_argument("--on", help="as of this day (YYYY-MM-DD), today by default")

    def handle(self, *args: Any, **options: Any) -> None:
        day = _day(options.get("on"))
        if options["subcommand"] == "remind":
            for registration in renewals.remind(day):
                self.stdout.write(
                    _("reminded %(code)s: renewal open until %(end)s")
                    % {"code": registration.code, "end": registration.expires_on}
                )
            return
        if options["subcommand"] == "expire":
            expired, kept = lifecycle.expire(day)
            for registration in expired:
                self.stdout.write(
                    _("cancelled %(code)s (valid until %(end)s, not renewed)")
                    % {"code": registration.code, "end": registration.expires_on}
                )
            for registration in kept:
                self.stdout.write(
                    _("kept %(code)s: its renewal is being decided") % {"code": registration.code}
                )
            self.stdout.write(_("%(n)d cancelled.") % {"n": len(expired)})
            return
        found = timers.open_timers(day)
        if options["overdue"]:
            found = [t for t in found if t.overdue]
        for timer in found:
            registration = timer.registration
            flag = _("OVERDUE") if timer.overdue else _("due")
            mark = " *" if timer.provisional else ""
            self.stdout.write(
                f"{flag:8} {timer.due} ({timer.days_left:+d} wd){mark}  {timer.step:9} "
                f"{registration.uid}  {registration.applicant.code}  {registration.data_name}"
            )
        overdue = sum(t.overdue for t in found)
        self.stdout.write(_("%(n)d open, %(late)d overdue.") % {"n": len(found), "late": overdue})
        if overdue:
            raise SystemExit(1)
