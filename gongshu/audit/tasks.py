"""Background work of the audit log: chain whatever the after-commit kicks left pending
(enqueue it from a scheduler every minute, or run `gongshu audit chain` from cron)."""

from __future__ import annotations

from django_tasks import task

from gongshu.audit import chainer


@task()
def chain_pending() -> int:
    return chainer.chain_pending(wait=True)
