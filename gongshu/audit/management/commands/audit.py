"""``gongshu audit verify``: check the whole hash chain and the signed checkpoints, report
the first bad entry. ``gongshu audit checkpoint``: sign the head now, append it to the
checkpoint file and, when ``GONGSHU_AUDIT_ANCHOR_URL`` is set, POST it there too."""

from __future__ import annotations

import json
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gongshu.audit import chainer, checkpoints, services
from gongshu.audit.models import AuditEvent
from gongshu.interop import http


class Command(BaseCommand):
    help = (
        "Work with the audit log. `verify` checks the hash chain from the first entry and "
        "every signed checkpoint; `checkpoint` signs the head and appends it to the "
        "checkpoint file (and POSTs it to GONGSHU_AUDIT_ANCHOR_URL when set)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="check every entry, every link, every checkpoint")
        verify.add_argument("--chunk-size", type=int, default=5000)
        verify.add_argument("--no-progress", action="store_true", help="no progress bar")
        sub.add_parser("chain", help="chain every pending entry (catch-up after a crash)")
        proof = sub.add_parser("proof", help="print a proof of inclusion of one entry")
        proof.add_argument("seq", type=int)
        checkpoint = sub.add_parser("checkpoint", help="sign the head and keep it outside the DB")
        checkpoint.add_argument(
            "--verify",
            action="store_true",
            help="verify the whole chain first, and refuse if broken",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify(options["chunk_size"], show_progress=not options["no_progress"])
        elif options["subcommand"] == "chain":
            n = chainer.chain_pending(wait=True)
            self.stdout.write(_("Chained %(n)s pending entries.") % {"n": n})
        elif options["subcommand"] == "proof":
            try:
                found = services.proof(options["seq"])
            except services.NotChained as missing:
                raise CommandError(str(missing)) from None
            self.stdout.write(json.dumps(found, indent=2))
        elif options["subcommand"] == "checkpoint":
            if options["verify"]:
                self.verify(5000, show_progress=False)
            self.checkpoint()

    def verify(self, chunk_size: int, show_progress: bool) -> None:
        # Counting first gives the bar its end; the chain itself is read once, streamed.
        total = AuditEvent.objects.count() if show_progress else None
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not show_progress,
            transient=True,
        ) as progress:
            task = progress.add_task(_("Verifying"), total=total)
            report = services.verify(
                chunk_size=chunk_size, on_progress=lambda n: progress.advance(task, n)
            )
        if not report.ok:
            if report.bad_seq is None:
                raise CommandError(
                    _("The audit log cannot be verified (%(problem)s): %(message)s")
                    % {"problem": report.problem, "message": report.message}
                )
            raise CommandError(
                _("The audit log is broken at entry %(seq)s (%(problem)s): %(message)s")
                % {"seq": report.bad_seq, "problem": report.problem, "message": report.message}
                + " "
                + _("%(n)s entries before it are intact.") % {"n": report.checked}
            )
        self.stdout.write(
            self.style.SUCCESS(_("The audit log is intact: %(n)s entries.") % {"n": report.checked})
        )
        if report.pending:
            self.stdout.write(
                _(
                    "%(n)s entries are pending (written, not chained yet): run `gongshu "
                    "audit chain` if the number does not go down."
                )
                % {"n": report.pending}
            )
        if report.head_seq is not None:
            self.stdout.write(
                _("Head: entry %(seq)s, hash %(hash)s")
                % {"seq": report.head_seq, "hash": report.head_hash}
            )
        if report.legacy:
            self.stdout.write(
                _(
                    "Entries 1–%(n)s were written before the audit key and have plain SHA-256 "
                    "hashes: they are only as strong as before (anyone who could write the "
                    "database could have rewritten them), except up to a checkpoint."
                )
                % {"n": report.legacy}
            )
        if report.anchored_seq is not None:
            self.stdout.write(
                _("%(n)s signed checkpoints match; the newest is at entry %(seq)s.")
                % {"n": report.checkpoints, "seq": report.anchored_seq}
            )
        elif report.checked:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "There is no checkpoint in %(file)s yet, so nothing outside the "
                        "database shows that no entries were cut off the end: run `gongshu "
                        "audit checkpoint` (from cron, say) to write one."
                    )
                    % {"file": checkpoints.path()}
                )
            )

    def checkpoint(self) -> None:
        try:
            written = services.checkpoint()
        except services.CheckpointRefused as refused:
            raise CommandError(str(refused)) from None
        except OSError as exc:
            raise CommandError(
                _("The checkpoint could not be written to %(file)s (%(error)s): make it writable.")
                % {"file": checkpoints.path(), "error": exc.strerror or type(exc).__name__}
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Checkpoint: entry %(seq)s, hash %(hash)s, written to %(file)s.")
                % {"seq": written["seq"], "hash": written["hash"], "file": checkpoints.path()}
            )
        )
        if settings.AUDIT_ANCHOR_URL:
            self.post(settings.AUDIT_ANCHOR_URL, written)

    def post(self, url: str, written: dict[str, Any]) -> None:
        """The same signed line, to a store the database's administrators cannot rewrite."""
        try:
            response = http.session().post(url, json=written)
        except (http.FetchError, requests.RequestException) as exc:
            raise CommandError(
                _(
                    "The checkpoint is in the file, but it could not be sent to "
                    "GONGSHU_AUDIT_ANCHOR_URL (%(error)s): check the URL, then run the "
                    "command again."
                )
                % {"error": type(exc).__name__}
            ) from None
        if not 200 <= response.status_code < 300:
            raise CommandError(
                _(
                    "The checkpoint is in the file, but GONGSHU_AUDIT_ANCHOR_URL answered "
                    "HTTP %(status)s: check the URL and the receiving service, then run the "
                    "command again."
                )
                % {"status": response.status_code}
            )
        self.stdout.write(_("Sent to GONGSHU_AUDIT_ANCHOR_URL."))
