"""Celery tasks: thin wrappers that call a service. acks_late everywhere, so every task is idempotent: a task
redelivered after its worker died does the work once."""

import datetime as dt
import logging
from typing import Any

from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction

from . import staleness
from .models import PendingTask

logger = logging.getLogger(__name__)


def enqueue(name: str, *args: Any) -> None:
    """Queue a task after the current transaction commits; if the broker is down, keep it in the database (it is
    queued by flush_pending_tasks once the broker is back), so no task is lost."""

    def send() -> None:
        try:
            current_app.tasks[name].apply_async(args=tuple(args), retry=False)
        except Exception as exc:  # broker unreachable
            logger.warning("broker unavailable, keeping %s%s for later: %s", name, args, exc)
            PendingTask.objects.create(name=name, args=list(args), error=str(exc)[:300])

    transaction.on_commit(send)


def flush_pending(limit: int = 500) -> int:
    """Queue the tasks kept while the broker was down (each removed only once the broker has it)."""
    sent = 0
    for pending in PendingTask.objects.all()[:limit]:
        current_app.tasks[pending.name].apply_async(args=tuple(pending.args), retry=False)
        PendingTask.objects.filter(pk=pending.pk).delete()
        sent += 1
    return sent


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


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1750)
def archive_sources(source_ids: list[int], force: bool = False) -> dict:
    """Capture these sources (WARC, SHA-256, readable text); without `force`, only those with no copy yet."""
    from . import archive

    return archive.archive_sources(source_ids, force=force)


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1750)
def publish_release() -> int | None:
    """Publish a dataset release if the data changed since the last one (beat: monthly, when RELEASE_MONTHLY)."""
    from . import releases

    release = releases.publish()
    return release.number if release else None


@shared_task(acks_late=True, time_limit=120)
def flush_pending_tasks() -> int:
    """Queue tasks that were kept in the database while the broker was down."""
    return flush_pending()


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1750)
def poll_feeds() -> dict:
    """Poll the watched feeds that are due (beat: every 15 minutes); matching new items become leads."""
    from . import leads

    return leads.poll_feeds()


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1750)
def send_subscription_digests() -> int:
    """Readers' digests (beat: hourly): each confirmed subscription's daily or weekly digest, once per period."""
    from . import digests

    return digests.send_digests()
