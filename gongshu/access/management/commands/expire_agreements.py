"""`gongshu expire_agreements`: expire agreements whose period is over (run daily)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from gongshu.access import services


class Command(BaseCommand):
    help = "Expire every agreement whose period is over, and tell the parties."

    def handle(self, *args, **options) -> None:
        count = services.expire_due()
        self.stdout.write(f"{count} agreement(s) expired")
