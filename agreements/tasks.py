"""Celery tasks: thin wrappers that call a service. acks_late everywhere, so every task is idempotent: a task
redelivered after its worker died does the work once."""

import datetime as dt

from celery import shared_task
from django.conf import settings

from . import staleness


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def flag_stale() -> int:
    """Flag arrangements that have gone stale, clear flags that no longer hold, and send the digest."""
    flagged = staleness.flag_stale()
    staleness.send_digests()
    return flagged


@shared_task(acks_late=True, time_limit=120)
def send_digests() -> int:
    """Send digests left unsent (a safety net for a crash between writing and sending)."""
    return staleness.send_digests()


@shared_task(acks_late=True, time_limit=3600, soft_time_limit=3500)
def check_sources(source_ids: list[int] | None = None) -> dict:
    """Check the links of sources not checked for a while (or the given ones)."""
    if source_ids is not None:
        return staleness.check_sources(source_ids=source_ids)
    return staleness.check_sources(older_than=dt.timedelta(days=settings.LINK_CHECK_EVERY_DAYS))
