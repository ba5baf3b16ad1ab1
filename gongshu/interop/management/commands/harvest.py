"""``gongshu harvest ckan URL`` and ``gongshu harvest dcat URL``: bring another
catalog's organizations and datasets (and with --with-data, their data files) into this
one, with a progress bar and a report. Stopped runs resume from the state file."""

from __future__ import annotations

import json
import os
from argparse import ArgumentParser
from pathlib import Path
from typing import IO, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gongshu.interop import http
from gongshu.interop.dcat import importer
from gongshu.interop.harvest import ckan
from gongshu.interop.harvest.state import State, default_path
from gongshu.interop.upsert import Report


class Command(BaseCommand):
    help = "Harvest a CKAN site or a DCAT catalog into this catalog (idempotent, resumable)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=["ckan", "dcat"], help="what the source speaks")
        parser.add_argument("source", help="the site's URL (ckan), or a URL or file (dcat)")
        parser.add_argument(
            "--with-data", action="store_true", help="also ingest each dataset's current data file"
        )
        parser.add_argument("--state", help="state file (default: under GONGSHU_VAR_DIR)")
        parser.add_argument("--user", help="record this username as the actor")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        token = parser.add_mutually_exclusive_group()
        token.add_argument(
            "--source-token",
            metavar="TOKEN",
            help="an API token of the source (ckan), for what it offers you under an agreement; "
            "prefer --source-token-env or --source-token-file, which keep it out of ps",
        )
        token.add_argument(
            "--source-token-env", metavar="VARIABLE", help="read the source token from VARIABLE"
        )
        token.add_argument(
            "--source-token-file", metavar="PATH", help="read the source token from a file"
        )

    def _token(self, options: dict) -> str | None:
        """The source token from wherever it was given; never printed, logged or kept in
        the state file."""
        if options.get("source_token_env"):
            token = os.environ.get(options["source_token_env"], "")
            if not token.strip():
                raise CommandError(
                    _("The environment variable %(name)s is empty or not set.")
                    % {"name": options["source_token_env"]}
                )
            return token.strip()
        if options.get("source_token_file"):
            try:
                token = Path(options["source_token_file"]).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise CommandError(
                    _("Cannot read the token file: %(error)s") % {"error": exc.strerror}
                ) from None
            if not token:
                raise CommandError(_("The token file is empty."))
            return token
        return (options.get("source_token") or "").strip() or None

    def handle(self, *args, **options) -> None:
        kind, source = options["kind"], options["source"]
        token = self._token(options)
        if token and kind != "ckan":
            raise CommandError(_("A source token is sent to CKAN sources only."))
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("No user is named %(name)s.") % {"name": options["user"]})
        state = State(
            Path(options["state"]) if options["state"] else default_path(kind, source), source
        )
        console = Console(file=cast("IO[str]", self.stdout))
        if state.resumed:
            console.print(_("Resuming: %(n)d entries were done before.") % {"n": len(state.done)})
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        try:
            with Progress(*columns, console=console, transient=False) as bar:
                task = bar.add_task(source, total=None)

                def progress(name: str, done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total, description=name)

                def marked(name: str, done: int, total: int) -> None:
                    state.mark(name)
                    progress(name, done, total)

                if kind == "ckan":
                    report = ckan.harvest(
                        source,
                        actor=actor,
                        with_data=options["with_data"],
                        state=state,
                        progress=progress,
                        token=token,
                    )
                else:
                    report = importer.import_catalog(
                        source,
                        actor,
                        report=state.report,
                        skip=state.done,
                        with_data=options["with_data"],
                        on_done=marked,
                    )
        except (http.FetchError, ValidationError, OSError) as exc:
            raise CommandError(
                _("The harvest stopped: %(error)s; run the same command to resume.")
                % {"error": " ".join(getattr(exc, "messages", [str(exc)]))}
            ) from None
        except Exception as exc:
            if type(exc).__module__.startswith("ckanapi") or "requests" in type(exc).__module__:
                raise CommandError(
                    _("The harvest stopped: %(error)s; run the same command to resume.")
                    % {"error": exc}
                ) from None
            raise
        state.finish()
        self._summary(console, report, options["json"])

    def _summary(self, console: Console, report: Report, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
            return
        console.print(
            _(
                "Created %(c)d, updated %(u)d, unchanged %(n)d, skipped %(s)d; %(o)d new organizations."
            )
            % {
                "c": len(report.created),
                "u": len(report.updated),
                "n": len(report.unchanged),
                "s": len(report.skipped),
                "o": len(report.organizations_created),
            }
        )
        for item in report.skipped:
            console.print(f"  {_('skipped')} {item['id']}: {item['reason']}", markup=False)
        for name, status in report.data.items():
            console.print(f"  {_('data')} {name}: {status}", markup=False)
        for note in report.notes:
            console.print(f"  {note}", markup=False)
