"""``gongshu annotation create --dataset NAME --user NAME --title T (--config FILE.xml |
--schema FILE.json) [--overlap K] [--sample N [--seed S] | --stratify FIELD --sample N |
--filter JSON]``: a project from a Label Studio config or a schema, made as that user
(through the gate, like the API). ``gongshu annotation export PROJECT --user NAME
[--format label-studio|jsonl|conll] [--output FILE]``: a streamed export.
``gongshu annotation quality PROJECT --user NAME``: the agreement, as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongshu.annotation.models import Project
from gongshu.annotation.services import export, projects, quality
from gongshu.catalog.models import Dataset


def _errors(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Data annotation: `create` makes a project from a Label Studio XML config or a "
        "JSON label schema; `export` streams a project as Label Studio JSON, JSONL or "
        "CoNLL; `quality` prints its agreement as JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="make a project")
        create.add_argument("--dataset", required=True)
        create.add_argument(
            "--user", required=True, help="who makes it (a provider editor or licensee)"
        )
        create.add_argument("--title", required=True)
        create.add_argument("--config", type=Path, help="a Label Studio XML config")
        create.add_argument("--schema", type=Path, help="a JSON label schema")
        create.add_argument("--overlap", type=int, default=1)
        create.add_argument("--max-overlap", type=int)
        create.add_argument("--sample", type=int, help="a random sample of this many rows")
        create.add_argument("--stratify", help="stratify the sample by this field")
        create.add_argument("--seed", type=int, default=0)
        create.add_argument("--filter", help="a row filter, JSON")
        create.add_argument("--agreement", type=int)
        out = sub.add_parser("export", help="stream an export")
        out.add_argument("project", type=int)
        out.add_argument("--user", required=True)
        out.add_argument("--format", default="label-studio", choices=sorted(export.FORMATS))
        out.add_argument("--output", type=Path, help="a file (default: standard output)")
        scores = sub.add_parser("quality", help="print the agreement")
        scores.add_argument("project", type=int)
        scores.add_argument("--user", required=True)

    def _user(self, name: str) -> Any:
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise CommandError(_("No user %(name)s.") % {"name": name})
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            {"create": self._create, "export": self._export, "quality": self._quality}[
                options["subcommand"]
            ](options)
        except ValidationError as error:
            raise CommandError(_errors(error)) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None

    def _project(self, options: dict[str, Any]) -> Project:
        project = Project.objects.filter(pk=options["project"]).first()
        if project is None:
            raise CommandError(_("No project %(n)s.") % {"n": options["project"]})
        return project

    def _create(self, options: dict[str, Any]) -> None:
        dataset = Dataset.objects.filter(name=options["dataset"]).first()
        if dataset is None:
            raise CommandError(_("No resource %(name)s.") % {"name": options["dataset"]})
        if bool(options["config"]) == bool(options["schema"]):
            raise CommandError(_("Give exactly one of --config and --schema."))
        config = options["config"].read_text(encoding="utf-8") if options["config"] else None
        schema = (
            json.loads(options["schema"].read_text(encoding="utf-8")) if options["schema"] else None
        )
        selection: dict[str, Any] = {"mode": "all", "seed": options["seed"]}
        if options["filter"]:
            selection.update(mode="filter", filter=json.loads(options["filter"]))
        if options["sample"]:
            selection.update(
                mode="stratified" if options["stratify"] else "random", size=options["sample"]
            )
            if options["stratify"]:
                selection["field"] = options["stratify"]
        project = projects.create(
            self._user(options["user"]),
            dataset,
            title=options["title"],
            schema=schema,
            label_config=config,
            overlap=options["overlap"],
            max_overlap=options["max_overlap"],
            selection=selection,
            agreement=options["agreement"],
        )
        self.stdout.write(
            _("Project #%(n)d: %(tasks)d tasks.")
            % {"n": project.pk, "tasks": project.tasks.count()}
        )

    def _export(self, options: dict[str, Any]) -> None:
        project = self._project(options)
        chunks = export.stream(self._user(options["user"]), project, options["format"])
        target = options["output"]
        try:
            handle = target.open("wb") if target else sys.stdout.buffer
            for chunk in chunks:
                handle.write(chunk)
            if target:
                handle.close()
        finally:
            closer = getattr(chunks, "close", None)
            if closer is not None:
                closer()  # the lease closes with the stream

    def _quality(self, options: dict[str, Any]) -> None:
        project = self._project(options)
        projects.require(self._user(options["user"]), project, "manager", "reviewer")
        report = {
            "progress": quality.progress(project),
            "agreement": quality.agreement(project),
            "annotators": quality.annotators(project),
        }
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2, default=str))
