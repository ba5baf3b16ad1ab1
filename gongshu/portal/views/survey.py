"""The national data resource survey in the portal (gongshu/survey): the authority's
campaigns (set-up, progress, assignments, overdue list, reminders, the report with its
SVG chart and XLSX export) and the respondent's form in the browser, prefilled values
marked with their source, checked in the browser by the same expression trees the server
evaluates (``portal/static/portal/survey.js``) and then by the server on every save.
Answers are confidential: ``Submission.objects.visible_to`` decides, anyone else gets
404. Every change goes through ``survey.services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from gongshu.portal import svg
from gongshu.portal.views.common import errors_into, guarded, principal
from gongshu.survey import aggregates, reminders, services, sources, units, validation
from gongshu.survey.errors import FormInvalid
from gongshu.survey.headlines import HEADLINES
from gongshu.survey.models import (
    Assignment,
    Campaign,
    Category,
    FormVersion,
    State,
    Submission,
)


def is_authority(caller: Principal) -> bool:
    return caller.is_data_authority


def _campaign_for_authority(request: HttpRequest, pk: int) -> Campaign:
    caller = principal(request)
    if not caller.is_data_authority:
        raise PermissionDenied
    return get_object_or_404(Campaign, pk=pk)


@guarded()
def surveys(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    campaigns = []
    if caller.is_data_authority:
        campaigns = [
            {"campaign": c, "progress": services.progress(c)}
            for c in Campaign.objects.select_related("form_version__form")
        ]
    mine = (
        Assignment.objects.filter(organization_id__in=sorted(caller.organization_ids()))
        .select_related("campaign", "organization", "submission")
        .order_by("-campaign__year", "organization__code")
    )
    return render(
        request,
        "portal/surveys.html",
        {"campaigns": campaigns, "assignments": mine, "authority": caller.is_data_authority},
    )


class CampaignForm(forms.Form):
    form_file = forms.FileField(
        label=gettext_lazy("XLSForm (leave empty to use an imported form)"), required=False
    )
    form_version = forms.ModelChoiceField(
        label=gettext_lazy("Imported form"), queryset=FormVersion.objects.none(), required=False
    )
    year = forms.IntegerField(label=gettext_lazy("Survey year"), min_value=2000, max_value=2100)
    reference_date = forms.DateField(label=gettext_lazy("Reference date (YYYY-MM-DD)"))
    opens_on = forms.DateField(label=gettext_lazy("Fill-in opens on (YYYY-MM-DD)"))
    working_days = forms.IntegerField(
        label=gettext_lazy("Fill-in window (working days)"), min_value=1, max_value=120
    )
    yoy_band = forms.DecimalField(
        label=gettext_lazy("Year-on-year band (0.30 = 30%)"),
        initial=Decimal("0.30"),
        min_value=Decimal(0),
        max_digits=5,
        decimal_places=4,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["form_version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = FormVersion.objects.select_related("form")


@guarded(is_authority)
def campaign_new(request: HttpRequest) -> HttpResponse:
    caller = principal(request)
    form = CampaignForm(request.POST or None, request.FILES or None)
    form_errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["form_version"]
        upload = form.cleaned_data["form_file"]
        try:
            if upload is not None:
                version = services.import_form(caller, upload.read(), filename=upload.name)
            if version is None:
                raise ValidationError({"form_version": [_("Choose a form or upload one.")]})
            campaign = services.create_campaign(
                caller,
                year=form.cleaned_data["year"],
                form_version=version,
                reference_date=form.cleaned_data["reference_date"],
                opens_on=form.cleaned_data["opens_on"],
                working_days=form.cleaned_data["working_days"],
                yoy_band=form.cleaned_data["yoy_band"],
            )
        except FormInvalid as exc:
            form_errors = exc.errors
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Campaign set up. Assign organizations, then open it."))
            return redirect("portal:survey-campaign", pk=campaign.pk)
    return render(request, "portal/survey_new.html", {"form": form, "form_errors": form_errors})


class AssignForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Organization"),
        queryset=Organization.objects.order_by("code"),
        to_field_name="code",
    )
    sector = forms.CharField(label=gettext_lazy("Sector (GB/T 4754 section)"), max_length=64)
    category = forms.ModelChoiceField(
        label=gettext_lazy("Respondent category"),
        queryset=Category.objects.all(),
        to_field_name="code",
        required=False,
    )


@guarded(is_authority)
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    caller = principal(request)
    found = _campaign_for_authority(request, pk)
    assign_form = AssignForm(request.POST if request.POST.get("action") == "assign" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "assign" and assign_form.is_valid():
                services.assign(
                    caller,
                    found,
                    assign_form.cleaned_data["organization"],
                    sector=assign_form.cleaned_data["sector"],
                    category=assign_form.cleaned_data["category"],
                )
                messages.success(request, _("Assigned."))
                return redirect("portal:survey-campaign", pk=pk)
            if action in ("open", "closed", "draft"):
                services.set_status(caller, found, action)
                return redirect("portal:survey-campaign", pk=pk)
            if action == "remind":
                sent = reminders.remind(found)
                messages.success(request, _("%(n)d reminders sent.") % {"n": len(sent)})
                return redirect("portal:survey-campaign", pk=pk)
            if action == "publish":
                services.publish(caller, found, not found.published)
                return redirect("portal:survey-campaign", pk=pk)
        except ValidationError as exc:
            errors_into(assign_form, exc)
    assignments = (
        Assignment.objects.filter(campaign=found)
        .select_related("organization", "category", "submission", "campaign")
        .order_by("organization__code")
    )
    return render(
        request,
        "portal/survey_campaign.html",
        {
            "campaign": found,
            "progress": services.progress(found),
            "assignments": assignments,
            "overdue": services.overdue(found),
            "assign_form": assign_form,
        },
    )


@guarded()
def report(request: HttpRequest, pk: int) -> HttpResponse:
    caller = principal(request)
    found = get_object_or_404(Campaign, pk=pk)
    if not (caller.is_data_authority or found.published):
        raise Http404
    by = request.GET.get("by", "region")
    if by not in aggregates.DIMENSIONS:
        by = "region"
    table = aggregates.table(found, by, include_unpublished=caller.is_data_authority)
    names = [i["question"] for i in table["indicators"]]
    chosen = request.GET.get("indicator")
    if chosen not in names:
        chosen = names[0] if names else None
    shown = next((i for i in table["indicators"] if i["question"] == chosen), None)
    chart = None
    if shown:
        chart = svg.bars(
            [svg.Bar(c["label"], float(c["value"])) for c in shown["cells"] if not c["suppressed"]],
            title=f"{shown['label']} ({units.label(shown['unit'])})",
        )
    return render(
        request,
        "portal/survey_report.html",
        {
            "campaign": found,
            "table": table,
            "shown": shown,
            "shown_unit": units.label(shown["unit"]) if shown else "",
            "chart": chart,
            "by": by,
            "dimensions": aggregates.DIMENSIONS,
            "headlines": HEADLINES,
            "authority": caller.is_data_authority,
        },
    )


# --- the respondent's form ---------------------------------------------------------------


def _entries(post: QueryDict, repeat: str) -> list[dict[str, Any]]:
    prefix = f"r:{repeat}:"
    rows: dict[int, dict[str, Any]] = {}
    for key in post:
        if not key.startswith(prefix):
            continue
        index, _sep, name = key.removeprefix(prefix).partition(":")
        if not index.isdigit():
            continue
        values = [v for v in post.getlist(key) if v != ""]
        if values:
            rows.setdefault(int(index), {})[name] = values if len(values) > 1 else values[0]
    return [rows[i] for i in sorted(rows)]


def answers_from(post: QueryDict, definition: dict[str, Any]) -> dict[str, Any]:
    """The posted form as answers: ``q:NAME`` (several values for select_multiple),
    ``r:REPEAT:INDEX:NAME`` inside repeats."""
    answers: dict[str, Any] = {}
    for question in definition["questions"]:
        if question["repeat"] is not None or question["type"] in ("calculate", "note"):
            continue
        values = [v for v in post.getlist(f"q:{question['name']}") if v != ""]
        if not values:
            continue
        answers[question["name"]] = values if question["type"] == "select_multiple" else values[0]
    for name, section in definition["sections"].items():
        if section["kind"] == "repeat" and (entries := _entries(post, name)):
            answers[name] = entries
    return answers


def _label(texts: dict[str, str] | None, fallback: str) -> str:
    return validation.text_in(texts, fallback)


def _layout(submission: Submission, errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The form as blocks of fields for the template, with values, prefill and errors."""
    definition = submission.assignment.campaign.form_version.definition
    answers = submission.answers
    by_error: dict[tuple[str, int | None], str] = {
        (e["question"], e.get("index")): e["message"] for e in errors
    }
    blocks: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    repeats_done: set[str] = set()
    choices = definition["choices"]

    def field(q: dict[str, Any], value: Any, name: str, index: int | None) -> dict[str, Any]:
        given = submission.prefill.get(q["name"]) if index is None else None
        picked = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        return {
            "q": q,
            "unit": units.label(q["unit"]) if q.get("unit") else "",
            "name": name,
            "label": _label(q.get("label"), q["name"]),
            "hint": _label(q.get("hint"), ""),
            "value": "" if value is None or isinstance(value, list) else value,
            "picked": [str(v) for v in picked],
            "choices": [
                {"name": c["name"], "label": _label(c.get("label"), c["name"])}
                for c in choices.get(q.get("list", ""), [])
            ],
            "prefill": (
                {"value": given["value"], "source": str(sources.SOURCES[given["key"]].where)}
                if given and given.get("key") in sources.SOURCES
                else None
            ),
            "reason": submission.corrections.get(q["name"], "") if index is None else "",
            "error": by_error.get((q["name"], index)),
            "required": q.get("required") is True,
        }

    for q in definition["questions"]:
        if q["type"] == "note":
            continue
        block = (q["sections"] or [""])[0]
        if current is None or current["name"] != block:
            section = definition["sections"].get(block, {})
            current = {
                "name": block,
                "label": _label(section.get("label"), block),
                "fields": [],
                "repeats": [],
            }
            blocks.append(current)
        if q["repeat"] is None:
            current["fields"].append(field(q, answers.get(q["name"]), f"q:{q['name']}", None))
            continue
        repeat = q["repeat"]
        if repeat in repeats_done:
            continue
        repeats_done.add(repeat)
        inside = [x for x in definition["questions"] if x["repeat"] == repeat]
        entries = [*(answers.get(repeat) or []), {}]
        current["repeats"].append(
            {
                "name": repeat,
                "label": _label(definition["sections"][repeat].get("label"), repeat),
                "entries": [
                    [
                        field(x, entry.get(x["name"]), f"r:{repeat}:{i}:{x['name']}", i)
                        for x in inside
                        if x["type"] != "calculate"
                    ]
                    for i, entry in enumerate(entries)
                ],
            }
        )
    return blocks


