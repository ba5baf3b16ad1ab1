"""``gongshu worker``: the background worker (django-tasks-db's ``db_worker``), after
marking failed the ingests a dead worker left running (so they can be retried), and
removing staging directories that dead ingests left behind and masked copies that no read
can use any more."""

from __future__ import annotations

from argparse import ArgumentParser

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Command as DbWorker

from gongshu.privacy import scan as privacy_scan
from gongshu.tabular import masked_copies, services
from gongshu.tabular.ingest.validate import warm_up


class Command(BaseCommand):
    help = "Run the background worker (ingests and other tasks). Options are db_worker's."

    def add_arguments(self, parser: ArgumentParser) -> None:
        DbWorker().add_arguments(parser)
        parser.add_argument(
            "--no-cleanup",
            action="store_false",
            dest="cleanup",
            help="Do not remove stale staging directories and unused masked copies at start.",
        )

    def handle(self, *args, **options) -> None:
        # Not skipped by --no-cleanup: a dead worker's ingest would show "running" for ever.
        for ingest in services.fail_abandoned():
            self.stdout.write(
                f"Ingest {ingest.uid} ({ingest.dataset.name}, {ingest.source_name}) was left "
                "running by a worker that stopped; marked failed, retry it."
            )
        if options.pop("cleanup"):
            removed = services.cleanup_staging()
            if removed:
                self.stdout.write(f"Removed {removed} stale staging directories.")
            removed = masked_copies.cleanup()
            if removed:
                self.stdout.write(f"Removed {removed} unused masked copies.")
        warm_up()
        privacy_scan.warm_up()

        passed = {k: v for k, v in options.items() if k not in ("skip_checks",)}
        call_command("db_worker", *args, **passed)
