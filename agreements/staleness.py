"""Staleness: deadlines, flags and the editors' digest, and link checks of sources (with the drift of archived ones
from our copy) — the work the Celery jobs do.

Every function here is set-based and idempotent: run twice, or twice at once, it does the work once.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from . import archive, fetcher
from .caching import data_changed
from .models import Arrangement, Source, StaleDigest
from .roles import editors
from .services import recompute_deadlines

logger = logging.getLogger(__name__)
DIGEST_LISTED = 500  # entries named in one digest email; the rest are counted and in the needs-review queue


def flag_stale(*, now: dt.datetime | None = None) -> int:
    """Flag the arrangements whose deadline has passed, clear flags that no longer hold, and write the digest.

    One transaction: rows are claimed with UPDATE … WHERE stale_since IS NULL on a FOR UPDATE SKIP LOCKED
    selection, tagged with this run's id, and the digest listing exactly those rows is written with them. A
    worker killed part-way leaves nothing; two runs at once never flag (or list) one arrangement twice. A fixed
    number of queries however many rows. Returns how many were newly flagged.
    """
    now = now or timezone.now()
    run = uuid.uuid4()
    with transaction.atomic():
        recompute_deadlines()
        Arrangement.objects.filter(stale_since__isnull=False).exclude(stale_after__lte=now).update(
            stale_since=None, stale_flag_run=None
        )
        due = Arrangement.objects.due_for_flagging(now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        flagged = (
            Arrangement.objects.filter(pk__in=Subquery(due.values("pk")))
            .filter(stale_since__isnull=True)
            .update(stale_since=F("stale_after"), stale_flag_run=run)
        )
        pause = getattr(settings, "FLAG_STALE_PAUSE_SECONDS", 0)
        if pause:  # a drill knob: hold the transaction open so a worker can be killed in the middle of it
            time.sleep(pause)
        if flagged:
            _write_digest(run, flagged)
    if flagged:
        data_changed()
    return flagged


def _write_digest(run: uuid.UUID, flagged: int) -> None:
    rows = (
        Arrangement.objects.filter(stale_flag_run=run)
        .select_related("sending_state", "receiving_country")
        .order_by("stale_since", "pk")
        .values_list("sending_state__name", "receiving_country__name", "status", "stale_since", "last_confirmed_at")
    )
    labels = dict(Arrangement.Status.choices)

    def day(value: dt.datetime | None) -> str:
        return f"{value:%d %b %Y}" if value else gettext("never")

    lines = [
        "- "
        + gettext("%(sending)s → %(receiving)s: %(status)s, stale since %(since)s (last confirmed %(confirmed)s)")
        % {
            "sending": sending,
            "receiving": receiving,
            "status": labels.get(status, status),
            "since": day(since),
            "confirmed": day(confirmed),
        }
        for sending, receiving, status, since, confirmed in rows[:DIGEST_LISTED]
    ]
    if flagged > DIGEST_LISTED:
        lines.append("- " + gettext("… and %(n)s more") % {"n": f"{flagged - DIGEST_LISTED:,}"})
    body = (
        gettext("%(n)s arrangement(s) have gone stale: nothing has confirmed them within their status's window.")
        % {"n": f"{flagged:,}"}
        + "\n\n"
        + "\n".join(lines)
        + "\n\n"
        + gettext("Review them in the editor's needs-review queue: %(url)s") % {"url": "/editor/"}
        + "\n"
    )
    subject = gettext("[Third-Country Tracker] %(n)s entries need review") % {"n": f"{flagged:,}"}
    StaleDigest.objects.create(run=run, arrangements=flagged, subject=subject, body=body)


def send_digests() -> int:
    """Send every digest not sent yet to the editors, each once (claimed with a conditional update first)."""
    recipients = sorted(editors().exclude(email="").values_list("email", flat=True).distinct())
    sent = 0
    for digest in StaleDigest.objects.filter(sent_at__isnull=True).order_by("created_at"):
        # Claim it: only the worker whose update hits the row sends it (at most once, even after a crash).
        claimed = StaleDigest.objects.filter(pk=digest.pk, sent_at__isnull=True).update(
            sent_at=timezone.now(), recipients=", ".join(recipients)
        )
        if not claimed:
            continue
        if recipients:
            send_mail(digest.subject, digest.body, settings.DEFAULT_FROM_EMAIL, recipients)
        sent += 1
    return sent


# ---------------------------------------------------------------------------------------------------------------
# Link checks


@dataclass
class LinkResult:
    """One link check: the HTTP status, or why there was none, and how long it took (and, for an archived source,
    the page fetched in full, to compare with our copy)."""

    status: int | None
    error: str
    seconds: float
    page: archive.Page | None = None

    @property
    def dead(self) -> bool:
        return bool(self.error or (self.status or 0) >= 400)


def check_url(url: str, *, timeout: float | None = None) -> LinkResult:
    """HEAD the URL (GET when HEAD is refused) through the fetcher: vetted hops, one deadline of `timeout` s."""
    result = fetcher.probe(url, deadline=timeout or settings.LINK_CHECK_TIMEOUT)
    return LinkResult(result.status, result.error, result.elapsed)


def check_archived_url(url: str) -> LinkResult:
    """The link check of an archived source: the page in full (GET, through the fetcher), with its readable text."""
    page = archive.fetch_page(url)
    return LinkResult(page.result.status, page.result.error, page.result.elapsed, page)


def check_sources(*, source_ids: list[int] | None = None, older_than: dt.timedelta | None = None) -> dict[str, Any]:
    """Check source URLs for link rot, LINK_CHECK_CONCURRENCY at a time, recording each result as it comes.

    Each result is saved the moment its URL finishes, so a batch cut short (a time limit, a killed worker) keeps
    every result it had; the caches are told once, at the end, however the batch ends.
    """
    sources = Source.objects.all()
    if source_ids is not None:
        sources = sources.filter(pk__in=source_ids)
    elif older_than is not None:
        cutoff = timezone.now() - older_than
        sources = sources.filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=cutoff))
    targets = list(sources.order_by("pk").values_list("pk", "url", "last_archived_at"))
    checked = dead = 0
    drift: dict[str, int] = {}
    pool = ThreadPoolExecutor(max_workers=settings.LINK_CHECK_CONCURRENCY, thread_name_prefix="link-check")
    try:
        futures = {
            pool.submit(check_archived_url if archived else check_url, url): (pk, bool(archived))
            for pk, url, archived in targets
        }
        for future in as_completed(futures):
            result = future.result()
            pk, archived = futures[future]
            # Written from this thread only: the pool's threads never touch the database.
            Source.objects.filter(pk=pk).update(
                last_http_status=result.status, last_check_error=result.error[:100], last_checked_at=timezone.now()
            )
            checked += 1
            dead += result.dead
            if archived:  # drift: does the live page still say what our copy says?
                found = archive.compare(pk, result.page, result.dead, result.error or f"HTTP {result.status}")
                drift[found] = drift.get(found, 0) + 1
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # the running checks end at their deadline by themselves
        if checked:
            data_changed()
    return {"checked": checked, "dead": dead, "drift": drift}
