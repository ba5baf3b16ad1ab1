"""Nothing in the application edits or deletes an entry, and the database refuses too."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction

from gongshu.audit import services
from gongshu.audit.models import AppendOnlyError, AuditEvent


@pytest.fixture
def entry(db) -> AuditEvent:
    return services.record(None, "test.one", resource="dataset:a")


def test_it_refuses_to_save_a_changed_entry(entry):
    entry.action = "test.other"
    with pytest.raises(AppendOnlyError):
        entry.save()


@pytest.mark.parametrize(
    "attempt",
    [
        lambda: AuditEvent.objects.get().delete(),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.update(action="x"),
        lambda: AuditEvent.objects.bulk_create([AuditEvent(seq=9, hash="x")]),
    ],
    ids=["delete", "queryset-delete", "update", "bulk-create"],
)
def test_it_refuses_edits_through_the_orm(entry, attempt):
    with pytest.raises(AppendOnlyError):
        attempt()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'x'",
        "DELETE FROM audit_auditevent",
    ],
)
def test_it_refuses_edits_in_the_database(entry, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.get().action == "test.one"


def test_it_offers_only_a_read_only_admin(entry, rf, staff_user):
    model_admin = admin.site._registry[AuditEvent]
    request = rf.get("/admin/")
    request.user = staff_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
