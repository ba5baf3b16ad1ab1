"""Background work of access: the daily expiry of agreements (enqueue it from a scheduler,
or run `gongshu expire_agreements` from cron)."""

from __future__ import annotations

from django_tasks import task

from gongshu.access import services


@task()
def expire_agreements() -> int:
    return services.expire_due()
