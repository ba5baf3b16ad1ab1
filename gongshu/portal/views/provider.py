"""The provider's workspace: register and edit resources (``catalog.services``), upload a
file and watch its ingest (``tabular.services``), confirm sensitivity tags and decide
the level (``privacy.services``). Editors and org admins of the provider only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import OpeningAttribute, Sensitivity, SharingAttribute
from gongshu.engine.messages import clean, cleaned
from gongshu.orgs.models import Organization
from gongshu.portal import ingest_report, permissions
from gongshu.portal.forms import DatasetForm, LevelForm, TagForm, UploadForm
from gongshu.portal.views.common import errors_into, guarded, principal
from gongshu.privacy import services as privacy
from gongshu.privacy.models import TagState
from gongshu.tabular import services as tabular
from gongshu.tabular.models import Ingest, Version

provider_only = guarded(lambda p: bool(permissions.editor_org_ids(p)))


def _providers(request: HttpRequest):
    return Organization.objects.filter(pk__in=permissions.editor_org_ids(principal(request)))


def _own(request: HttpRequest, name: str) -> Dataset:
    dataset = get_object_or_404(Dataset.objects.select_related("provider"), name=name)
    if not permissions.may_edit(principal(request), dataset):
        raise PermissionDenied(_("Only the provider's editors manage this resource."))
    return dataset


@provider_only
def workspace(request: HttpRequest) -> HttpResponse:
    datasets = (
        Dataset.objects.filter(provider__in=_providers(request))
        .select_related("provider")
        .order_by("-updated_at")
    )
    ingests = Ingest.objects.filter(dataset__in=datasets).select_related("dataset", "version")
    return render(
        request,
        "portal/workspace.html",
        {"datasets": datasets, "ingests": ingests.order_by("-created_at")[:10]},
    )


def _keywords(dataset: Dataset | None) -> str:
    return ", ".join(dataset.keywords) if dataset else ""


@provider_only
def dataset_form(request: HttpRequest, name: str | None = None) -> HttpResponse:
    dataset = _own(request, name) if name else None
    initial = None
    if dataset is not None:
        initial = {f: getattr(dataset, f) for f in catalog.EDITABLE_FIELDS}
        initial["keywords"] = _keywords(dataset)
    form = DatasetForm(request.POST or None, initial=initial, providers=_providers(request))
    if request.method == "POST" and form.is_valid():
        caller = principal(request)
        try:
            if dataset is None:
                dataset = catalog.create_dataset(actor=caller, **form.values())
                messages.success(request, _("Resource registered as a draft."))
            else:
                dataset = catalog.update_dataset(dataset, actor=caller, **form.values())
                messages.success(request, _("Changes saved."))
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            return redirect("portal:manage", dataset.name)
    return render(request, "portal/dataset_form.html", {"form": form, "dataset": dataset})


@provider_only
def manage(request: HttpRequest, name: str) -> HttpResponse:
    """The resource's versions, uploads and fields; a POST saves the fields' titles,
    descriptions and units (``catalog.update_field``, audited per field)."""
    dataset = _own(request, name)
    if request.method == "POST":
        caller = principal(request)
        saved, failed = 0, []
        for field in dataset.fields.order_by("position"):
            if f"title-{field.name}" not in request.POST:
                continue
            changes = {
                attr: request.POST.get(f"{attr}-{field.name}", "") for attr in catalog.FIELD_TEXTS
            }
            if all(getattr(field, a) == v.strip() for a, v in changes.items()):
                continue
            try:
                catalog.update_field(field, actor=caller, **changes)
            except ValidationError as exc:
                failed.append(f"{field.name}: {' '.join(exc.messages)}")
            else:
                saved += 1
        for message in failed:
            messages.error(request, message)
        if saved:
            messages.success(request, _("Fields saved: %(n)s.") % {"n": saved})
        elif not failed:
            messages.info(request, _("Nothing changed."))
        return redirect("portal:manage", name)
    return render(
        request,
        "portal/manage.html",
        {
            "dataset": dataset,
            "fields": dataset.fields.order_by("position").select_related("privacy_tag"),
            "versions": tabular.versions_of(dataset)[:10],
            "ingests": dataset.ingests.order_by("-created_at")[:5],
            "upload_form": UploadForm(),
        },
    )


@provider_only
@require_POST
def publish(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _own(request, name)
    try:
        catalog.publish_dataset(dataset, actor=principal(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Published."))
    return redirect("portal:manage", name)


@provider_only
@require_POST
def retire(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _own(request, name)
    try:
        catalog.retire_dataset(dataset, actor=principal(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Retired: the resource is no longer listed, and it cannot be edited.")
        )
    return redirect("portal:manage", name)


@provider_only
@require_POST
def make_current(request: HttpRequest, name: str, number: int) -> HttpResponse:
    dataset = _own(request, name)
    version = get_object_or_404(Version, dataset=dataset, number=number)
    tabular.make_current(version, actor=principal(request))
    messages.success(request, _("Version %(n)s is now the current one.") % {"n": number})
    return redirect("portal:manage", name)


@provider_only
def upload(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _own(request, name)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            ingest = tabular.start_ingest(
                dataset, upload=form.cleaned_data["file"], user=request.user
            )
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            ingest = tabular.enqueue_ingest(ingest)
            return redirect("portal:ingest", ingest.uid)
    return render(request, "portal/upload.html", {"dataset": dataset, "form": form})


def _own_ingest(request: HttpRequest, uid: str) -> Ingest:
    ingest = get_object_or_404(Ingest.objects.select_related("dataset", "version"), uid=uid)
    if not permissions.may_edit(principal(request), ingest.dataset):
        raise PermissionDenied
    # The error and the report carry what the conversion said; a page must not show
    # where the server keeps files, nor terminal codes. (Shown, never saved.)
    ingest.error = clean(ingest.error)
    ingest.report = cleaned(ingest.report or {})
    return ingest


@provider_only
def ingest_progress(request: HttpRequest, uid: str) -> HttpResponse:
    ingest = _own_ingest(request, uid)
    done = ingest.status in tabular.FINAL or ingest.status == "failed"
    percent = int(100 * ingest.bytes_done / ingest.bytes_total) if ingest.bytes_total else 0
    report = ingest.report or {}
    return render(
        request,
        "portal/ingest.html",
        {
            "ingest": ingest,
            "done": done,
            "percent": 100 if done else percent,
            "report": report,
            "stats": ingest_report.stats(report),
            "errors": ingest_report.error_rows(report),
            "error_counts": ingest_report.error_counts(report),
        },
    )


@provider_only
def ingest_errors(request: HttpRequest, uid: str) -> HttpResponse:
    """The validation report's errors as a CSV file, to fix the upload in a spreadsheet."""
    ingest = _own_ingest(request, uid)
    body = ingest_report.errors_csv(ingest_report.error_rows(ingest.report))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ingest-{ingest.uid}-errors.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _is_open(dataset: Dataset) -> bool:
    return (
        dataset.opening_attribute == OpeningAttribute.UNCONDITIONAL
        or dataset.sharing_attribute == SharingAttribute.UNCONDITIONAL
    )


