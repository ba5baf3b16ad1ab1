"""Server-rendered pages. They call the same services as the API."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from gongshu.catalog import services
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import DOMAIN_ZH, Domain
from gongshu.orgs.models import Organization

PAGE_SIZE = 20


def home(request: HttpRequest) -> HttpResponse:
    visible = Dataset.objects.visible_to(request.user).select_related("provider")
    q = request.GET.get("q", "").strip()
    domain = request.GET.get("domain") or None
    error = None
    try:
        results = services.filter_datasets(visible, q=q or None, domain=domain)
    except ValidationError as exc:
        results, error = visible.none(), " ".join(exc.messages)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    domain_counts = dict(visible.values_list("domain").annotate(n=Count("id")))
    domains = [
        {"code": code, "label": label, "zh": DOMAIN_ZH.get(code, ""), "count": domain_counts[code]}
        for code, label in Domain.choices
        if domain_counts.get(code)
    ]
    return render(
        request,
        "portal/home.html",
        {
            "q": q,
            "domain": domain,
            "page": page,
            "domains": domains,
            "error": error,
            "resource_count": visible.count(),
            "provider_count": Organization.objects.filter(datasets__in=visible).distinct().count(),
        },
    )


def dataset_detail(request: HttpRequest, name: str) -> HttpResponse:
    dataset = get_object_or_404(
        Dataset.objects.visible_to(request.user).select_related("provider"), name=name
    )
    return render(
        request,
        "portal/dataset.html",
        {"dataset": dataset, "fields": dataset.fields.order_by("position")},
    )
