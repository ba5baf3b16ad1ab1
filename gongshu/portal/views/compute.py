"""Compute-to-data in the portal (gongshu/compute): the jobs a visitor may know of, the
submit form, a job's page (status and progress, refreshing itself while the job runs;
placement, cost and energy; the reason of a block or failure; the vetting results; the
released outputs to download) and the reviewer's release-or-block form. Everything is
the compute services': the same checks as the API and the CLI; a job the visitor may
not know of is a 404, and only a released output downloads (services.released_file)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.views.decorators.http import require_POST

from gongshu.access.models import Agreement, AgreementStatus
from gongshu.catalog.models import Dataset
from gongshu.compute import rules, services
from gongshu.compute.models import FINAL, Job, Node, Status, Vetting
from gongshu.orgs.principal import Principal
from gongshu.portal.compute_forms import POLICY_LABELS, JobForm, ReviewForm
from gongshu.portal.views.common import errors_into, guarded, principal
from gongshu.tabular.models import Version

# The placement's "why" in the reader's language: the same message ids as
# compute/placement.py, worded again from the values the placement recorded.
WHY = {
    "nearest": N_("the least latency from the data's hub %(home)s (%(ms)s ms)"),
    "cheapest": N_("the lowest price, %(price)s yuan a core-hour"),
    "greenest": N_("the highest green-power share, %(green)s, at PUE %(pue)s"),
    "west": N_("a western hub for a batch job (东数西算), the cheapest there"),
}


def status_label(job: Job) -> str:
    return job.get_status_display()


def _job(request: HttpRequest, uid: str) -> Job:
    return get_object_or_404(
        Job.objects.visible_to(principal(request)).select_related(
            "organization", "node", "agreement", "submitted_by"
        ),
        uid=uid,
    )


def _node_name(node: Node | None) -> str:
    if node is None:
        return "—"
    english = (get_language() or "").startswith("en")
    return (node.name_en if english else "") or node.name_zh


def _why(job: Job) -> str:
    record = job.placement or {}
    template = WHY.get(record.get("policy", ""))
    if template is None or job.node is None:
        return str(record.get("why", ""))
    return _(template) % {
        "home": record.get("home_hub", ""),
        "ms": record.get("latency_ms", ""),
        "price": job.node.price_per_core_hour,
        "green": job.node.green_share,
        "pue": job.node.pue,
    }


def compute_agreements(caller: Principal) -> list[Agreement]:
    """The caller's organizations' active agreements whose policy permits ``compute``
    on some resource: the ones a job may run under (the gate decides each read)."""
    found = (
        Agreement.objects.visible_to(caller)
        .filter(organization_id__in=sorted(caller.organization_ids()))
        .filter(status=AgreementStatus.ACTIVE)
        .select_related("provider")
        .prefetch_related("datasets")
        .order_by("-pk")
    )
    return [
        a
        for a in found
        if any("compute" in (p.get("action") or []) for p in (a.policy or {}).get("permission", []))
    ]


def _agreement_label(agreement: Agreement) -> str:
    names = ", ".join(d.name for d in agreement.datasets.all())
    return f"#{agreement.pk} · {agreement.provider.name_zh} · {names}"


@guarded()
def jobs(request: HttpRequest) -> HttpResponse:
    """The visitor's organizations' jobs and those over data they provide (to review)."""
    caller = principal(request)
    mine = caller.organization_ids()
    found = Job.objects.visible_to(caller).select_related("organization", "node")[:200]
    rows = [
        {
            "job": j,
            "status": status_label(j),
            "node": _node_name(j.node),
            "why": _why(j),
            "mine": j.organization_id in mine,
        }
        for j in found
    ]
    return render(
        request,
        "portal/compute.html",
        {"rows": rows, "may_submit": bool(compute_agreements(caller))},
    )


@guarded()
def submit(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    agreements = compute_agreements(caller)
    choices = [(a.pk, _agreement_label(a)) for a in agreements]
    form = JobForm(request.POST or None, agreements=choices)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            job = services.submit(
                caller,
                agreement=values["agreement"],
                kind=values["kind"],
                inputs_declared=values["inputs"],
                outputs=values["outputs"],
                code=values["code"],
                dp_spec=values["dp"],
                title=values["title"],
                review=values["review"],
                executor=values["executor"],
                placement_policy=values["placement_policy"],
                batch=values["batch"],
            )
        except ValidationError as exc:
            errors_into(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not submit this job."))
        except Http404 as exc:
            # An input the visitor may not know of: said the same as one that is not there.
            form.add_error("inputs", str(exc) or _("No such resource."))
        else:
            messages.success(request, _("Job submitted."))
            return redirect("portal:compute-job", uid=job.uid)
    datasets = Dataset.objects.visible_to(caller).filter(
        pk__in=[d.pk for a in agreements for d in a.datasets.all()]
    )
    return render(
        request,
        "portal/compute_new.html",
        {
            "form": form,
            "agreements": agreements,
            "datasets": [(d.name, _field_names(d)) for d in datasets.order_by("name")],
        },
        status=400 if form.errors else 200,
    )


def _field_names(dataset: Dataset) -> list[str]:
    """The resource's field names (metadata, as its catalog page lists them); the
    current version's schema when the catalog has no field rows for it."""
    names = list(dataset.fields.order_by("position").values_list("name", flat=True))
    if names:
        return names
    version = Version.objects.filter(dataset=dataset, is_current=True).first()
    schema = (version.table_schema if version else None) or {}
    return [f["name"] for f in schema.get("fields", []) if f.get("name")]