def _rules(definition: dict[str, Any]) -> dict[str, Any]:
    """What the browser needs to check as the server does: each question's trees."""
    keep = (
        "name",
        "type",
        "repeat",
        "sections",
        "relevant",
        "constraint",
        "required",
        "calculation",
        "constraint_message",
        "required_message",
        "list",
        "choice_filter",
    )
    filtered = {q["list"] for q in definition["questions"] if q.get("choice_filter")}
    return {
        "questions": [{k: q[k] for k in keep if k in q} for q in definition["questions"]],
        # The columns a choice_filter reads, of the lists that have one.
        "choices": {
            name: {c["name"]: c.get("columns", {}) for c in definition["choices"].get(name, [])}
            for name in filtered
        },
        "sections": {
            n: {"relevant": s.get("relevant"), "kind": s["kind"]}
            for n, s in definition["sections"].items()
        },
        "language": validation.language(),
        "required": _("This question is required."),
    }


@guarded()
def fill(request: HttpRequest, pk: int) -> HttpResponse:
    caller = principal(request)
    submission = get_object_or_404(
        Submission.objects.visible_to(caller).select_related(
            "assignment__campaign__form_version", "assignment__organization"
        ),
        pk=pk,
    )
    definition = submission.assignment.campaign.form_version.definition
    errors: list[dict[str, Any]] = []
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action in ("approve", "return"):
                services.review(caller, submission, action, request.POST.get("comment", ""))
                messages.success(request, _("Review recorded."))
                return redirect("portal:survey-fill", pk=pk)
            answers = answers_from(request.POST, definition)
            corrections = {
                key.removeprefix("reason:"): request.POST.get(key, "")
                for key in request.POST
                if key.startswith("reason:") and request.POST.get(key, "").strip()
            }
            if action == "correct":
                services.correct(caller, submission, answers, request.POST.get("why", ""))
                messages.success(request, _("Correction filed; it is reviewed again."))
                return redirect("portal:survey-fill", pk=pk)
            result = services.save_draft(caller, submission, answers, corrections)
            if action == "submit":
                services.submit(caller, submission)
                messages.success(request, _("Submitted. The answers are now locked."))
                return redirect("portal:survey-fill", pk=pk)
            errors = result.errors
            messages.info(request, _("Draft saved."))
        except services.Refused as exc:
            messages.error(request, exc.message)
        except services.AnswersInvalid as exc:
            errors = exc.errors
            messages.error(request, _("Some answers break the form's rules; see below."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do this."))
    return render(
        request,
        "portal/survey_fill.html",
        {
            "submission": submission,
            "assignment": submission.assignment,
            "blocks": _layout(submission, errors),
            "errors": errors,
            "rules": _rules(definition),
            "may_edit": services.may_edit(caller, submission) and not submission.locked,
            "may_correct": services.may_edit(caller, submission) and submission.locked,
            "may_review": services.may_review(caller, submission),
            "reviews": submission.reviews.all(),
            "State": State,
        },
    )
