"""Free-trade-zone negative lists (CAC order 16 art. 6): importing a zone's list from a
file, and matching a declaration's fields against the list in force.

**Files.** JSON: ``{"zone", "version", "valid_from", "title", "source", "categories":
[{"name", "sub_categories": [{"name", "fields": [{"name", "description", "aliases"}]}]}]}``.
CSV (UTF-8, a header row): ``category, sub_category, field, description, aliases``
(aliases separated by ``|``), with the version and its first day given on the command line.
Importing the same zone and version again with the same content changes nothing; with
other content it replaces that version's fields.

**Matching** (kept to one rule an applicant can check by hand): a declared field is on the
list when its catalog name, its title or its privacy tag (``resident_id``, ``phone`` …)
equals a list field's name or one of its aliases, compared case-insensitively and ignoring
spaces, ``_`` and ``-``. A declaration with no fields chosen sends all of a resource's
fields. When the processor is registered in a zone that has a list in force, the
``ftz_outside_list`` exemption is what the match says (every sent field outside the list),
whatever was claimed; without a list for the zone the claim stands as given.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.transfer.models import Declaration, FtzEntry, FtzList

CSV_COLUMNS = ("category", "sub_category", "field", "description", "aliases")
_IGNORED = re.compile(r"[\s_\-]+")


class ListFileError(ValueError):
    """A list file that cannot be imported, with what is wrong in it."""


def norm(term: str) -> str:
    return _IGNORED.sub("", term or "").casefold()


def zone_code(zone: str) -> str:
    return (zone or "").strip().upper()


@dataclass
class Parsed:
    zone: str
    version: str
    valid_from: dt.date
    title: str = ""
    source: str = ""
    # (category, sub_category, field, description, aliases)
    fields: list[tuple[str, str, str, str, list[str]]] = field(default_factory=list)

    def digest(self) -> str:
        body = [self.zone, self.version, self.valid_from.isoformat(), self.title, self.source]
        text = json.dumps([body, self.fields], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ListFileError(_("%(where)s: a non-empty text is needed.") % {"where": where})
    return value.strip()


def _day(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ListFileError(
            _("%(where)s: %(value)r is not a date (YYYY-MM-DD).") % {"where": where, "value": value}
        ) from None


def _parse_json(text: str) -> Parsed:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ListFileError(_("Not valid JSON: %(error)s") % {"error": error}) from None
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        raise ListFileError(_("A JSON list file is an object with a list of categories."))
    parsed = Parsed(
        zone=zone_code(str(data.get("zone") or "")),
        version=_text(data.get("version"), "version"),
        valid_from=_day(data.get("valid_from"), "valid_from"),
        title=str(data.get("title") or ""),
        source=str(data.get("source") or ""),
    )
    for c, category in enumerate(data["categories"]):
        where = f"categories[{c}]"
        if not isinstance(category, dict):
            raise ListFileError(_("%(where)s: an object is needed.") % {"where": where})
        name = _text(category.get("name"), f"{where}.name")
        for s, sub in enumerate(category.get("sub_categories") or []):
            sub_where = f"{where}.sub_categories[{s}]"
            if not isinstance(sub, dict):
                raise ListFileError(_("%(where)s: an object is needed.") % {"where": sub_where})
            sub_name = _text(sub.get("name"), f"{sub_where}.name")
            for f, item in enumerate(sub.get("fields") or []):
                item_where = f"{sub_where}.fields[{f}]"
                if isinstance(item, str):
                    item = {"name": item}
                if not isinstance(item, dict):
                    raise ListFileError(
                        _("%(where)s: an object is needed.") % {"where": item_where}
                    )
                aliases = item.get("aliases") or []
                if not isinstance(aliases, list):
                    raise ListFileError(
                        _("%(where)s: aliases are a list of texts.") % {"where": item_where}
                    )
                parsed.fields.append(
                    (
                        name,
                        sub_name,
                        _text(item.get("name"), f"{item_where}.name"),
                        str(item.get("description") or ""),
                        [_text(a, f"{item_where}.aliases") for a in aliases],
                    )
                )
    return parsed


def _parse_csv(text: str, version: str | None, valid_from: str | None, title: str) -> Parsed:
    if not version or not valid_from:
        raise ListFileError(_("A CSV list file needs --list-version and --valid-from."))
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS[:3] if c not in header]
    if missing:
        raise ListFileError(
            _("The CSV header lacks %(missing)s; columns are %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(CSV_COLUMNS)}
        )
    parsed = Parsed(zone="", version=version, valid_from=_day(valid_from, "--valid-from"))
    parsed.title = title
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        where = _("line %(line)d") % {"line": line}
        parsed.fields.append(
            (
                _text(row.get("category"), f"{where}, category"),
                _text(row.get("sub_category"), f"{where}, sub_category"),
                _text(row.get("field"), f"{where}, field"),
                row.get("description", ""),
                [a.strip() for a in row.get("aliases", "").split("|") if a.strip()],
            )
        )
    return parsed


def parse(
    path: Path,
    *,
    zone: str,
    version: str | None = None,
    valid_from: str | None = None,
    title: str = "",
) -> Parsed:
    """Read a list file (by its suffix: ``.json`` or ``.csv``) for ``zone``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ListFileError(_("No file %(path)s.") % {"path": path}) from None
    return parse_bytes(
        data, path.name, zone=zone, version=version, valid_from=valid_from, title=title
    )


