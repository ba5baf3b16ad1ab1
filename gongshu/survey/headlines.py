"""DOMAIN.md §6: the national headline figures of 2023 and 2024, the reference table that
the survey report (portal page and PDF) shows beside the platform's own aggregates."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

HEADLINES = (
    (gettext_lazy("Data produced"), "32.85 ZB (+22.44%)", "41.06 ZB (+25%)"),
    (gettext_lazy("Data stored"), "1.73 ZB", "—"),
    (gettext_lazy("Storage space, utilisation"), "2.93 ZB, 59%", "—"),
    (gettext_lazy("Stored data unused for a year"), "~40%", "—"),
    (gettext_lazy("Computing"), "≈ 0.23 ZFLOPS (2,200+ centres)", "280 EFLOPS"),
    (gettext_lazy("of which intelligent computing"), "—", "90 EFLOPS (32%)"),
)
