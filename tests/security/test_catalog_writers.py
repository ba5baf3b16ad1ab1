"""Least privilege for the API's writes: a provider's resources are changed by its
editors and org admins and by platform administrators (orgs.facts.writes_for), never by
someone who is merely staff (may open the admin site) or who edits for another
organization."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gongshu.catalog.models import Dataset
from gongshu.orgs import services as orgs
from tests.personas import make_person


def patch(client, url, body, **headers):
    return client.patch(url, data=json.dumps(body), content_type="application/json", **headers)


def post(client, url, body=None, **headers):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **headers)


NEW_TRANSPORT_RESOURCE = {"title_zh": "公交", "domain": "transport", "provider": "sh-transport"}


@pytest.fixture
def weather_editor(weather_bureau):
    """Staff (may open the admin site) and an editor — of the weather bureau only."""
    user = make_person("editor-wang", is_staff=True)
    orgs.grant_role(None, user, weather_bureau, "editor")
    return user


@pytest.fixture
def transport_resource(make_dataset):
    return make_dataset(name="bus-flow")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_editor_of_another_organization_changes_nothing(weather_editor, transport_resource):
    client = signed_in(weather_editor)
    url = f"/api/v1/datasets/{transport_resource.name}"
    refused = [
        patch(client, url, {"title_en": "Mine now"}),
        post(client, f"{url}/retire"),
        post(client, f"{url}/publish"),
        client.post(
            f"{url}/uploads", {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n", "text/csv")}
        ),
        post(client, f"{url}/versions/1/make-current"),
        post(client, "/api/v1/datasets", NEW_TRANSPORT_RESOURCE),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert "editor role" in refused[0].json()["detail"]
    transport_resource.refresh_from_db()
    assert transport_resource.title_en != "Mine now" and transport_resource.status == "published"
    assert not Dataset.objects.filter(title_zh="公交").exists()


def test_is_staff_alone_writes_nothing(transport_resource):
    client = signed_in(make_person("it-staff", is_staff=True))
    response = patch(client, f"/api/v1/datasets/{transport_resource.name}", {"title_en": "x"})
    assert response.status_code == 403


def test_the_providers_editor_writes_by_session_and_by_write_token(
    department_clerk, transport_resource, make_token
):
    url = f"/api/v1/datasets/{transport_resource.name}"
    assert patch(signed_in(department_clerk), url, {"title_en": "By session"}).status_code == 200
    token = make_token(department_clerk, "write")
    by_token = patch(Client(), url, {"title_en": "By token"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert by_token.status_code == 200 and by_token.json()["title_en"] == "By token"
    read_only = make_token(department_clerk, "read")
    refused = patch(Client(), url, {"title_en": "x"}, HTTP_AUTHORIZATION=f"Bearer {read_only}")
    assert refused.status_code == 403


def test_an_editor_cannot_hand_its_resource_to_another_provider(
    department_clerk, transport_resource, weather_bureau
):
    response = patch(
        signed_in(department_clerk),
        f"/api/v1/datasets/{transport_resource.name}",
        {"provider": weather_bureau.code},
    )
    assert response.status_code == 403
    transport_resource.refresh_from_db()
    assert transport_resource.provider.code == "sh-transport"


def test_a_draft_of_another_provider_is_not_found_rather_than_forbidden(
    weather_editor, make_dataset
):
    draft = make_dataset(name="draft-flow", publish=False)
    response = patch(signed_in(weather_editor), f"/api/v1/datasets/{draft.name}", {"title_en": "x"})
    assert response.status_code == 404


def test_anonymous_writes_are_asked_to_sign_in(transport_resource):
    response = patch(Client(), f"/api/v1/datasets/{transport_resource.name}", {"title_en": "x"})
    assert response.status_code == 401
