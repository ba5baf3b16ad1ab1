"""The demo step: the transport commission's resources registered, one in public notice,
one product registered; loading twice changes nothing."""

from __future__ import annotations

import pytest

from gongshu.catalog.models import Dataset
from gongshu.demo import loader
from gongshu.demo import registry as demo
from gongshu.registry.models import Product, Registration, Status
from tests.tabular.factories import make_version


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_demo_registers_the_transport_resources_and_a_product(db, var_dir):
    loader.load(lambda _: None, with_data=False)
    transport = list(Dataset.objects.filter(provider__code="sh-transport").order_by("name"))
    for dataset in transport:
        make_version(dataset, "SELECT 1 AS id")
    first = demo.load(lambda _: None)
    second = demo.load(lambda _: None)
    assert second["registered"] == []
    registered = Registration.objects.filter(status=Status.REGISTERED)
    assert registered.filter(dataset__in=transport).count() == len(transport) - 1
    assert Registration.objects.filter(status=Status.NOTICE).count() == 1
    product = Product.objects.get(code="flight-delay-index")
    assert product.is_registered and product.is_free
    assert len(first["registered"]) == len(transport)


def test_demo_registers_the_operation_products_after_their_source(db, var_dir):
    loader.load(lambda _: None, with_data=False)
    for dataset in Dataset.objects.filter(provider__code="sh-transport"):
        make_version(dataset, "SELECT 1 AS id")
    operator = Product._meta.get_field("operator").related_model.objects.get(code=demo.OPERATOR)
    for code, klass in zip(demo.OPERATION_PRODUCTS, ("public_welfare", "industry"), strict=True):
        Product.objects.create(code=code, name=code, operator=operator, product_class=klass)
    demo.load(lambda _: None)
    source = Registration.objects.get(dataset__name=demo.SOURCE, status=Status.REGISTERED)
    for code in demo.OPERATION_PRODUCTS:
        product = Product.objects.get(code=code)
        assert product.is_registered
        assert list(product.source_versions.values_list("dataset__name", flat=True)) == [
            demo.SOURCE
        ]
        assert product.current_registration().submitted_on > source.coded_on
