"""``gongshu ingest RESOURCE FILE``: ingest a file already on the server, with a progress
bar. Runs in this process by default; ``--queue`` hands it to ``gongshu worker`` and
follows the Ingest row."""

from __future__ import annotations

import json
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import IO, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from gongshu.catalog.models import Dataset
from gongshu.tabular import services
from gongshu.tabular.models import Ingest, IngestStatus


class Command(BaseCommand):
    help = "Ingest a file on this server as the next version of a data resource."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("resource", help="the data resource's name")
        parser.add_argument("file", help="path of the file on this server")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="enqueue for `gongshu worker` and follow its progress",
        )
        parser.add_argument("--schema", help="a Table Schema JSON file to validate against")
        parser.add_argument("--user", help="record this username as the uploader")
        parser.add_argument("--poll", type=float, default=0.5, help="seconds between polls")

    def handle(self, *args, **options) -> None:
        dataset = Dataset.objects.filter(name=options["resource"]).first()
        if dataset is None:
            raise CommandError(
                _("No data resource is named %(name)s.") % {"name": options["resource"]}
            )
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
        try:
            schema = None
            if options["schema"]:
                schema = services.declared_schema_from(
                    json.loads(Path(options["schema"]).read_text("utf-8"))
                )
            ingest = services.start_ingest(
                dataset, server_path=options["file"], user=user, schema=schema
            )
        except (ValidationError, OSError, ValueError) as exc:
            raise CommandError(str(getattr(exc, "messages", exc))) from None

        console = Console(file=cast("IO[str]", self.stdout), stderr=False)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task(ingest.source_name, total=ingest.bytes_total or None, rows=0)

            def show(current: Ingest) -> None:
                # A run that ended says how ("rejected by validation"), not its last
                # phase, which reads "done" even when it failed.
                running = current.status in (IngestStatus.QUEUED, IngestStatus.RUNNING)
                state = current.phase_label if running else current.get_status_display()
                bar.update(
                    task,
                    completed=current.bytes_done,
                    rows=current.rows_done,
                    description=f"{current.source_name} · {state}",
                )

            if options["queue"]:
                services.enqueue_ingest(ingest)
                while True:
                    ingest.refresh_from_db()
                    show(ingest)
                    if ingest.status not in (IngestStatus.QUEUED, IngestStatus.RUNNING):
                        break
                    time.sleep(options["poll"])
            else:
                ingest = services.run_ingest(ingest.id, listener=show)
                show(ingest)
        self._summary(console, ingest)

    def _summary(self, console: Console, ingest: Ingest) -> None:
        if ingest.status == IngestStatus.SUCCEEDED:
            v = ingest.version
            assert v is not None  # a succeeded ingest made its version
            console.print(
                _("Version %(n)d: %(rows)d rows, %(bytes)d bytes, sha256 %(sha)s")
                % {"n": v.number, "rows": v.row_count, "bytes": v.byte_size, "sha": v.sha256}
            )
            return
        if ingest.status == IngestStatus.UNCHANGED:
            assert ingest.version is not None  # the version it is identical to
            console.print(
                _("Unchanged: identical to version %(n)d.") % {"n": ingest.version.number}
            )
            return
        for error in ingest.report.get("errors", [])[:20]:
            console.print(f"  [{error.get('type')}] {error.get('note')}", markup=False)
        raise CommandError(f"{ingest.status}: {ingest.error}")
