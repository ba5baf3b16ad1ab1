"""The audit log: one append-only table whose rows form a keyed hash chain (HMAC-SHA-256
under a key kept outside the database, see ``keys.py``; plain SHA-256 for the entries
written before that key existed).

Three layers keep it append-only. The model refuses updates and deletes (here); the
database refuses them too (triggers installed by migration 0002, see ``guards.py``);
and ``chain.verify`` detects any change, removal or insertion made by someone who got
past both, down to the first entry that is wrong — and, with the signed checkpoints kept
outside the database (``checkpoints.py``), a rewrite with every later hash recomputed, or
the newest entries cut off. On SQLite, a migration that alters
this table rebuilds it and so drops its triggers: such a migration must reinstall them
with ``guards.install``.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised by every code path that would edit or delete an audit entry."""


class AuditEventQuerySet(models.QuerySet):
    # Bulk paths skip save() and delete(), so they refuse here as well.
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be changed")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        # Entries get their seq and hashes only through services.append, under its lock.
        raise AppendOnlyError("append audit entries through gongshu.audit.services")

    def _append_chained(self, events: list[AuditEvent]) -> list[AuditEvent]:
        """The chainer's one multi-row INSERT of a batch it hashed under the chain lock
        (``chainer.py``); not for anything else."""
        return super().bulk_create(events)


class AuditEvent(models.Model):
    """Who did what to which resource, and what came of it. ``hash`` is the HMAC-SHA-256
    (under the audit key) of the canonical JSON of every other field but ``scheme``,
    ``prev_hash`` and ``seq`` included; ``scheme`` names that function, and is NULL for
    entries from before the audit key, whose hash is the plain SHA-256."""

    seq = models.BigIntegerField(_("sequence number"), unique=True, editable=False)
    at = models.DateTimeField(_("time"), db_index=True, editable=False)
    # Plain values, not foreign keys: an entry must outlive the user or organization.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, editable=False)
    actor_username = models.CharField(
        _("actor"), max_length=150, blank=True, db_index=True, editable=False
    )
    organization = models.CharField(_("organization"), max_length=64, blank=True, editable=False)
    action = models.CharField(_("action"), max_length=64, db_index=True, editable=False)
    resource = models.CharField(
        _("resource"), max_length=200, blank=True, db_index=True, editable=False
    )
    details = models.JSONField(_("details"), default=dict, blank=True, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, unique=True, editable=False)
    # NULL, not "", marks the entries from before the audit key, and a nullable column is
    # a plain ALTER TABLE: SQLite does not rebuild the table (which would drop the
    # append-only triggers) and PostgreSQL rewrites no row.
    scheme = models.CharField(  # noqa: DJ001
        _("hash scheme"), max_length=16, null=True, blank=True, editable=False
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.resource}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")


class PendingEntry(models.Model):
    """The outbox: an entry written by the request in its own transaction (one INSERT, no
    lock), not yet in the chain. The chainer (``chainer.py``) moves it into
    ``AuditEvent``, giving it its seq and hash, and deletes it in the same transaction, so
    an entry is either pending or chained, never both and never lost."""

    at = models.DateTimeField(_("time"), editable=False)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, editable=False)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True, editable=False)
    organization = models.CharField(_("organization"), max_length=64, blank=True, editable=False)
    action = models.CharField(_("action"), max_length=64, editable=False)
    resource = models.CharField(_("resource"), max_length=200, blank=True, editable=False)
    details = models.JSONField(_("details"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("pending audit entry")
        verbose_name_plural = _("pending audit entries")
        ordering = ["id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"pending {self.action} {self.resource}".strip()


class AuditBatch(models.Model):
    """One batch the chainer appended: entries ``first_seq``–``last_seq`` and the root of
    the Merkle tree over their hashes (``merkle.py``), from which a proof of inclusion for
    one entry is made. ``chain.verify`` checks each root against the entries."""

    first_seq = models.BigIntegerField(_("first entry"), unique=True, editable=False)
    last_seq = models.BigIntegerField(_("last entry"), unique=True, editable=False)
    root = models.CharField(_("Merkle root"), max_length=64, editable=False)
    at = models.DateTimeField(_("time"), editable=False)

    class Meta:
        verbose_name = _("audit batch")
        verbose_name_plural = _("audit batches")
        ordering = ["first_seq"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.first_seq}–{self.last_seq}"

    @property
    def size(self) -> int:
        return self.last_seq - self.first_seq + 1
