"""``gongshu compute submit --user NAME --agreement N --kind sql|python|dp --input
RESOURCE:FIELD,FIELD[:NAME] --output NAME [--code FILE | --dp FILE.json] [--policy P]
[--batch] [--review] [--now]``: submit a job as that user (through the gate, like the
API); ``--now`` runs it here instead of in ``gongshu worker``. ``gongshu compute run
JOB``; ``show JOB --user NAME`` (JSON); ``list --user NAME``; ``download JOB OUTPUT
--user NAME --to FILE`` (released outputs only); ``nodes``: the compute network."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils.translation import gettext as _

from gongshu.compute import services
from gongshu.compute.api import job_out
from gongshu.compute.models import Job, Node
from gongshu.gate.facts import as_principal


def _errors(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)


def parse_input(text: str) -> dict[str, Any]:
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise CommandError(_("Give an input as RESOURCE:FIELD,FIELD[:NAME]."))
    found: dict[str, Any] = {"resource": parts[0], "fields": parts[1].split(",")}
    if len(parts) == 3:
        found["name"] = parts[2]
    return found


class Command(BaseCommand):
    help = (
        "Compute-to-data: `submit` a SQL, Python or DP job under an agreement, `run` a "
        "submitted job, `show` or `list` jobs, `download` a released output, `nodes` lists "
        "the compute network."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        submit = sub.add_parser("submit", help="submit a job")
        submit.add_argument("--user", required=True)
        submit.add_argument("--agreement", type=int, required=True)
        submit.add_argument("--kind", required=True, choices=["sql", "python", "dp"])
        submit.add_argument("--input", action="append", required=True, dest="inputs")
        submit.add_argument("--output", action="append", required=True, dest="outputs")
        submit.add_argument("--code", type=Path, help="the SQL or Python file ('-': stdin)")
        submit.add_argument("--dp", type=Path, help="a DP job's JSON declaration")
        submit.add_argument("--title", default="")
        submit.add_argument("--policy", default="nearest")
        submit.add_argument("--batch", action="store_true")
        submit.add_argument("--review", action="store_true")
        submit.add_argument("--executor", default="local")
        submit.add_argument("--now", action="store_true", help="run it here, now")
        run = sub.add_parser("run", help="run a submitted job here")
        run.add_argument("job")
        show = sub.add_parser("show", help="a job as JSON")
        show.add_argument("job")
        show.add_argument("--user", required=True)
        listing = sub.add_parser("list", help="the jobs a user may see")
        listing.add_argument("--user", required=True)
        down = sub.add_parser("download", help="a released output")
        down.add_argument("job")
        down.add_argument("name")
        down.add_argument("--user", required=True)
        down.add_argument("--to", type=Path, required=True)
        sub.add_parser("nodes", help="the compute network")

    def _user(self, name: str) -> Any:
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise CommandError(_("No user %(name)s.") % {"name": name})
        return user

    def _job(self, uid: str, user: Any = None) -> Job:
        found = (
            Job.objects.visible_to(as_principal(user)) if user is not None else Job.objects.all()
        )
        job = found.filter(uid=uid).first()
        if job is None:
            raise CommandError(_("No job %(id)s.") % {"id": uid})
        return job

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["subcommand"])(options)
        except ValidationError as error:
            raise CommandError(_errors(error)) from None
        except (PermissionDenied, Http404) as error:
            raise CommandError(str(error) or _("Not found.")) from None

    def _print(self, job: Job) -> None:
        self.stdout.write(json.dumps(job_out(job), ensure_ascii=False, indent=2, default=str))

    def _submit(self, options: dict[str, Any]) -> None:
        code = ""
        if options["code"] is not None:
            source = options["code"]
            code = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8")
        dp_spec = None
        if options["dp"] is not None:
            dp_spec = json.loads(options["dp"].read_text(encoding="utf-8"))
        job = services.submit(
            self._user(options["user"]),
            agreement=options["agreement"],
            kind=options["kind"],
            inputs_declared=[parse_input(i) for i in options["inputs"]],
            outputs=options["outputs"],
            code=code,
            dp_spec=dp_spec,
            title=options["title"],
            review=options["review"],
            executor=options["executor"],
            placement_policy=options["policy"],
            batch=options["batch"],
            enqueue=not options["now"],
        )
        if options["now"]:
            job = services.run(job.pk)
        self._print(job)

    def _run(self, options: dict[str, Any]) -> None:
        self._print(services.run(self._job(options["job"]).pk))

    def _show(self, options: dict[str, Any]) -> None:
        self._print(self._job(options["job"], self._user(options["user"])))

    def _list(self, options: dict[str, Any]) -> None:
        for job in Job.objects.visible_to(as_principal(self._user(options["user"])))[:200]:
            self.stdout.write(f"{job.uid}  {job.status:<9}  {job.kind:<6}  {job.title}")

    def _download(self, options: dict[str, Any]) -> None:
        user = self._user(options["user"])
        path = services.released_file(user, self._job(options["job"], user), options["name"])
        shutil.copyfile(path, options["to"])
        self.stdout.write(str(options["to"]))

    def _nodes(self, options: dict[str, Any]) -> None:
        for node in Node.objects.filter(active=True):
            self.stdout.write(
                f"{node.code:<14} {node.hub:<4} {node.region:<5} PUE {node.pue}  "
                f"green {node.green_share}  ¥{node.price_per_core_hour}/core-h  {node.name_zh}"
            )
