"""``gongshu ledger``: close a period, post amortisation, ask for proposals, and export
the disclosure tables or the journal."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.utils.translation import gettext as _

from gongshu.ledger.services import access, costs, disclosure, exports, measurement, periods
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal


class Command(BaseCommand):
    help = (
        "Data assets in the accounts: `close ORG PERIOD --as USER` closes a month (2026-03) "
        "or a year (2026); `amortise ORG --through DAY --as USER`; `propose ORG --start DAY "
        "--end DAY --as USER`; `export ORG PERIOD --format xlsx|docx|json|csv|beancount`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        close = sub.add_parser("close", help="close a month or a year")
        close.add_argument("organization")
        close.add_argument("period", help="2026 or 2026-03")
        close.add_argument(
            "--as",
            dest="as_user",
            required=True,
            help="an administrator or editor of the organization",
        )
        amortise = sub.add_parser("amortise", help="post the amortisation due")
        amortise.add_argument("organization")
        amortise.add_argument("--through", required=True, type=dt.date.fromisoformat)
        amortise.add_argument("--as", dest="as_user", required=True)
        propose = sub.add_parser("propose", help="ask the platform's cost sources for proposals")
        propose.add_argument("organization")
        propose.add_argument("--start", required=True, type=dt.date.fromisoformat)
        propose.add_argument("--end", required=True, type=dt.date.fromisoformat)
        propose.add_argument("--as", dest="as_user", required=True)
        export = sub.add_parser("export", help="the disclosure tables or the journal")
        export.add_argument("organization")
        export.add_argument("period", help="2026 or 2026-03")
        export.add_argument(
            "--format", choices=["xlsx", "docx", "json", "csv", "beancount"], default="xlsx"
        )
        export.add_argument("--lang", choices=["zh", "en"], default="zh")
        export.add_argument("--output", type=Path, help="a file (default: standard output)")

    def _organization(self, code: str) -> Organization:
        found = Organization.objects.filter(code=code).first()
        if found is None:
            raise CommandError(_("No organization %(code)s.") % {"code": code})
        return found

    def _principal(self, username: str, organization: Organization) -> Principal:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user %(name)s.") % {"name": username})
        principal = Principal.for_user(user)
        if not access.may_write(principal, organization):
            raise CommandError(
                _("%(name)s does not keep the books of %(org)s (administrator or editor).")
                % {"name": username, "org": organization.code}
            )
        return principal

    def handle(self, *args: Any, **options: Any) -> None:
        organization = self._organization(options["organization"])
        try:
            getattr(self, f"_{options['subcommand']}")(organization, options)
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
                if hasattr(error, "error_dict")
                else "; ".join(error.messages)
            ) from None
        except (PermissionDenied, Http404) as error:
            raise CommandError(str(error)) from None

    def _close(self, organization: Organization, options: dict[str, Any]) -> None:
        closed = periods.close(
            self._principal(options["as_user"], organization), organization, options["period"]
        )
        self.stdout.write(
            _(
                "Closed %(period)s of %(org)s: %(n)d amortisation entries posted, debits = credits = %(d)s."
            )
            % {
                "period": closed.period.label,
                "org": organization.code,
                "n": closed.amortisation_entries,
                "d": closed.debit,
            }
        )
        if closed.unreviewed:
            self.stdout.write(
                _("Not reviewed this year (life and method, CAS 6 art. 17): %(cards)s")
                % {"cards": ", ".join(closed.unreviewed)}
            )

    def _amortise(self, organization: Organization, options: dict[str, Any]) -> None:
        posted = measurement.amortise(
            self._principal(options["as_user"], organization), organization, options["through"]
        )
        self.stdout.write(_("%(n)d amortisation entries posted.") % {"n": posted})

    def _propose(self, organization: Organization, options: dict[str, Any]) -> None:
        result = costs.propose(
            self._principal(options["as_user"], organization),
            organization,
            options["start"],
            options["end"],
        )
        self.stdout.write(
            _("%(new)d proposed, %(known)d already known, %(bad)d rejected.")
            % {"new": len(result.created), "known": result.known, "bad": len(result.rejected)}
        )
        for row in result.rejected:
            self.stderr.write(f"{row['source']}: {row['why']}")

    def _export(self, organization: Organization, options: dict[str, Any]) -> None:
        span = periods.parse(options["period"])
        fmt, lang = options["format"], options["lang"]
        data: bytes
        if fmt in ("csv", "beancount"):
            chunks = (
                exports.journal_csv(organization, span.start, span.end, lang)
                if fmt == "csv"
                else exports.beancount(organization, span.start, span.end)
            )
            data = "".join(chunks).encode("utf-8")
        else:
            answer = disclosure.tables(organization, span)
            if fmt == "json":
                data = json.dumps(
                    answer, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
                ).encode("utf-8")
            elif fmt == "xlsx":
                data = exports.xlsx(answer, lang)
            else:
                data = exports.docx_bytes(answer, lang)
        if options["output"] is None:
            sys.stdout.buffer.write(data)
        else:
            options["output"].write_bytes(data)
            self.stdout.write(_("Wrote %(path)s.") % {"path": options["output"]})