def _checks(output: Any) -> list[dict[str, Any]]:
    """An output's vetting checks, the rule and the reason in the reader's language."""
    found = []
    for check in output.checks:
        cited = check.get("rule") or {}
        try:
            text = rules.rule(cited.get("id", "")).text()
        except KeyError:
            text = cited.get("text", "")
        found.append(
            {
                "id": cited.get("id", ""),
                "value": cited.get("value"),
                "article": cited.get("article", ""),
                "text": text,
                "passed": check.get("passed"),
                "reason": services.reason_text(check.get("reason", ""), check.get("parts") or []),
            }
        )
    return found


def _outputs(job: Job) -> list[dict[str, Any]]:
    return [
        {
            "output": o,
            "released": o.status == Vetting.RELEASED and bool(o.file),
            "reason": services.reason_text(o.reason, o.reason_parts),
            "checks": _checks(o),
        }
        for o in job.results.select_related("reviewed_by").order_by("name")
    ]


def _page(request: HttpRequest, job: Job, review_form: ReviewForm | None = None) -> HttpResponse:
    caller = principal(request)
    may_review = job.status == Status.REVIEW and services.may_review(caller, job)
    if may_review and review_form is None:
        review_form = ReviewForm()
    context = {
        "job": job,
        "status": status_label(job),
        "done": job.status in FINAL or job.status == Status.REVIEW,
        "reason": services.reason_text(job.reason, job.reason_parts),
        "node": _node_name(job.node),
        "why": _why(job),
        "policy": POLICY_LABELS.get(job.placement_policy, job.placement_policy),
        "outputs": _outputs(job),
        "charges": job.charges.select_related("budget__dataset"),
        "review_form": review_form if may_review else None,
    }
    status = 400 if review_form is not None and review_form.errors else 200
    return render(request, "portal/compute_job.html", context, status=status)


@guarded()
def job_page(request: HttpRequest, uid: str) -> HttpResponse:
    return _page(request, _job(request, uid))


@require_POST
@guarded()
def review(request: HttpRequest, uid: str) -> HttpResponse:
    job = _job(request, uid)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review(
                principal(request),
                job,
                release=form.cleaned_data["decision"] == "release",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            if "reason" not in getattr(exc, "error_dict", {}):
                # Not the form's to fix (the job is no longer awaiting review): said on
                # the job's page as it now stands.
                for message in exc.messages:
                    messages.error(request, message)
                return redirect("portal:compute-job", uid=job.uid)
            errors_into(form, exc)
        else:
            messages.success(request, _("Review recorded."))
            return redirect("portal:compute-job", uid=job.uid)
    return _page(request, job, form)


@guarded()
def download(request: HttpRequest, uid: str, name: str) -> FileResponse:
    """A released output, through the same check and audit entry as the API's download."""
    job = _job(request, uid)
    path = services.released_file(principal(request), job, name)
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{job.uid}-{name}.parquet")
