"""Fails when an endpoint is added without being classified: every operation of the API,
every CKAN action and every portal page is either a data read (and calling it must reach
the gate) or on the list of those that return no table data. A new data endpoint that
skips the gate fails here."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from gongshu import gate
from gongshu.api import api
from gongshu.gate import decide, lease
from gongshu.interop.ckan.actions import ACTIONS
from tests.tabular.factories import TRAFFIC, make_version

# Paths whose answers carry table data; each must ask the gate.
DATA_READS = {
    ("GET", "/datasets/{name}/rows"),
    ("POST", "/sql"),
    ("GET", "/datasets/{name}/export.{fmt}"),
    ("GET", "/datasets/{name}/export"),
    ("GET", "/datasets/{name}/versions/{number}/download"),
    # A version's metadata carries its profile (top values): read under a lease.
    ("GET", "/datasets/{name}/versions/{number}"),
}
# Paths that return no table data (metadata, identity, workflow, the audit log).
NOT_DATA = {
    ("GET", "/datasets"),
    ("GET", "/datasets/{name}"),
    # The list is metadata only; profiles come one version at a time (DATA_READS).
    ("GET", "/datasets/{name}/versions"),
    ("POST", "/datasets"),
    ("PATCH", "/datasets/{name}"),
    ("POST", "/datasets/{name}/publish"),
    ("POST", "/datasets/{name}/retire"),
    ("GET", "/organizations"),
    ("GET", "/organizations/{code}"),
    ("POST", "/datasets/{name}/uploads"),
    ("GET", "/ingests/{uid}"),
    ("POST", "/ingests/{uid}/retry"),
    ("POST", "/datasets/{name}/versions/{number}/make-current"),
    ("GET", "/me"),
    # The working-day calendar: dates only.
    ("GET", "/calendar/working-days/add"),
    # Session login, the signed-in check and logout (throttled by django-axes).
    ("POST", "/session"),
    ("GET", "/session"),
    ("DELETE", "/session"),
    ("POST", "/tokens"),
    ("GET", "/tokens"),
    ("DELETE", "/tokens/{token_id}"),
    ("GET", "/organizations/{code}/members"),
    ("POST", "/organizations/{code}/members"),
    ("DELETE", "/organizations/{code}/members/{username}/{role}"),
    ("GET", "/audit/events"),
    # An entry's Merkle proof: hashes of the audit chain, no table data.
    ("GET", "/audit/entries/{seq}/proof"),
    ("GET", "/applications"),
    ("POST", "/applications"),
    ("GET", "/applications/{app_id}"),
    ("POST", "/applications/{app_id}/review"),
    ("POST", "/applications/{app_id}/withdraw"),
    ("GET", "/agreements"),
    ("GET", "/agreements/{agreement_id}"),
    ("POST", "/agreements/{agreement_id}/suspend"),
    ("POST", "/agreements/{agreement_id}/resume"),
    ("POST", "/agreements/{agreement_id}/revoke"),
    ("PUT", "/agreements/{agreement_id}/policy"),
    ("GET", "/notifications"),
    ("POST", "/notifications/{notification_id}/read"),
    # Privacy: for the provider's editors; detector findings and group counts, no values.
    ("GET", "/datasets/{name}/privacy"),
    ("POST", "/datasets/{name}/privacy/scan"),
    ("PUT", "/datasets/{name}/fields/{field}/sensitivity"),
    ("GET", "/datasets/{name}/classification"),
    ("POST", "/datasets/{name}/classification"),
    ("POST", "/datasets/{name}/privacy/k-anonymity"),
    # Billing: plans, caps, usage counts and statements (money and counts, never rows).
    ("GET", "/price-plans"),
    ("POST", "/price-plans"),
    ("POST", "/price-plans/{plan_id}/revisions"),
    ("GET", "/price-caps"),
    ("PUT", "/price-caps/{kind}"),
    ("GET", "/usage"),
    ("GET", "/statements"),
    ("POST", "/statements/issue"),
    ("GET", "/statements/{number}"),
    ("GET", "/statements/{number}/export.{fmt}"),
    ("POST", "/statements/{number}/payment"),
    ("POST", "/statements/{number}/credit-notes"),
    ("GET", "/revenue-shares"),
    # Cross-border transfer: facts, declarations and approvals. The count reads the
    # declared resources through the gate (Action.TRANSFER, tests/transfer) and answers
    # numbers of people only.
    ("POST", "/transfer/evaluate"),
    ("GET", "/transfer/declarations"),
    ("POST", "/transfer/declarations"),
    ("GET", "/transfer/declarations/{declaration_id}"),
    ("PATCH", "/transfer/declarations/{declaration_id}"),
    ("DELETE", "/transfer/declarations/{declaration_id}"),
    ("POST", "/transfer/declarations/{declaration_id}/count"),
    ("POST", "/transfer/declarations/{declaration_id}/approvals"),
    # Authorized operation and pricing: records, money and the rules; the report sums
    # billing's issued statements, no table data (tests/operation).
    ("GET", "/operation/agreements"),
    ("GET", "/operation/agreements/{agreement_id}"),
    ("GET", "/operation/bond-yields"),
    ("GET", "/operation/disclosure"),
    ("GET", "/operation/plans"),
    ("GET", "/operation/plans/{plan_id}"),
    ("GET", "/operation/reports/{operator}/{year}.xlsx"),
    # The same report as PDF: the XLSX's figures, no table data.
    ("GET", "/operation/reports/{operator}/{year}.pdf"),
    ("GET", "/operation/rules"),
    ("GET", "/operation/surveys"),
    ("GET", "/operation/surveys/{survey_id}"),
    ("POST", "/operation/agreements"),
    ("POST", "/operation/agreements/{agreement_id}/consents"),
    ("POST", "/operation/agreements/{agreement_id}/file"),
    ("POST", "/operation/bond-yields"),
    ("POST", "/operation/plans"),
    # A plan's change (plans.change): its content, no table data.
    ("PATCH", "/operation/plans/{plan_id}"),
    ("POST", "/operation/plans/{plan_id}/approve"),
    ("POST", "/operation/plans/{plan_id}/file"),
    ("POST", "/operation/plans/{plan_id}/selections"),
    ("POST", "/operation/products/{code}/caps"),
    ("POST", "/operation/products/{code}/trial-prices"),
    ("POST", "/operation/surveys"),
    ("POST", "/operation/surveys/{survey_id}/approve"),
    ("POST", "/operation/surveys/{survey_id}/reconciliations"),
    ("POST", "/registry/pricing/permitted-revenue"),
    # Survey answers, the ledger's books, registrations and deposits (SHA-256s and
    # schemas), annotation's project records, the transfer reports: workflow and numbers
    # the platform keeps, no rows of a resource (each app's tests).
    ("DELETE", "/registry/registrations/{uid}"),
    ("GET", "/annotation/projects"),
    ("GET", "/annotation/projects/{project_id}"),
    ("GET", "/ledger/cards"),
    ("GET", "/ledger/cards/{card_id}"),
    ("GET", "/ledger/cards/{card_id}/schedule"),
    ("GET", "/ledger/cards/{card_id}/valuations"),
    ("GET", "/ledger/disclosures"),
    ("GET", "/ledger/disclosures.docx"),
    ("GET", "/ledger/disclosures.xlsx"),
    ("GET", "/ledger/elements"),
    ("GET", "/ledger/entries"),
    ("GET", "/ledger/journal.beancount"),
    ("GET", "/ledger/journal.csv"),
    ("GET", "/ledger/periods"),
    ("GET", "/ledger/postings"),
    ("GET", "/registry/deposits/{ref}"),
    ("GET", "/registry/lookup/{code}"),
    ("GET", "/registry/notices"),
    ("GET", "/registry/products"),
    ("GET", "/registry/products/{code}"),
    ("GET", "/registry/registrations"),
    ("GET", "/registry/registrations/{uid}"),
    ("GET", "/registry/registrations/{uid}/objections"),
    ("GET", "/registry/rules"),
    ("GET", "/registry/timers"),
    ("GET", "/survey/campaigns"),
    ("GET", "/survey/campaigns/{campaign_id}"),
    ("GET", "/survey/campaigns/{campaign_id}/aggregates"),
    # The aggregates as PDF: built from the same suppressed tables, never from answers.
    ("GET", "/survey/campaigns/{campaign_id}/report.pdf"),
    ("GET", "/survey/campaigns/{campaign_id}/assignments"),
    ("GET", "/survey/campaigns/{campaign_id}/export"),
    ("GET", "/survey/campaigns/{campaign_id}/overdue"),
    ("GET", "/survey/categories"),
    ("GET", "/survey/forms"),
    ("GET", "/survey/forms/{version_id}"),
    ("GET", "/survey/forms/{version_id}/xlsform"),
    ("GET", "/survey/submissions/{submission_id}"),
    ("GET", "/survey/submissions/{submission_id}/draft"),
    ("GET", "/survey/submissions/{submission_id}/eligibility"),
    ("GET", "/survey/submissions/{submission_id}/revisions"),
    ("GET", "/transfer/declarations/{declaration_id}/reports/{report}.docx"),
    ("PATCH", "/registry/registrations/{uid}"),
    ("POST", "/annotation/projects"),
    ("POST", "/annotation/projects/{project_id}/members"),
    ("POST", "/annotation/projects/{project_id}/tasks/{task_id}/skip"),
    ("POST", "/ledger/cards"),
    ("POST", "/ledger/cards/{card_id}/completion"),
    ("POST", "/ledger/cards/{card_id}/criteria"),
    ("POST", "/ledger/cards/{card_id}/disposals"),
    ("POST", "/ledger/cards/{card_id}/impairments"),
    ("POST", "/ledger/cards/{card_id}/impairments/reversals"),
    ("POST", "/ledger/cards/{card_id}/net-realisable-value"),
    ("POST", "/ledger/cards/{card_id}/reviews"),
    ("POST", "/ledger/cards/{card_id}/usage"),
    ("POST", "/ledger/cards/{card_id}/valuations"),
    ("POST", "/ledger/entries"),
    ("POST", "/ledger/entries/{cost_id}/accept"),
    ("POST", "/ledger/entries/{cost_id}/dismiss"),
    ("POST", "/ledger/entries/{cost_id}/evidence"),
    ("POST", "/ledger/periods"),
    ("POST", "/ledger/proposals"),
    ("POST", "/registry/deposits"),
    ("POST", "/registry/lookup/{code}/verify"),
    ("POST", "/registry/notices/{uid}/objections"),
    ("POST", "/registry/objections/{objection_id}/decide"),
    ("POST", "/registry/products"),
    ("POST", "/registry/registrations"),
    ("POST", "/registry/registrations/{uid}/accept"),
    ("POST", "/registry/registrations/{uid}/approve"),
    ("POST", "/registry/registrations/{uid}/conclude"),
    ("POST", "/registry/registrations/{uid}/reject"),
    ("POST", "/registry/registrations/{uid}/request-items"),
    ("POST", "/registry/registrations/{uid}/resubmit"),
    ("POST", "/registry/registrations/{uid}/revoke"),
    ("POST", "/survey/assignments/{assignment_id}/extend"),
    ("POST", "/survey/campaigns"),
    ("POST", "/survey/campaigns/{campaign_id}/assignments"),
    ("POST", "/survey/campaigns/{campaign_id}/publish"),
    ("POST", "/survey/campaigns/{campaign_id}/remind"),
    ("POST", "/survey/campaigns/{campaign_id}/status"),
    ("POST", "/survey/forms"),
    ("POST", "/survey/forms/{version_id}/validate"),
    ("POST", "/survey/submissions/{submission_id}/corrections"),
    ("POST", "/survey/submissions/{submission_id}/review"),
    ("POST", "/survey/submissions/{submission_id}/submit"),
    ("PUT", "/survey/submissions/{submission_id}/draft"),
}
# Paths of the subsystems that answer rows of a resource (tasks to annotate, exports of
# labelled rows, compute outputs): each reads through the gate under its own Action
# (annotate, compute), tested in that app's suite (tests/annotation, tests/compute),
# since their setup (a project, a job) does not fit the generic call below.
GATED_ELSEWHERE = {
    ("GET", "/annotation/projects/{project_id}/export"),
    ("GET", "/annotation/projects/{project_id}/quality"),
    ("GET", "/annotation/projects/{project_id}/quality/{table}.csv"),
    ("GET", "/annotation/projects/{project_id}/reviews"),
    ("POST", "/annotation/annotations/{annotation_id}/review"),
    ("POST", "/annotation/projects/{project_id}/gold"),
    ("POST", "/annotation/projects/{project_id}/next"),
    ("POST", "/annotation/projects/{project_id}/outputs"),
    ("POST", "/annotation/projects/{project_id}/predict"),
    ("POST", "/annotation/projects/{project_id}/tasks/{task_id}/annotations"),
    # A job's inputs are read at submit through gate.read(Action.COMPUTE) leases; its
    # pages and outputs show only what vetting released (tests/compute).
    ("POST", "/compute/jobs"),
    ("GET", "/compute/jobs"),
    ("GET", "/compute/jobs/{job_id}"),
    ("GET", "/compute/jobs/{job_id}/outputs"),
    ("GET", "/compute/jobs/{job_id}/outputs/{name}"),
    ("POST", "/compute/jobs/{job_id}/review"),
}


def operations() -> set[tuple[str, str]]:
    found = set()
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    found.add((method, "/" + path.lstrip("/")))
    return found


def test_every_api_operation_is_classified():
    unclassified = operations() - DATA_READS - NOT_DATA - GATED_ELSEWHERE
    assert not unclassified, f"classify these in DATA_READS or NOT_DATA: {sorted(unclassified)}"
    assert not (DATA_READS & NOT_DATA)


CKAN_DATA_READS = {"datastore_search", "datastore_search_sql"}
CKAN_NOT_DATA = {
    "status_show",
    "help_show",
    "license_list",
    "package_list",
    "current_package_list_with_resources",
    "package_search",
    "package_show",
    "organization_list",
    "organization_show",
    "group_list",
    "group_show",
    "group_package_show",
    "tag_list",
    "resource_show",
}
# Portal pages (URL names) that show data: each asks the gate, with these query strings.
PORTAL_DATA_READS = {"dataset": "?chart=speed"}
PORTAL_NOT_DATA = {
    "home", "search", "apply", "login", "logout", "applications", "application", "withdraw",
    "inbox", "review", "workspace", "dataset-new", "manage", "dataset-edit", "publish",
    "upload", "privacy", "ingest", "account", "token-revoke", "notifications-read",
    "dashboard", "audit", "favicon",
    # The upload's validation errors, to the provider's editors: its own file, before any
    # version of it is published for the gate to guard.
    "ingest-errors",
    # The provider's retire and make-current buttons (metadata; the version download they
    # sit next to is the API's gated /versions/{number}/download), and the roles screen.
    "retire", "make-current", "roles",
    # A department's catalog entries; a statement and its files (billing, not table data).
    "organization", "statement", "statement-file",
    # Cross-border declarations: metadata and numbers of people; the count reads the
    # declared resources through the gate (Action.TRANSFER, tests/transfer).
    "transfers", "transfer-new", "transfer-overview", "transfer", "transfer-count",
    # Authorized operation: records, disclosure, the calculator, the report of billed revenue.
    "operation", "operation-public", "operation-calculator", "operation-report",
    # Its forms: a plan (items, status, history), its approval, filing and operator
    # selection; an operation agreement, its filing and consents (records, no table data).
    "operation-plan", "operation-plan-new", "operation-plan-change", "operation-plan-approve",
    "operation-plan-file", "operation-plan-select", "operation-agreement",
    "operation-agreement-new", "operation-agreement-file", "operation-agreement-consent",
    # A cost survey, its approval and a year's reconciliation (figures, no table data).
    "operation-survey", "operation-survey-new", "operation-survey-approve",
    "operation-survey-reconcile", "operation-cap", "operation-trial",
    # Survey, ledger and registry pages: answers, books, registrations; the transfer
    # report is the declaration's DOCX. Annotation's pages are the shell its script fills
    # from the API's gated task reads (GATED_ELSEWHERE).
    "surveys", "survey-campaign", "survey-fill", "survey-new", "survey-report",
    "ledger", "ledger-act", "ledger-books", "ledger-card", "ledger-download", "ledger-tables",
    "registry", "registry-detail", "registry-mine", "registry-notices", "registry-object",
    "registry-product", "registry-review", "transfer-report",
    "annotation", "annotation-agreement", "annotation-annotate", "annotation-decide",
    "annotation-project", "annotation-review",
}  # fmt: skip
# Portal pages that read data on POST, with the form they post.
PORTAL_DATA_POSTS = {"sql": {"sql": 'SELECT * FROM "gated"'}}
# Portal pages of the subsystems that read under their own Action, tested in their own
# suites since their setup (an agreement allowing compute, a job) does not fit the calls
# here. Compute: the submit form reads each declared input through gate.read(Action.
# COMPUTE) under the job's agreement (tests/portal/test_compute_pages.py checks that a
# refusing gate is asked and stores nothing). The job's page shows metadata and vetting
# results. The download serves an output that vetting (and a reviewer) released, written
# from the inputs read under that lease at submit time, through services.released_file,
# the API's own check and audit entry; any other output is a 404.
PORTAL_GATED_ELSEWHERE = {
    "compute", "compute-new", "compute-job", "compute-review", "compute-download",
}  # fmt: skip


def test_every_ckan_action_is_classified():
    unclassified = set(ACTIONS) - CKAN_DATA_READS - CKAN_NOT_DATA
    assert not unclassified, f"classify these CKAN actions: {sorted(unclassified)}"
    assert not (CKAN_DATA_READS & CKAN_NOT_DATA)


def _portal_names() -> set[str]:
    return {
        name for name in get_resolver("gongshu.portal.urls").reverse_dict if isinstance(name, str)
    }


def test_every_portal_page_is_classified():
    unclassified = (
        _portal_names()
        - set(PORTAL_DATA_READS)
        - set(PORTAL_DATA_POSTS)
        - PORTAL_NOT_DATA
        - PORTAL_GATED_ELSEWHERE
    )
    assert not unclassified, f"classify these portal pages: {sorted(unclassified)}"


def _refusing_gate(monkeypatch) -> list:
    asked: list = []

    def refuse(caller, ds, action, *, purpose=None, agreement=None):
        asked.append((ds.name, action))
        return gate.Decision(allowed=False, reason="No.", hide_existence=False)

    # gate.read decides through the lease module's binding of authorize; patch it, and
    # the decide module's own for a read that asks for a Decision without a lease.
    monkeypatch.setattr(lease, "authorize", refuse)
    monkeypatch.setattr(decide, "authorize", refuse)
    return asked


@pytest.mark.parametrize("action", sorted(CKAN_DATA_READS))
def test_every_ckan_data_action_asks_the_gate(client, make_dataset, monkeypatch, action):
    dataset = make_dataset(name="gated")
    make_version(dataset, TRAFFIC)
    asked = _refusing_gate(monkeypatch)
    resource_id = f"{dataset.uid}-v1"
    params = (
        {"resource_id": resource_id}
        if action == "datastore_search"
        else {"sql": f'SELECT * FROM "{resource_id}"'}
    )
    response = client.get(f"/api/3/action/{action}", params)
    assert asked, f"{action} answered {response.status_code} without asking the gate"
    assert response.status_code in (403, 404, 409)
    assert response.json()["success"] is False


@pytest.mark.parametrize("name", sorted(PORTAL_DATA_READS))
def test_every_portal_data_page_asks_the_gate(client, make_dataset, monkeypatch, name):
    dataset = make_dataset(name="gated")
    make_version(dataset, TRAFFIC)
    asked = _refusing_gate(monkeypatch)
    url = reverse(f"portal:{name}", kwargs={"name": dataset.name}) + PORTAL_DATA_READS[name]
    response = client.get(url)
    assert asked, f"portal page {name} answered {response.status_code} without asking the gate"
    assert b"No." in response.content  # the refusal is shown, not data


@pytest.mark.parametrize("name", sorted(PORTAL_DATA_POSTS))
def test_every_portal_data_form_asks_the_gate(client, make_dataset, monkeypatch, name):
    dataset = make_dataset(name="gated")
    make_version(dataset, TRAFFIC)
    asked = _refusing_gate(monkeypatch)
    response = client.post(reverse(f"portal:{name}"), PORTAL_DATA_POSTS[name])
    assert asked, f"portal form {name} answered {response.status_code} without asking the gate"
    assert b"No." in response.content  # the refusal is shown, not data


def _concrete(method: str, path: str, name: str) -> tuple[str, str, dict]:
    url = "/api/v1" + path.format(name=name, fmt="csv", number=1)
    body = {"sql": f'SELECT * FROM "{name}"'} if path == "/sql" else {}
    return method, url, body


@pytest.mark.parametrize(("method", "path"), sorted(DATA_READS))
def test_every_data_read_asks_the_gate(client, make_dataset, monkeypatch, method, path):
    dataset = make_dataset(name="gated")
    make_version(dataset, TRAFFIC)
    asked = _refusing_gate(monkeypatch)
    method, url, body = _concrete(method, path, dataset.name)
    response = (
        client.post(url, body, content_type="application/json")
        if method == "POST"
        else client.get(url)
    )
    assert asked, f"{method} {path} answered {response.status_code} without asking the gate"
    assert response.status_code in (403, 404)


# Interop routes (URL names in gongshu.interop.urls). CKAN's actions are classified one by
# one above; the DCAT documents and data packages are metadata, shown as visible_to /
# gate.visible decide (a resource the caller may not see is a 404).
INTEROP_DATA_READS: set[str] = set()
INTEROP_NOT_DATA = {
    "ckan-action", "ckan-action-unversioned", "ckan-api-version",
    "dcat-catalog", "dcat-dataset", "datapackage", "datapackage-version",
}  # fmt: skip


def test_every_interop_route_is_classified():
    names = {n for n in get_resolver("gongshu.interop.urls").reverse_dict if isinstance(n, str)}
    unclassified = names - INTEROP_DATA_READS - INTEROP_NOT_DATA
    assert not unclassified, f"classify these interop routes: {sorted(unclassified)}"


@pytest.mark.parametrize("name", ["datapackage", "datapackage-version"])
def test_a_data_package_asks_the_gate_whether_the_resource_is_visible(
    client, make_dataset, monkeypatch, name
):
    dataset = make_dataset(name="gated")
    make_version(dataset, TRAFFIC)
    asked = []

    def hidden(caller, ds):
        asked.append(ds.name)
        return False

    monkeypatch.setattr(gate, "visible", hidden)
    kwargs = {"name": dataset.name} | ({"number": 1} if name.endswith("version") else {})
    response = client.get(reverse(f"interop:{name}", kwargs=kwargs))
    assert asked == ["gated"] and response.status_code == 404
