"""``gongshu operation ...``: the pricing side on the command line, through the same
services as the API (audited as the user named by ``--user``).

- ``permitted --operating-cost X --subsidies X --bond-yield X --margin-points X --taxes X``
  prints the permitted profit and revenue (no user needed);
- ``reconcile --operator CODE --year N --user NAME`` reconciles an operator's year from
  metered revenue;
- ``report --operator CODE --year N --user NAME --out FILE.xlsx`` writes the end-of-March
  report (``--out FILE.pdf``: as PDF);
- ``due [--year N]`` lists the reports due by the end of March and whether each year is
  reconciled;
- ``remind [--on DATE] [--dry-run]`` reminds each operator whose report of last year is
  due and not produced, once (run daily: ``reminders.send_due``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gongshu.operation import reconciliation, reminders, report, surveys
from gongshu.operation.models import CostSurvey, Reconciliation, SurveyStatus
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Authorized operation and pricing: permitted, reconcile, report, due, remind."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        calc = sub.add_parser("permitted", help="the permitted profit and revenue (65号)")
        for name in ("operating-cost", "subsidies", "bond-yield", "margin-points", "taxes"):
            calc.add_argument(f"--{name}", required=True)
        for name in ("reconcile", "report"):
            step = sub.add_parser(name)
            step.add_argument("--operator", required=True)
            step.add_argument("--year", type=int, required=True)
            step.add_argument("--user", required=True, help="who acts (the data authority)")
            if name == "report":
                step.add_argument(
                    "--out", type=Path, required=True, help="FILE.xlsx, or FILE.pdf for a PDF"
                )
        due = sub.add_parser("due", help="reports due by the end of March")
        due.add_argument("--year", type=int, help="the year reported (default: last year)")
        remind = sub.add_parser("remind", help="remind operators of the end-of-March report")
        remind.add_argument("--on", type=dt.date.fromisoformat, help="YYYY-MM-DD (default: today)")
        remind.add_argument("--dry-run", action="store_true", help="list, send nothing")

    def _actor(self, username: str) -> Principal:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username}.")
        return Principal.for_user(user)

    def _operator(self, code: str) -> Organization:
        found = Organization.objects.filter(code=code).first()
        if found is None:
            raise CommandError(f"No organization {code}.")
        return found

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['subcommand']}")(options)
        except ValidationError as exc:
            raise CommandError(_errors(exc)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None

    def _permitted(self, options: dict[str, Any]) -> None:
        names = ("operating_cost", "subsidies", "bond_yield", "margin_points", "taxes")
        result = surveys.compute({n: options[n] for n in names})
        self.stdout.write(f"permitted_profit {result.permitted_profit}")
        self.stdout.write(f"permitted_revenue {result.permitted_revenue}")

    def _survey(self, options: dict[str, Any]) -> CostSurvey:
        found = report.survey_of(self._operator(options["operator"]), options["year"])
        if found is None:
            raise CommandError(f"{options['operator']} has no cost survey for {options['year']}.")
        return found

    def _reconcile(self, options: dict[str, Any]) -> None:
        done = reconciliation.reconcile(
            self._actor(options["user"]), self._survey(options), options["year"]
        )
        self.stdout.write(
            f"{done.year}: permitted {done.permitted}, actual {done.actual}, "
            f"deviation {done.deviation} % → {done.outcome} ({done.rule.code}, {done.rule.article})"
        )

    def _report(self, options: dict[str, Any]) -> None:
        write = report.pdf if options["out"].suffix.lower() == ".pdf" else report.xlsx
        content = write(
            self._actor(options["user"]), self._operator(options["operator"]), options["year"]
        )
        options["out"].write_bytes(content)
        self.stdout.write(f"wrote {options['out']} ({len(content)} bytes)")

    def _due(self, options: dict[str, Any]) -> None:
        year = options["year"] or timezone.localdate().year - 1
        found = CostSurvey.objects.filter(
            status=SurveyStatus.APPROVED, cycle_start__year__lte=year, cycle_end__year__gte=year
        ).select_related("operator")
        for survey in found:
            done = Reconciliation.objects.filter(survey=survey, year=year).exists()
            state = "reconciled" if done else "NOT reconciled"
            self.stdout.write(
                f"{survey.operator.code} {year}: due {reconciliation.due(year)}, {state}"
            )

    def _remind(self, options: dict[str, Any]) -> None:
        sent = reminders.send_due(options["on"], dry_run=options["dry_run"])
        for item in sent:
            self.stdout.write(
                f"{item.operator.code} {item.year}: report due {item.due_on}, reminded"
                + (" (dry run)" if options["dry_run"] else "")
            )
        self.stdout.write(f"{len(sent)} reminded.")
