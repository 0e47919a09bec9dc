"""Derived state: each arrangement's stored status, people (with the basis of the figure), last confirmed,
staleness deadline, disputed and independent sources, brought in line with its event log by set-based UPDATEs
built from the same expressions the as-of reads use (agreements.querysets), so the stored state and "as of today"
are one rule."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Arrangement
from ..querysets import deadline, derived_state, people_rule, sources_count
from .checks import chunks


def refresh_arrangements(ids: Iterable[int]) -> None:
    """Recompute the stored state of these arrangements from their event log: three UPDATEs per 500 of them."""
    for chunk in chunks(sorted(set(ids))):
        rows = Arrangement.objects.filter(pk__in=chunk)
        state = derived_state(None)
        rows.update(
            status=Coalesce(state["at_status"], Value("")),
            status_date=state["at_status_date"],
            status_precision=Coalesce(state["at_status_precision"], Value("")),
            people_counted=state["at_people_counted"],
            people_reported=state["at_people_reported"],
            people_total_id=state["at_people_total"],
            last_confirmed_at=state["at_confirmed"],
            disputed=state["at_disputed"],
        )
        # These read the status, people and last confirmed just stored (an UPDATE's SET sees the row as it was).
        people = people_rule(F("people_counted"), F("people_reported"))
        rows.update(
            sources_count=sources_count(None, "status"),
            stale_after=deadline("status", "last_confirmed_at"),
            people_transferred=people["at_people"],
            people_basis=people["at_people_basis"],
        )
        rows.filter(
            Q(stale_since__isnull=False), Q(stale_after__isnull=True) | Q(stale_after__gt=timezone.now())
        ).update(stale_since=None, stale_flag_run=None)


def recompute_deadlines() -> int:
    """Bring every stored deadline in line with the windows in settings (so a changed window takes effect)."""
    rows = Arrangement.objects.exclude(status="").alias(_expected=deadline("status", "last_confirmed_at"))
    differs = (
        Q(stale_after__isnull=True, _expected__isnull=False)
        | Q(stale_after__isnull=False, _expected__isnull=True)
        | Q(stale_after__lt=F("_expected"))
        | Q(stale_after__gt=F("_expected"))
    )
    return rows.filter(differs).update(stale_after=deadline("status", "last_confirmed_at"))
