"""schemathesis over the OpenAPI document: no request the schema describes, nor any of
its negative variants (wrong types, out-of-range numbers, missing and extra fields),
makes the server answer 5xx.

It drives the WSGI application directly (no network, no server), signed in with an
admin-scope token of a staff platform administrator, so the operations behind auth are
reached too; the catalog holds a published resource with a version, so its rows, SQL,
exports and versions have something to read. Examples are bounded (``MAX_EXAMPLES`` per
operation and generation mode) to keep the run within a minute or two; set
``GONGSHU_SCHEMATHESIS_EXAMPLES`` to try harder locally.
"""

from __future__ import annotations

import os
import zlib

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from gongshu.orgs import services as orgs
from tests.tabular.factories import TRAFFIC, make_version

MAX_EXAMPLES = int(os.environ.get("GONGSHU_SCHEMATHESIS_EXAMPLES", "20"))

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


# Loaded at collection, as the server would answer it (no database is needed for it).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
schema.config.generation.update(max_examples=MAX_EXAMPLES)
if os.environ.get("APIHYGIENE_PHASES"):
    schema.config.phases.update(phases=os.environ["APIHYGIENE_PHASES"].split(","))


# Random names find nothing, so every other case names what the fixture made: the
# handlers behind the lookups (rows, exports, versions, creating a resource under a real
# provider) are reached too. The choice follows the generated value, so runs repeat.
KNOWN_PATH = {"name": "road-traffic", "code": "sh-transport", "number": 1}
KNOWN_BODY = {"provider": "sh-transport", "domain": "transport", "name": "road-traffic"}
FORMATS = ("csv", "json", "ndjson", "parquet", "xlsx")


def _heads(value: object) -> bool:
    return zlib.crc32(repr(value).encode()) % 2 == 0


def _with_known_values(case) -> None:
    """Every other case (by its own content) gets names that exist, in every phase."""
    path = case.path_parameters
    if path and _heads(path):
        for key, known in KNOWN_PATH.items():
            if key in path:
                path[key] = known
        if "fmt" in path:
            path["fmt"] = FORMATS[zlib.crc32(repr(path).encode()) % len(FORMATS)]
    if isinstance(case.body, dict) and _heads(case.body):
        for key, known in KNOWN_BODY.items():
            if key in case.body and not (key == "name" and case.method == "POST"):
                case.body[key] = known


@pytest.fixture
def _connection_kept():
    """The WSGI handler closes the database connection after each request, the test's
    transaction with it; Django's own test client keeps it open the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(_connection_kept, make_dataset, staff_user, make_token, settings) -> dict[str, str]:
    """A resource with a version to read, and the header of a token that may do anything."""
    settings.AXES_ENABLED = False  # fuzzed sign-ins would lock the test client's address
    traffic = make_dataset(name="road-traffic")
    make_version(traffic, TRAFFIC)
    staff_user.is_superuser = True
    staff_user.save()
    orgs.grant_platform_role(None, staff_user, "platform_admin")
    return {"Authorization": f"Bearer {make_token(staff_user, 'admin')}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases every run: CI fails on a regression, not on luck
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error(case, bearer):
    _with_known_values(case)
    if os.environ.get("APIHYGIENE_COUNT"):
        with open(os.environ["APIHYGIENE_COUNT"], "a") as f:
            f.write(f"{case.operation.label}\n")
    case.call_and_validate(headers=bearer, checks=[not_a_server_error])
