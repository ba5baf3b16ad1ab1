"""``gongshu demo``: load (or refresh) the demo data. Safe to run again."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from gongshu.demo import access, billing, loader, operation, registry, survey, transfer
from gongshu.demo import annotation as annotation_demo
from gongshu.demo import compute as compute_demo
from gongshu.demo import ledger as ledger_demo


class Command(BaseCommand):
    help = "Load the demo organizations, resources, users and data files (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-data", action="store_true", help="catalog entries only")

    def handle(self, *args, **options) -> None:
        result = loader.load(self.stdout.write, with_data=not options["no_data"])
        billing.plans(self.stdout.write)  # access.load approves industry use: needs a paid plan
        logins = access.load(self.stdout.write)["logins"]
        for name, path in result["files"].items():
            # The ingest command shows a progress bar and makes no new version when the
            # file is unchanged, so a second `gongshu demo` is quick.
            call_command("ingest", name, str(path), user="admin", stdout=self.stdout)
        loader.describe_fields(self.stdout.write)  # the fields exist once their file is in
        billing.load(self.stdout.write)  # its demo reads go through the lease: data first
        operation.load(self.stdout.write)  # reconciles what billing's demo metered
        # Right after operation's: its products are registered before anything is sold
        # under their plans (billing refuses a paid plan of an unregistered product).
        logins = registry.load(self.stdout.write)["logins"]  # after the data is in
        # Its processors' logins join the file, so the list printed below is every login.
        logins = transfer.load(self.stdout.write)["logins"]
        logins = survey.load(self.stdout.write)["logins"]  # every organization is there
        # Under a licence that permits annotate, after access made its logins.
        logins = annotation_demo.load(self.stdout.write)["logins"]
        # The operator's books of data resources; after billing, whose statements it proposes.
        logins = ledger_demo.load(self.stdout.write)["logins"]
        # Last: its jobs read the ingested data under agreements it asks access's reviewers
        # for, and run in the sandbox here rather than waiting for the worker.
        compute_demo.load(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
        self.stdout.write("Demo logins (username / password / role):")
        for login in logins:
            self.stdout.write(f"  {login['username']:<20} {login['password']:<18} {login['role']}")
