"""The records CSV export: status changes and statements in the import format, streamed in constant memory.

One row per event and source (an event with two sources is two rows with the same identity), so that the file
re-imports to the same data. Cells that a spreadsheet would run as a formula are guarded with an apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import heapq
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from .dates import format_partial_date
from .geo import geometry
from .importers import COLUMNS, escape_cell
from .models import Source, Statement, StatusChange
from .querysets import country_filter

CHUNK = 2000


class _Echo:
    """A file-like object whose write() returns what it was given (for streaming csv.writer output)."""

    def write(self, value: str) -> str:
        return value


def _source_cells(source: Source) -> dict[str, str]:
    return {
        "source_url": source.url,
        "source_publisher": source.publisher,
        "source_origin": source.origin,
        "source_title": source.title,
        "source_date": format_partial_date(source.published, source.published_precision),
        "source_kind": source.kind,
    }


def nationalities_cell(change: StatusChange | None) -> str:
    """A transfer's nationalities as the format writes them (`VN:3;PH:1;KH`), in the order given (prefetched)."""
    if change is None:
        return ""
    return ";".join(
        n.country_id if n.count is None else f"{n.country_id}:{n.count}" for n in change.nationalities.all()
    )


def _totals(event: StatusChange | Statement) -> dict[int, str]:
    """The cumulative total each source of the event reports (prefetched), by source."""
    return {t.source_id: str(t.people) for t in event.reported_totals.all()}


def _status_change_rows(change: StatusChange) -> Iterator[dict[str, str]]:
    totals = _totals(change)
    base = {
        "record_type": "status_change",
        "sending_state": change.arrangement.sending_state_id,
        "receiving_country": change.arrangement.receiving_country_id,
        "date": format_partial_date(change.date, change.date_precision),
        "status": change.status,
        "note": change.note,
        "people": "" if change.people is None else str(change.people),
        "nationalities": nationalities_cell(change),
        "import_ref": change.import_ref or "",
    }
    for source in sorted(change.sources.all(), key=lambda s: s.pk):
        yield base | _source_cells(source) | {"people_total": totals.get(source.pk, "")}


def _statement_rows(statement: Statement) -> Iterator[dict[str, str]]:
    actor = statement.actor
    changes = list(statement.status_changes.all())
    statuses = {c.status for c in changes}
    totals = _totals(statement)
    base = {
        "record_type": "statement",
        "sending_state": statement.sending_state_id,
        "receiving_country": ";".join(sorted(a.receiving_country_id for a in statement.arrangements.all())),
        "date": format_partial_date(statement.date, statement.date_precision),
        "status": statuses.pop() if len(statuses) == 1 else "",
        "note": statement.paraphrase,
        "actor": actor.name,
        "actor_role": actor.role,
        "actor_kind": actor.kind,
        "actor_country": actor.country_id or "",
        "stance": statement.stance,
        "quote": statement.quote,
        "nationalities": nationalities_cell(changes[0]) if len(changes) == 1 else "",
        "import_ref": statement.import_ref or "",
    }
    for source in sorted(statement.sources.all(), key=lambda s: s.pk):
        yield base | _source_cells(source) | {"people_total": totals.get(source.pk, "")}


def record_querysets(
    *,
    sending_state: Any = None,
    receiving_country: Any = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> tuple[Any, Any]:
    """The status changes (not recorded with a statement) and statements the export covers."""
    changes = StatusChange.objects.filter(statement__isnull=True)
    statements = Statement.objects.all()
    if sending_state:
        changes = changes.filter(country_filter("arrangement__sending_state", sending_state))
        statements = statements.filter(country_filter("sending_state", sending_state))
    if receiving_country:
        changes = changes.filter(country_filter("arrangement__receiving_country", receiving_country))
        statements = statements.concerning(receiving_country)
    if since:
        changes, statements = changes.filter(date__gte=since), statements.filter(date__gte=since)
    if until:
        changes, statements = changes.filter(date__lte=until), statements.filter(date__lte=until)
    changes = (
        changes.select_related("arrangement")
        .prefetch_related("sources", "nationalities", "reported_totals")
        .order_by("date", "recorded_at", "id")
    )
    statements = (
        statements.select_related("actor")
        .prefetch_related("sources", "arrangements", "status_changes__nationalities", "reported_totals")
        .order_by("date", "recorded_at", "id")
    )
    return changes, statements


def record_rows(**filters: Any) -> Iterator[dict[str, str]]:
    """Every exported row, in event order (date, then the order recorded), in constant memory."""
    changes, statements = record_querysets(**filters)
    tagged_changes = ((c.date, c.recorded_at, 0, c.pk, c) for c in changes.iterator(chunk_size=CHUNK))
    tagged_statements = ((s.date, s.recorded_at, 1, s.pk, s) for s in statements.iterator(chunk_size=CHUNK))
    for *_, record in heapq.merge(tagged_changes, tagged_statements, key=lambda t: t[:4]):
        yield from (_status_change_rows(record) if isinstance(record, StatusChange) else _statement_rows(record))


def csv_lines(rows: Iterable[dict[str, str]], columns: Iterable[str] = COLUMNS) -> Iterator[str]:
    """CSV text line by line (RFC 4180 quoting, CRLF), header first, formula-like cells guarded."""
    columns = list(columns)
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([escape_cell(str(row.get(c, "") or "")) for c in columns])


# ---------------------------------------------------------------------------------------------------------------
# Research list exports: the whole filtered set, streamed.


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def list_csv(spec: Any, queryset: Any) -> Iterator[str]:
    """The filtered list as CSV (header = the spec's column keys), formula-like cells guarded."""
    columns = spec.columns
    writer = csv.writer(_Echo())
    yield writer.writerow([c.key for c in columns])
    for row in spec.export_rows(queryset):
        yield writer.writerow([escape_cell(_csv_value(c.value(row))) for c in columns])


def list_json(spec: Any, queryset: Any) -> Iterator[str]:
    """The filtered list as one JSON array of objects keyed like the CSV header."""
    columns = spec.columns
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    yield "["
    separator = ""
    for row in spec.export_rows(queryset):
        yield separator + encoder.encode({c.key: c.value(row) for c in columns})
        separator = ","
    yield "]\n"


GEO_FIELDS = ("receiving_country_id", "receiving_country__latitude", "receiving_country__longitude")


def arrangements_geojson(spec: Any, queryset: Any) -> Iterator[str]:
    """A GeoJSON FeatureCollection: one feature per arrangement, the receiving country's geometry."""
    columns = spec.columns
    encoder = DjangoJSONEncoder(separators=(",", ":"))
    yield '{"type":"FeatureCollection","features":['
    separator = ""
    for row in spec.export_rows(queryset, extra=GEO_FIELDS):
        feature = {
            "type": "Feature",
            "id": row["pk"],
            "properties": {c.key: c.value(row) for c in columns},
            "geometry": geometry(*(row[f] for f in GEO_FIELDS)),
        }
        yield separator + encoder.encode(feature)
        separator = ","
    yield "]}\n"
