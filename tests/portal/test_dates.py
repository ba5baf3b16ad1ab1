"""Date inputs carry ISO dates in both languages: <input type="date"> accepts nothing
else, so a Chinese-formatted value (2026/12/02) would leave the field empty."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms as django_forms
from django.utils import timezone, translation

from gongshu.catalog import services as catalog
from gongshu.portal import forms

LANGUAGES = ["zh-hans", "en"]
DAY = dt.date(2026, 12, 2)


def _date_values(page: str) -> dict[str, str]:
    inputs = re.findall(r'<input type="date"[^>]*>', page)
    found = {}
    for tag in inputs:
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        assert name, tag
        found[name.group(1)] = value.group(1) if value else ""
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_apply_form_s_default_dates_are_iso(login, licensed_operator, make_dataset, language):
    dataset = make_dataset(opening_attribute="conditional", sharing_attribute="conditional")
    page = login(licensed_operator).get(
        f"/datasets/{dataset.name}/apply/", HTTP_ACCEPT_LANGUAGE=language
    )
    assert page.status_code == 200
    today = timezone.localdate()
    assert _date_values(page.content.decode()) == {
        "period_start": today.isoformat(),
        "period_end": (today + dt.timedelta(days=180)).isoformat(),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_register_form_shows_temporal_coverage_as_iso(
    login, department_clerk, make_dataset, language
):
    dataset = make_dataset()
    catalog.update_dataset(dataset, temporal_start=DAY, temporal_end=DAY + dt.timedelta(1))
    page = login(department_clerk).get(
        f"/workspace/{dataset.name}/edit/", HTTP_ACCEPT_LANGUAGE=language
    )
    assert page.status_code == 200
    assert _date_values(page.content.decode()) == {
        "temporal_start": "2026-12-02",
        "temporal_end": "2026-12-03",
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_audit_filter_keeps_its_dates_as_iso(login, auditor, language):
    page = login(auditor).get(
        "/audit/", {"since": "2026-12-02", "until": "2026-12-03"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert page.status_code == 200
    assert _date_values(page.content.decode()) == {"since": "2026-12-02", "until": "2026-12-03"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_date_field_of_the_portal_s_forms_renders_iso(language):
    widgets = []
    for form_class in vars(forms).values():
        if isinstance(form_class, type) and issubclass(form_class, django_forms.Form):
            for name, field in form_class.base_fields.items():
                if isinstance(field, django_forms.DateField):
                    widgets.append((form_class.__name__, name, field.widget))
    assert len(widgets) >= 4  # the apply form's period and the audit filter's range
    widgets.append(("DatasetForm", "temporal_start", forms.date_input()))
    with translation.override(language):
        for form, name, widget in widgets:
            html = widget.render(name, DAY)
            assert 'type="date"' in html and 'value="2026-12-02"' in html, (form, name, html)
