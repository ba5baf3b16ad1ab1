"""The compute-to-data forms of the portal. They check shapes only (one input per line,
output names split, the DP declaration as JSON); the rules live in
``gongshu.compute.services``, whose ValidationErrors the views put next to these fields."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongshu.compute import executors
from gongshu.compute.models import Kind
from gongshu.compute.placement import POLICIES

POLICY_LABELS = {
    "nearest": _("nearest to the data"),
    "cheapest": _("cheapest"),
    "greenest": _("greenest (green power, low PUE)"),
    "west": _("a western hub (东数西算, batch jobs only)"),
}


def parse_input(line: str) -> dict[str, Any]:
    """``RESOURCE:FIELD,FIELD[:NAME]`` (the CLI's --input) as the service's declaration."""
    parts = [p.strip() for p in line.split(":")]
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise forms.ValidationError(_("Give an input as RESOURCE:FIELD,FIELD[:NAME]."))
    found: dict[str, Any] = {
        "resource": parts[0],
        "fields": [f.strip() for f in parts[1].split(",") if f.strip()],
    }
    if len(parts) == 3 and parts[2]:
        found["name"] = parts[2]
    return found


class JobForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    agreement = forms.TypedChoiceField(label=_("Agreement"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.SQL)
    inputs = forms.CharField(
        label=_("Inputs"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_(
            "One input a line: RESOURCE:FIELD,FIELD[:NAME]. The job reads only these "
            "fields, through the gate, under the agreement."
        ),
    )
    outputs = forms.CharField(
        label=_("Outputs"),
        initial="out",
        help_text=_("The names of the output tables, separated by commas (a SQL job has one)."),
    )
    code = forms.CharField(
        label=pgettext_lazy("compute", "Code"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "code"}),
        help_text=_(
            "SQL: one SELECT over the inputs by name. Python: define run(inputs) returning "
            "a table (or a dict of tables by output name). None for a DP job."
        ),
    )
    dp = forms.CharField(
        label=_("Differential privacy (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_(
            'For a DP job: {"epsilon": 0.5, "aggregates": [{"name": "n", "kind": "count"}], '
            '"group_by": "district", "keys": ["…"]}. The epsilon is charged to the budget.'
        ),
    )
    placement_policy = forms.ChoiceField(
        label=_("Placement"),
        choices=[(p, POLICY_LABELS[p]) for p in POLICIES],
        initial="nearest",
    )
    batch = forms.BooleanField(label=_("Batch job (may go west)"), required=False)
    review = forms.BooleanField(
        label=_("Ask the data's provider to review the outputs before release"), required=False
    )
    executor = forms.ChoiceField(label=_("Executor"), initial="local")

    def __init__(self, *args: Any, agreements: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agreement = self.fields["agreement"]
        assert isinstance(agreement, forms.ChoiceField)
        agreement.choices = agreements
        executor = self.fields["executor"]
        assert isinstance(executor, forms.ChoiceField)
        executor.choices = [(name, name) for name in executors.names()]

    def clean_inputs(self) -> list[dict[str, Any]]:
        lines = [line.strip() for line in self.cleaned_data["inputs"].splitlines()]
        return [parse_input(line) for line in lines if line]

    def clean_outputs(self) -> list[str]:
        return [name for name in re.split(r"[,\s，]+", self.cleaned_data["outputs"]) if name]

    def clean_dp(self) -> dict[str, Any] | None:
        text = self.cleaned_data["dp"].strip()
        if not text:
            return None
        try:
            found = json.loads(text)
        except ValueError:
            found = None
        if not isinstance(found, dict):
            raise forms.ValidationError(
                _("Give the DP declaration as one JSON object, as in the example.")
            )
        return found


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("release", _("Release the outputs")), ("block", _("Block the outputs"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded with the decision and shown to the licensee."),
    )
