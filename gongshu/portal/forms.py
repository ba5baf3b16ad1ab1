"""The portal's forms. They check shapes only (required, types, choices); the rules live
in the services, whose ValidationErrors the views put next to the fields they name."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongshu.access.models import Channel, Purpose, Verdict
from gongshu.catalog.models import Dataset
from gongshu.catalog.services import EDITABLE_FIELDS
from gongshu.catalog.vocabulary import GeneralSubLevel, Level, Sensitivity
from gongshu.orgs.models import TokenScope
from gongshu.orgs.services import TOKEN_MAX_DAYS


def date_input() -> forms.DateInput:
    """An <input type="date">, whose value the browser accepts only as ISO 8601: the
    language's date format (2026/12/02 in Chinese) would leave it empty."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _choose(field: forms.Field, choices: list[tuple[str, object]]) -> None:
    """Set the choices of a form's choice field (``form.fields`` holds plain Fields)."""
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class ApplyForm(forms.Form):
    organization = forms.ChoiceField(label=_("On behalf of"))
    channel = forms.ChoiceField(label=_("Channel"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    requested_fields = forms.MultipleChoiceField(
        label=_("Fields you need"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ask for the fields your use needs; none ticked asks for every field."),
    )
    description = forms.CharField(
        label=_("Describe the use"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Scenario, safeguards, expected results."),
    )
    period_start = forms.DateField(label=_("From"), widget=date_input())
    period_end = forms.DateField(label=_("Until"), widget=date_input())

    def __init__(self, *args, organizations, channels, field_names, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choose(self.fields["organization"], [(o.code, o.name_zh) for o in organizations])
        labels = dict(Channel.choices)
        _choose(self.fields["channel"], [(c, labels[c]) for c in channels])
        _choose(self.fields["requested_fields"], [(n, n) for n in field_names])
        today = timezone.localdate()
        self.fields["period_start"].initial = today
        self.fields["period_end"].initial = today + dt.timedelta(days=180)


MASK_CHOICES = [
    ("", _("as delivered by default")),
    ("redact", _("redact (***)")),
    ("keep", _("keep first 3 and last 4 characters")),
    ("hash", _("hash (keyed, per agreement)")),
    ("pseudonym", _("pseudonym")),
    ("month", _("month only")),
    ("year", _("year only")),
    ("age_band", _("age band (10 years)")),
    ("null", _("remove (empty)")),
]
# Choices that are a generalize mask (policy/masks.py GENERALIZE_TO).
GENERALIZED = ("month", "year", "age_band")
# Which masks fit a Table Schema type: text can be cut and redacted; a date is
# generalized by date functions; a number or a flag is kept whole, hashed or removed.
MASKS_BY_TYPE = {
    "string": ("redact", "keep", "hash", "pseudonym"),
    "any": ("redact", "keep", "hash", "pseudonym"),
    "date": ("month", "year", "age_band", "hash"),
    "datetime": ("month", "year", "age_band", "hash"),
    "integer": ("age_band", "hash"),
    "year": ("hash",),
    "number": ("hash",),
}


def masks_for_type(field_type: str) -> list[tuple[str, object]]:
    fitting = {"", "null", *MASKS_BY_TYPE.get(field_type, ("hash",))}
    return [(value, label) for value, label in MASK_CHOICES if value in fitting]


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Decision"), choices=Verdict.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment or reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A rejection needs a reason; the applicant reads it."),
    )
    granted_fields = forms.MultipleChoiceField(
        label=_("Fields granted"), required=False, widget=forms.CheckboxSelectMultiple
    )
    calls_per_day = forms.IntegerField(label=_("Calls per day"), required=False, min_value=1)
    rows_per_day = forms.IntegerField(label=_("Rows per day"), required=False, min_value=1)

    def __init__(self, *args, field_types, requested, plans=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.field_names = list(field_types)
        _choose(self.fields["granted_fields"], [(n, n) for n in self.field_names])
        self.fields["granted_fields"].initial = list(requested or self.field_names)
        # A mask only for what the applicant asked for (none named: every field), and
        # only masks that make sense for the field's type.
        self.masked_names = [n for n in self.field_names if not requested or n in requested]
        for name in self.masked_names:
            self.fields[f"mask_{name}"] = forms.ChoiceField(
                label=_("Mask for %(field)s") % {"field": name},
                choices=masks_for_type(field_types[name]),
                required=False,
            )
        if plans:
            self.fields["plan"] = forms.ChoiceField(
                label=_("Price plan"), choices=[("", "—"), *plans], required=False
            )

    def mask_fields(self):
        return [self[f"mask_{n}"] for n in self.masked_names]

    def terms(self) -> dict:
        """The reviewer's terms in the shape ``access.services.review`` takes."""
        data = self.cleaned_data
        terms: dict = {}
        granted = data["granted_fields"]
        if granted and set(granted) != set(self.field_names):
            terms["fields"] = list(granted)
        for key in ("calls_per_day", "rows_per_day"):
            if data.get(key):
                terms[key] = data[key]
        masks = {}
        for name in self.masked_names:
            kind = data.get(f"mask_{name}")
            if kind == "keep":
                masks[name] = {"kind": "keep", "first": 3, "last": 4}
            elif kind in GENERALIZED:
                masks[name] = {"kind": "generalize", "to": kind}
            elif kind:
                masks[name] = {"kind": kind}
        if masks:
            terms["masks"] = masks
        if data.get("plan"):
            terms["plan"] = data["plan"]
        return terms


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices)
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=TOKEN_MAX_DAYS, initial=90
    )


class DatasetForm(forms.Form):
    """The catalog's editable fields, with the model's labels, help texts and choices."""

    def __init__(self, *args, providers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Dataset, fields=EDITABLE_FIELDS))
        self.fields["name"].required = False
        provider = self.fields["provider"]
        assert isinstance(provider, forms.ModelChoiceField)  # the model's foreign key
        provider.queryset = providers
        self.fields["keywords"] = forms.CharField(
            label=_("keywords"),
            required=False,
            help_text=_("Separate keywords with commas or spaces."),
        )
        for name in ("description_zh", "description_en"):
            self.fields[name].widget = forms.Textarea(attrs={"rows": 3})
        for name in ("temporal_start", "temporal_end"):
            if name in self.fields:
                self.fields[name].widget = date_input()

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in EDITABLE_FIELDS}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Data file"),
        help_text=_("CSV, TSV, XLSX, JSON, NDJSON or Parquet; the format is read from the bytes."),
    )


class TagForm(forms.Form):
    field = forms.CharField(widget=forms.HiddenInput)
    sensitivity = forms.ChoiceField(label=_("Sensitivity"), choices=Sensitivity.choices)


class LevelForm(forms.Form):
    level = forms.ChoiceField(label=_("Classification level"), choices=Level.choices)
    general_sublevel = forms.TypedChoiceField(
        label=_("General sub-level"),
        choices=[("", "—"), *GeneralSubLevel.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor (username)"), required=False)
    action = forms.CharField(
        label=_("Action"), required=False, help_text=_("Exact, or a prefix ending in *.")
    )
    resource = forms.CharField(label=_("Resource (dataset:name)"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=date_input())
    until = forms.DateField(label=_("Until"), required=False, widget=date_input())