def _suggestions(dataset: Dataset) -> list[dict]:
    """Each field with the scan's suggestion for it: the detector's evidence, whether the
    editor still has to confirm or reject it, and why it is pending when it would mask
    data the public reads today."""
    scan = privacy.latest_scan(dataset)
    findings = {f["field"]: f for f in (scan.findings if scan else []) if f.get("flagged")}
    released = _is_open(dataset)
    rows = []
    for field in dataset.fields.order_by("position").select_related("privacy_tag"):
        tag = getattr(field, "privacy_tag", None)
        suggested = (
            tag is not None
            and tag.state == TagState.DETECTED
            and field.sensitivity != Sensitivity.NONE
        )
        pending = (
            suggested
            and released
            and field.sensitivity in privacy.PERSONAL_TAGS
            and not (tag and tag.release_mask)
        )
        rows.append(
            {
                "field": field,
                "tag": tag,
                "finding": findings.get(field.name),
                "suggested": suggested,
                "pending": pending,
                "form": TagForm(
                    initial={"field": field.name, "sensitivity": field.sensitivity},
                    auto_id=False,
                ),
            }
        )
    return rows


def _confirm_all(request: HttpRequest, dataset: Dataset) -> None:
    caller = principal(request)
    confirmed, pending = 0, []
    for row in _suggestions(dataset):
        if row["pending"]:
            pending.append(row["field"].name)
        elif row["suggested"]:
            privacy.set_tag(row["field"], actor=caller, sensitivity=row["field"].sensitivity)
            confirmed += 1
    messages.success(request, _("Suggestions confirmed: %(n)s.") % {"n": confirmed})
    if pending:
        messages.warning(
            request,
            _(
                "Still pending, as they would mask open data: %(fields)s. "
                "Confirm or reject each one below."
            )
            % {"fields": ", ".join(pending)},
        )


