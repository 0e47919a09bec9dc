"""Writes of the source archive: captures (files in the archive storage, a row with history), and the drift queue.

Each source carries the time of its latest capture and of an open drift (`last_archived_at`, `drift_found_at`), set
here in the same transaction as the rows they summarise, so every list of sources shows them without a query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone

from ..caching import data_changed
from ..models import Source, SourceCapture, SourceDrift
from .checks import User, chunks, history_user, track

if TYPE_CHECKING:
    from ..archive import Page

ARCHIVE_STORAGE = "archive"


def storage() -> Storage:
    """The storage that holds captures and releases (settings.STORAGES["archive"]): local files or a bucket."""
    return storages[ARCHIVE_STORAGE]


def archive_on_record(source_ids: Iterable[int]) -> None:
    """Queue the capture of newly recorded sources, after the transaction commits: one task per ARCHIVE_BATCH ids
    (so an import is not held up by fetching). Off when ARCHIVE_ON_RECORD is (the embedded default has no worker)."""
    if not settings.ARCHIVE_ON_RECORD:
        return
    from ..tasks import enqueue  # the tasks module imports the services: imported when first used

    for batch in chunks(sorted(set(source_ids)), settings.ARCHIVE_BATCH):
        enqueue("agreements.tasks.archive_sources", batch)


def record_capture(
    *, source_id: int, page: Page, warc: bytes, captured_at: dt.datetime, user: User = None, reason: str = ""
) -> SourceCapture:
    """Keep one capture of a source: the WARC file and the text in the archive storage, and its row. The new copy is
    the one later checks compare with, so an open drift of the source is closed by it."""
    store = storage()
    base = f"captures/{source_id}/{captured_at:%Y%m%dT%H%M%S%fZ}-{page.sha256[:12]}"
    written = [store.save(base + ".warc.gz", ContentFile(warc)), store.save(base + ".txt", ContentFile(page.text))]
    try:
        with transaction.atomic():
            Source.objects.select_for_update().filter(pk=source_id).exists()
            result = page.result
            capture = SourceCapture(
                source_id=source_id,
                captured_at=captured_at,
                final_url=result.final_url[:2000],
                http_status=result.status or 0,
                content_type=(result.headers.get("Content-Type") or "")[:200],
                sha256=page.sha256,
                size=len(result.body),
                truncated=result.truncated,
                warc=written[0],
                text=written[1],
                text_chars=len(page.text),
            )
            track(capture, user, reason or "archived")
            capture.save()
            Source.objects.filter(pk=source_id).update(last_archived_at=captured_at, drift_found_at=None)
            _close(source_id, "archived again", user, captured_at)
            data_changed()
    except Exception:
        for name in written:  # nothing half-kept: no row, no files
            store.delete(name)
        raise
    return capture


@transaction.atomic
def record_drift(
    *, source_id: int, capture: SourceCapture, kind: str, detail: str, changed_words: int, diff: str
) -> SourceDrift:
    """Put a source in the editors' queue (or refresh its open entry): its page changed materially or is gone."""
    if kind not in SourceDrift.Kind.values:
        raise ValidationError({"kind": f"Unknown drift {kind!r}; one of {', '.join(SourceDrift.Kind.values)}."})
    now = timezone.now()
    fields = {"capture": capture, "kind": kind, "detail": detail, "changed_words": changed_words, "diff": diff}
    drift = SourceDrift.objects.select_for_update().filter(source_id=source_id, resolved_at__isnull=True).first()
    if drift is None:
        drift = SourceDrift.objects.create(source_id=source_id, found_at=now, last_seen_at=now, **fields)
        Source.objects.filter(pk=source_id).update(drift_found_at=now)
        data_changed()
    else:
        SourceDrift.objects.filter(pk=drift.pk).update(last_seen_at=now, **fields)
    return drift


@transaction.atomic
def close_drift(*, source_id: int, resolution: str, user: User = None) -> int:
    """Take a source out of the editors' queue (dismissed by an editor, or found as archived again)."""
    if not resolution.strip():
        raise ValidationError({"resolution": "Say why it is resolved."})
    closed = _close(source_id, resolution, user, timezone.now())
    if closed:
        Source.objects.filter(pk=source_id).update(drift_found_at=None)
        data_changed()
    return closed


def _close(source_id: int, resolution: str, user: User, when: dt.datetime) -> int:
    return SourceDrift.objects.filter(source_id=source_id, resolved_at__isnull=True).update(
        resolved_at=when, resolution=resolution.strip()[:200], resolved_by=history_user(user)
    )
