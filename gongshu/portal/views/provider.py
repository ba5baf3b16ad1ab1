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
from gongshu.orgs.models import Organization
from gongshu.portal import permissions
from gongshu.portal.forms import DatasetForm, LevelForm, TagForm, UploadForm
from gongshu.portal.views.common import errors_into, guarded, principal
from gongshu.privacy import services as privacy
from gongshu.tabular import services as tabular
from gongshu.tabular.models import Ingest

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
    dataset = _own(request, name)
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


@provider_only
def ingest_progress(request: HttpRequest, uid: str) -> HttpResponse:
    ingest = get_object_or_404(Ingest.objects.select_related("dataset", "version"), uid=uid)
    if not permissions.may_edit(principal(request), ingest.dataset):
        raise PermissionDenied
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
            "errors": (report.get("errors") or [])[:50],
        },
    )


@provider_only
def privacy_page(request: HttpRequest, name: str) -> HttpResponse:
    """Confirm or change each field's sensitivity tag; decide the level against the
    privacy module's suggestion."""
    dataset = _own(request, name)
    caller = principal(request)
    level_form = LevelForm(
        request.POST if "level" in request.POST else None,
        initial={"level": dataset.level, "general_sublevel": dataset.general_sublevel},
    )
    if request.method == "POST" and "field" in request.POST:
        tag_form = TagForm(request.POST)
        if tag_form.is_valid():
            field = get_object_or_404(dataset.fields, name=tag_form.cleaned_data["field"])
            try:
                privacy.set_tag(
                    field, actor=caller, sensitivity=tag_form.cleaned_data["sensitivity"]
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Tag of %(f)s saved.") % {"f": field.name})
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
    fields = list(dataset.fields.order_by("position").select_related("privacy_tag"))
    return render(
        request,
        "portal/privacy.html",
        {
            "dataset": dataset,
            "rows": [
                (f, TagForm(initial={"field": f.name, "sensitivity": f.sensitivity}, auto_id=False))
                for f in fields
            ],
            "suggestion": privacy.suggestion(dataset),
            "level_form": level_form,
            "unmasked": privacy.unmasked_personal_fields(dataset),
        },
    )