def _decide_tag(request: HttpRequest, dataset: Dataset) -> bool:
    """One field's tag: confirm the suggestion, reject it (not sensitive), or set another
    sensitivity. True when saved."""
    caller = principal(request)
    if "confirm" in request.POST or "reject" in request.POST:
        name = request.POST.get("confirm") or request.POST.get("reject")
        field = get_object_or_404(dataset.fields, name=name)
        sensitivity = field.sensitivity if "confirm" in request.POST else Sensitivity.NONE
    else:
        tag_form = TagForm(request.POST)
        if not tag_form.is_valid():
            messages.error(request, " ".join(str(m) for e in tag_form.errors.values() for m in e))
            return False
        field = get_object_or_404(dataset.fields, name=tag_form.cleaned_data["field"])
        sensitivity = tag_form.cleaned_data["sensitivity"]
    try:
        privacy.set_tag(field, actor=caller, sensitivity=sensitivity)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, _("Tag of %(f)s saved.") % {"f": field.name})
    return True


@provider_only
def privacy_page(request: HttpRequest, name: str) -> HttpResponse:
    """The scan's sensitivity suggestions, for the editor to confirm or reject (one by
    one, or all at once); the level against the privacy module's suggestion."""
    dataset = _own(request, name)
    caller = principal(request)
    level_form = LevelForm(
        request.POST if "level" in request.POST else None,
        initial={"level": dataset.level, "general_sublevel": dataset.general_sublevel},
    )
    if request.method == "POST" and "confirm_all" in request.POST:
        _confirm_all(request, dataset)
        return redirect("portal:privacy", name)
    deciding = request.method == "POST" and {"field", "confirm", "reject"} & set(request.POST)
    if deciding and _decide_tag(request, dataset):
        return redirect("portal:privacy", name)
    if request.method == "POST" and level_form.is_bound and level_form.is_valid():
        data = level_form.cleaned_data
        try:
            privacy.decide_level(
                dataset,
                actor=caller,
                level=data["level"],
                general_sublevel=data["general_sublevel"],
                note=data["note"],
                authority=permissions.is_authority(caller),
            )
        except ValidationError as exc:
            errors_into(level_form, exc)
        else:
            messages.success(request, _("Level decided."))
            return redirect("portal:privacy", name)
    rows = _suggestions(dataset)
    return render(
        request,
        "portal/privacy.html",
        {
            "dataset": dataset,
            "rows": rows,
            "open_release": _is_open(dataset),
            "waiting": sum(1 for r in rows if r["suggested"] and not r["pending"]),
            "suggestion": privacy.suggestion(dataset),
            "level_form": level_form,
            "unmasked": privacy.unmasked_personal_fields(dataset),
        },
    )
