"""``gongshu billing``: usage, aggregate, issue-statements, statements, export, mark-paid.
The same services as the API; the platform acts (the audit log names no user) unless
``--as USERNAME`` names a data authority member for the writes that need one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.access.models import Agreement
from gongshu.billing import exports, metering, statements
from gongshu.billing.api import usage_of
from gongshu.billing.models import Statement
from gongshu.orgs.principal import Principal


class Command(BaseCommand):
    help = "Metering and statements: usage, aggregate, issue-statements, statements, export, mark-paid."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        usage = sub.add_parser("usage", help="usage and quota per agreement this month")
        usage.add_argument("--month", help="YYYY-MM (default: this month)")
        usage.add_argument("--agreement", type=int)
        agg = sub.add_parser("aggregate", help="recompute daily aggregates (idempotent)")
        agg.add_argument("--day", help="YYYY-MM-DD (default: yesterday and today)")
        agg.add_argument("--month", help="YYYY-MM: every day of the month")
        issue = sub.add_parser("issue-statements", help="issue the month's statements")
        issue.add_argument("--month", required=True, help="YYYY-MM")
        listed = sub.add_parser("statements", help="list statements")
        listed.add_argument("--month", help="YYYY-MM")
        export = sub.add_parser("export", help="write a statement as CSV or XLSX")
        export.add_argument("number")
        export.add_argument("--format", choices=sorted(exports.FORMATS), default="csv")
        export.add_argument("--output", help="file (default: NUMBER.FORMAT here)")
        paid = sub.add_parser("mark-paid", help="mark a statement paid (or --unpaid)")
        paid.add_argument("number")
        paid.add_argument("--unpaid", action="store_true")
        paid.add_argument("--as", dest="as_user", required=True, help="a data authority login")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, options["subcommand"].replace("-", "_"))(options)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None

    def _month(self, text: str | None) -> dt.date:
        return statements.parse_month(text) if text else metering.month_of(timezone.localdate())

    def usage(self, options: dict) -> None:
        month = self._month(options["month"])
        agreements = Agreement.objects.select_related("organization").order_by("pk")
        if options["agreement"]:
            agreements = agreements.filter(pk=options["agreement"])
        for agreement in agreements:
            u = usage_of(agreement, month)
            left = "-" if u["quota_remaining"] is None else u["quota_remaining"]
            self.stdout.write(
                f"#{u['agreement']:<5} {u['licensee']:<16} {u['purpose']:<20} {u['plan'] or '-':<28} "
                f"calls={u['calls']} rows={u['rows']} bytes={u['bytes']} "
                f"quota_left={left} charges={u['charges_so_far']}"
            )

    def aggregate(self, options: dict) -> None:
        if options["month"]:
            start, end = metering.month_range(statements.parse_month(options["month"]))
        elif options["day"]:
            start = end = dt.date.fromisoformat(options["day"])
        else:
            end = timezone.localdate()
            start = end - dt.timedelta(days=1)
        written = metering.aggregate(start, end)
        self.stdout.write(_("%(n)s daily aggregates for %(a)s to %(b)s.") % {"n": written, "a": start, "b": end})  # fmt: skip

    def issue_statements(self, options: dict) -> None:
        made = statements.issue_month(statements.parse_month(options["month"]))
        for statement in made:
            self.stdout.write(f"{statement.number} {statement.total}")
        self.stdout.write(self.style.SUCCESS(_("%(n)s statements issued.") % {"n": len(made)}))

    def statements(self, options: dict) -> None:
        found = Statement.objects.select_related("agreement__organization").order_by("number")
        if options["month"]:
            found = found.filter(month=statements.parse_month(options["month"]))
        for s in found:
            self.stdout.write(f"{s.number} {s.agreement.organization.code:<16} {s.total:>12} {s.payment}")  # fmt: skip

    def _statement(self, number: str) -> Statement:
        found = Statement.objects.filter(number=number).first()
        if found is None:
            raise CommandError(_("No statement %(n)s.") % {"n": number})
        return found

    def export(self, options: dict) -> None:
        statement = self._statement(options["number"])
        path = Path(options["output"] or f"{statement.number}.{options['format']}")
        path.write_bytes(exports.render(statement, options["format"]))
        self.stdout.write(str(path))

    def mark_paid(self, options: dict) -> None:
        user = get_user_model().objects.filter(username=options["as_user"]).first()
        if user is None:
            raise CommandError(_("No user %(u)s.") % {"u": options["as_user"]})
        statement = statements.set_payment(
            Principal.for_user(user), self._statement(options["number"]), not options["unpaid"]
        )
        self.stdout.write(f"{statement.number} {statement.payment}")