def parse_bytes(
    data: bytes,
    name: str,
    *,
    zone: str,
    version: str | None = None,
    valid_from: str | None = None,
    title: str = "",
) -> Parsed:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ListFileError(_("%(path)s is not UTF-8 text.") % {"path": name}) from None
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        parsed = _parse_json(text)
    elif suffix == ".csv":
        parsed = _parse_csv(text, version, valid_from, title)
    else:
        raise ListFileError(_("A list file is .json or .csv, not %(path)s.") % {"path": name})
    wanted = zone_code(zone)
    if not wanted:
        raise ListFileError(_("Name the zone (--zone)."))
    if parsed.zone and parsed.zone != wanted:
        raise ListFileError(
            _("The file is the list of %(file)s, not of %(zone)s.")
            % {"file": parsed.zone, "zone": wanted}
        )
    parsed.zone = wanted
    if version and version != parsed.version:
        raise ListFileError(
            _("The file is version %(file)s, not %(version)s.")
            % {"file": parsed.version, "version": version}
        )
    if not parsed.fields:
        raise ListFileError(_("The file lists no fields."))
    return parsed


@transaction.atomic
def store(parsed: Parsed, actor: Any = None) -> tuple[FtzList, str]:
    """Store a parsed list: ``created``, ``replaced`` (same version, other content) or
    ``unchanged``. A change is audited: a list decides outcomes as the rule table does."""
    digest = parsed.digest()
    found = FtzList.objects.filter(zone=parsed.zone, version=parsed.version).first()
    if found is not None and found.digest == digest:
        return found, "unchanged"
    state = "replaced" if found else "created"
    found = found or FtzList(zone=parsed.zone, version=parsed.version)
    found.title, found.source = parsed.title, parsed.source
    found.valid_from, found.digest = parsed.valid_from, digest
    found.save()
    found.entries.all().delete()
    FtzEntry.objects.bulk_create(
        FtzEntry(
            ftz_list=found,
            position=position,
            category=category,
            sub_category=sub,
            field=name,
            description=description,
            terms=sorted({norm(name), *(norm(a) for a in aliases)} - {""}),
        )
        for position, (category, sub, name, description, aliases) in enumerate(parsed.fields)
    )
    audit.record(
        actor,
        "transfer.ftz_list_imported",
        resource=f"ftz-list:{found.zone}:{found.version}",
        details={
            "state": state,
            "valid_from": found.valid_from.isoformat(),
            "fields": len(parsed.fields),
            "digest": digest,
        },
    )
    return found, state


def import_file(path: Path, *, zone: str, **options: Any) -> tuple[FtzList, str]:
    return store(parse(path, zone=zone, **options))  # the command runs as the platform


def in_force(zone: str, on: dt.date) -> FtzList | None:
    code = zone_code(zone)
    if not code:
        return None
    return FtzList.objects.filter(zone=code, valid_from__lte=on).order_by("-valid_from").first()


@dataclass
class Match:
    """A declaration's fields against its zone's list: each sent field with the list
    entry it matched (None: outside the list)."""

    ftz_list: FtzList
    fields: list[tuple[str, str, FtzEntry | None]]
    unknown: list[str]  # resources whose fields the catalog does not know yet

    @property
    def on_list(self) -> list[tuple[str, str, FtzEntry]]:
        return [(d, f, e) for d, f, e in self.fields if e is not None]

    @property
    def all_outside(self) -> bool:
        # Nothing known to be sent, or a resource of unknown fields, is no proof of
        # being outside the list.
        return bool(self.fields) and not self.unknown and not self.on_list


def match(declaration: Declaration, on: dt.date) -> Match | None:
    """The declaration's fields against the list in force for its zone, or None when the
    processor is not registered in a zone with a list."""
    ftz_list = in_force(declaration.ftz_zone, on)
    if ftz_list is None:
        return None
    by_term: dict[str, FtzEntry] = {}
    for entry in ftz_list.entries.all():
        for term in entry.terms:
            by_term.setdefault(term, entry)
    found: list[tuple[str, str, FtzEntry | None]] = []
    unknown: list[str] = []
    for resource in declaration.resources.select_related("dataset"):
        dataset = resource.dataset
        catalog = {
            f.name: f for f in dataset.fields.select_related("privacy_tag").order_by("position")
        }
        names = list(resource.fields) or sorted(catalog or (dataset.field_names() or ()))
        if not names:
            unknown.append(dataset.name)
        for name in names:
            row = catalog.get(name)
            terms = [norm(name)]
            if row is not None:
                terms.append(norm(row.title))
                if hasattr(row, "privacy_tag"):  # no tag: the relation raises
                    terms.append(norm(row.privacy_tag.detector))
            hit = next((by_term[t] for t in terms if t and t in by_term), None)
            found.append((dataset.name, name, hit))
    return Match(ftz_list, found, unknown)


def matched_out(result: Match) -> dict[str, Any]:
    """What the match was, for the audit entry and the declaration's page."""
    return {
        "zone": result.ftz_list.zone,
        "version": result.ftz_list.version,
        "on_list": [
            {"dataset": d, "field": f, "entry": f"{e.category} / {e.sub_category} / {e.field}"}
            for d, f, e in result.on_list
        ],
        "outside": [{"dataset": d, "field": f} for d, f, e in result.fields if e is None],
        "unknown": result.unknown,
        "all_outside": result.all_outside,
    }
