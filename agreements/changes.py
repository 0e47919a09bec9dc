"""What changed since a moment: every record created, changed, retracted or deleted since then, by kind and stable
id, read from django-simple-history's tables — one query per model, joined with UNION ALL into one query that the
API paginates like its other lists. For mirrors: fetch what is listed instead of everything.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, IntegerField, Max, QuerySet, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .models import Actor, Arrangement, Release, Source, Statement, StatusChange, Term

# The record kinds, as the changes API names them (the same records as the releases' tables).
KINDS: dict[str, Any] = {
    "arrangement": Arrangement,
    "status_change": StatusChange,
    "statement": Statement,
    "actor": Actor,
    "source": Source,
    "term": Term,
}
CHANGES = ("created", "changed", "retracted", "deleted")
_OFFSET = re.compile(r" (\d{2}:?\d{2})$")  # "+01:00" arrives as " 01:00" when the "+" was not encoded


def parse_since(text: str | None) -> dt.datetime:
    """`since` as a moment: an ISO 8601 timestamp (UTC when it names no offset), a date (its first moment, UTC),
    or a release number (the moment its data was read). A ValidationError names the parameter."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"since": "Required: an ISO 8601 timestamp (2025-05-01T12:00:00Z) or a release number."})
    if text.isascii() and text.isdigit():  # "²" is a digit to str.isdigit, not to int()
        if len(text) > 9:
            raise ValidationError({"since": f"No release {text}."})
        snapshot = Release.objects.filter(number=int(text)).values_list("snapshot_at", flat=True).first()
        if snapshot is None:
            raise ValidationError({"since": f"No release {text}."})
        return snapshot
    try:
        moment = parse_datetime(_OFFSET.sub(r"+\1", text))
        if moment is None and (day := parse_date(text)) is not None:
            moment = dt.datetime.combine(day, dt.time.min)
        if moment is None:
            raise ValueError(text)
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise ValidationError(
            {"since": f"Not a timestamp or release number: {text[:40]!r} (e.g. 2025-05-01T12:00:00Z or 3)."}
        ) from None


def _flag(condition: dict[str, Any]) -> Max:
    return Max(Case(When(then=Value(1), **condition), default=Value(0), output_field=IntegerField()))


def changed_since(moment: dt.datetime) -> QuerySet:
    """Rows of {kind, id, at, created, deleted, retracted}: one per record with history after `moment` (`at`: its
    latest change), oldest change first. Retracting is one-way, so any retracted version means retracted now."""
    parts = []
    for kind, model in KINDS.items():
        history = model.history.model
        retractable = any(f.name == "retracted_at" for f in history._meta.fields)
        parts.append(
            history.objects.filter(history_date__gt=moment)
            .order_by()
            .values("id")
            .annotate(
                kind=Value(kind, output_field=CharField()),
                at=Max("history_date"),
                created=_flag({"history_type": "+"}),
                deleted=_flag({"history_type": "-"}),
                retracted=_flag({"retracted_at__isnull": False}) if retractable else Value(0, IntegerField()),
            )
            .values("id", "kind", "at", "created", "deleted", "retracted")
        )
    return parts[0].union(*parts[1:], all=True).order_by("at", "kind", "id")


def change_of(row: dict[str, Any]) -> str:
    """What happened to the record since the moment, the strongest first: deleted, retracted, created, changed."""
    if row["deleted"]:
        return "deleted"
    if row["retracted"]:
        return "retracted"
    return "created" if row["created"] else "changed"
