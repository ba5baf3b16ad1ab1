"""The registry's test world: the transport commission with a resource and its data, an
operator, the data authority's reviewer, and a helper walking a registration through."""

from __future__ import annotations

import datetime as dt

import pytest

from gongshu.orgs.models import OrgKind
from gongshu.orgs.principal import Principal
from gongshu.registry.services import deposit as deposits
from gongshu.registry.services import products, workflow
from tests.conftest import new_dataset
from tests.personas import make_member, make_organization
from tests.tabular.factories import make_version

SELECT = "SELECT i AS id, i * 2 AS flow FROM range(5) t(i)"


@pytest.fixture
def authority_org(db):
    return make_organization("sh-data-bureau", OrgKind.DATA_AUTHORITY, name_zh="上海市数据局")


@pytest.fixture
def registrar(authority_org):
    """A reviewer of the data authority: the registration authority."""
    return Principal.for_user(make_member("registrar-he", authority_org, "reviewer"))


@pytest.fixture
def clerk(transport_bureau):
    return Principal.for_user(make_member("clerk-reg", transport_bureau, "editor"))


@pytest.fixture
def operator_editor(operator_company):
    return Principal.for_user(make_member("operator-ed", operator_company, "editor"))


@pytest.fixture
def outsider(weather_bureau):
    return Principal.for_user(make_member("weather-ed", weather_bureau, "editor"))


@pytest.fixture
def resource(transport_bureau):
    dataset = new_dataset(transport_bureau, name="traffic-flow", authorized_operation=True)
    make_version(dataset, SELECT)
    return dataset


@pytest.fixture
def product(resource, operator_editor, operator_company, transport_bureau):
    return products.create_product(
        operator_editor,
        operator_company,
        code="congestion-index",
        name="拥堵指数",
        name_en="Congestion index",
        product_class="industry",
        source_versions=[resource.versions.get().pk],
        holding_rights_holder=transport_bureau,
        processing_rights_holder=operator_company,
    )


def apply_resource(clerk, dataset, on: dt.date, **extra):
    made = deposits.deposit(clerk, dataset=dataset)
    values = {"kind": "first", "data_name": dataset.title_zh, "summary": "道路交通流量"}
    values.update(extra)
    return workflow.apply(clerk, dataset=dataset, deposit=made, on=on, **values)


def register(clerk, registrar, dataset, on: dt.date):
    """Apply on ``on`` and walk through to coding on the first day the rules allow."""
    registration = apply_resource(clerk, dataset, on)
    workflow.accept(registrar, registration, on=on)
    workflow.approve(registrar, registration, on=on)
    concluded = registration.notice_ends + dt.timedelta(days=1)
    return workflow.conclude(registrar, registration, on=concluded)


@pytest.fixture
def sources_registered(clerk, registrar, resource):
    """The product's source resource registered by the implementing body, in force from
    December 2025 (27号 art. 16: resources before the products built on them)."""
    return register(clerk, registrar, resource, dt.date(2025, 12, 1))
