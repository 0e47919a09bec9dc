"""Staleness: deadlines, flags and the editors' digest, and link checks of sources — the work the Celery jobs do.

Every function here is set-based and idempotent: run twice, or twice at once, it does the work once.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q, Subquery
from django.utils import timezone

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
        return f"{value:%d %b %Y}" if value else "never"

    lines = [
        f"- {sending} → {receiving}: {labels.get(status, status)}, stale since {day(since)}"
        f" (last confirmed {day(confirmed)})"
        for sending, receiving, status, since, confirmed in rows[:DIGEST_LISTED]
    ]
    if flagged > DIGEST_LISTED:
        lines.append(f"- … and {flagged - DIGEST_LISTED:,} more")
    body = (
        f"{flagged:,} arrangement(s) have gone stale: nothing has confirmed them within their status's window.\n\n"
        + "\n".join(lines)
        + "\n\nReview them in the editor's needs-review queue: /editor/\n"
    )
    StaleDigest.objects.create(
        run=run, arrangements=flagged, subject=f"[Third-Country Tracker] {flagged:,} entries need review", body=body
    )


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
    status: int | None
    error: str
    seconds: float


def _public_host(url: str) -> bool:
    """Whether the URL's host resolves only to public addresses (link checks never probe private networks)."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return True  # let the request fail and record the error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved:
            return False
    return True


def check_url(url: str, *, timeout: float | None = None) -> LinkResult:
    """HEAD the URL (GET when HEAD is refused), following redirects, never waiting longer than `timeout`."""
    timeout = timeout or settings.LINK_CHECK_TIMEOUT
    started = time.monotonic()
    if not settings.LINK_CHECK_ALLOW_PRIVATE and not _public_host(url):
        return LinkResult(None, "private address: not checked", 0.0)
    headers = {"User-Agent": "ThirdCountryTracker-linkcheck/1.0"}
    try:
        with requests.Session() as session:
            session.max_redirects = 10
            response = session.head(url, timeout=(timeout, timeout), allow_redirects=True, headers=headers)
            if response.status_code in (405, 501) or response.status_code == 403:
                remaining = max(0.1, timeout - (time.monotonic() - started))
                response = session.get(
                    url, timeout=(remaining, remaining), allow_redirects=True, headers=headers, stream=True
                )
                response.close()
            return LinkResult(response.status_code, "", time.monotonic() - started)
    except requests.TooManyRedirects:
        return LinkResult(None, "redirect loop", time.monotonic() - started)
    except requests.Timeout:
        return LinkResult(None, "no answer (timeout)", time.monotonic() - started)
    except requests.RequestException as exc:
        return LinkResult(None, f"no answer ({type(exc).__name__})", time.monotonic() - started)


def check_sources(*, source_ids: list[int] | None = None, older_than: dt.timedelta | None = None) -> dict[str, Any]:
    """Check source URLs for link rot with bounded concurrency and record each result and when it was checked."""
    sources = Source.objects.all()
    if source_ids is not None:
        sources = sources.filter(pk__in=source_ids)
    elif older_than is not None:
        cutoff = timezone.now() - older_than
        sources = sources.filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=cutoff))
    targets = list(sources.values_list("pk", "url"))
    with ThreadPoolExecutor(max_workers=settings.LINK_CHECK_CONCURRENCY) as pool:
        results = list(pool.map(lambda target: (target[0], check_url(target[1])), targets))
    now = timezone.now()
    updated = []
    for pk, result in results:
        updated.append(
            Source(pk=pk, last_http_status=result.status, last_check_error=result.error[:100], last_checked_at=now)
        )
    Source.objects.bulk_update(updated, ["last_http_status", "last_check_error", "last_checked_at"], batch_size=500)
    if updated:
        data_changed()
    dead = sum(1 for _, r in results if r.error or (r.status or 0) >= 400)
    return {"checked": len(results), "dead": dead}
