"""The bulk import engine: many status changes and statements recorded at once, set-based (a fixed number of
queries per batch), with the same checks, identities and history as the single-record writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ..caching import data_changed
from ..dates import Precision
from ..models import Actor, Arrangement, Country, ReportedTotal, Source, Statement, StatusChange, TransferNationality
from .archive import archive_on_record
from .checks import (
    User,
    check_people_totals,
    chunks,
    clean_http_url,
    history_user,
    name_key,
    normalize_url,
    note_sources_added,
    set_source_keys,
    unique_slugs,
)
from .derived import refresh_arrangements
from .events import new_nationalities, new_reported_totals, new_statement, new_status_change
from .records import differences


@dataclass
class EventRow:
    """One status change or statement to record in bulk, each field already checked (importers.read_records)."""

    line: int
    record_type: str  # "status_change" or "statement"
    sending_state: Country
    receiving: list[Country]
    date: dt.date
    precision: str
    status: str
    note: str
    people: int | None
    actor: str
    actor_role: str
    actor_kind: str
    actor_country: Country | None
    stance: str
    quote: str
    source: dict[str, Any]
    import_ref: str
    nationalities: list[tuple[Country, int | None]] = field(default_factory=list)  # checks.check_nationalities
    people_total: int | None = None

    def build(
        self, arrangements: dict[tuple[str, str], Any] | None = None, actors: dict[str, Any] | None = None
    ) -> Any:
        """The unsaved record, made by the one event builder (with stand-ins when nothing is stored yet)."""
        if self.record_type == "status_change":
            pair = (self.sending_state.pk, self.receiving[0].pk)
            arrangement = (
                arrangements[pair]
                if arrangements
                else Arrangement(sending_state_id=pair[0], receiving_country_id=pair[1])
            )
            return new_status_change(
                arrangement=arrangement,
                status=self.status,
                date=self.date,
                precision=self.precision,
                note=self.note,
                people=self.people,
                import_ref=self.import_ref,
            )
        return new_statement(
            actor=actors[name_key(self.actor)] if actors else Actor(name=self.actor),
            sending_state=self.sending_state,
            receiving_countries=[c.pk for c in self.receiving],
            date=self.date,
            precision=self.precision,
            stance=self.stance,
            quote=self.quote,
            paraphrase=self.note,
            status=self.status,
            import_ref=self.import_ref,
        )

    def key(self) -> str:
        """The content identity (what the event says), exactly as the single-record writes compute it."""
        return str(self.build().content_key)


@dataclass
class BulkResult:
    created: int = 0
    unchanged: int = 0
    sources_added: int = 0
    details_added: int = 0  # rows that gave a stored event its nationalities or a reported total
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Transfer:
    """What the rows say of a transfer beyond the event itself, gathered per event (records possibly unsaved)."""

    nationalities: dict[int, tuple[EventRow, Any]] = field(default_factory=dict)  # id(record) → first row naming them
    totals: dict[tuple[int, int], tuple[EventRow, Any, Source]] = field(default_factory=dict)  # (id(record), source)

    def gather(self, e: EventRow, record: Any, source: Source, result: BulkResult) -> None:
        if e.nationalities:
            first = self.nationalities.setdefault(id(record), (e, record))[0]
            if _codes(first.nationalities) != _codes(e.nationalities):
                result.warnings.append(
                    f"line {e.line}: nationalities differ from line {first.line} (line {first.line} kept)"
                )
        if e.people_total is not None:
            first = self.totals.setdefault((id(record), source.pk), (e, record, source))[0]
            if first.people_total != e.people_total:
                result.warnings.append(
                    f"line {e.line}: people_total differs from line {first.line} (line {first.line} kept)"
                )


def _codes(nationalities: Sequence[tuple[Any, int | None]]) -> list[tuple[str, int | None]]:
    return [(getattr(country, "pk", country), count) for country, count in nationalities]


def _bulk_sources(events: Sequence[EventRow], user: User, reason: str, result: BulkResult) -> dict[str, Source]:
    given: dict[str, dict[str, Any]] = {}
    for e in events:
        given.setdefault(normalize_url(e.source["url"]), e.source)
    found = {s.normalized_url: s for chunk in chunks(given) for s in Source.objects.filter(normalized_url__in=chunk)}
    new = [
        Source(
            url=clean_http_url(data["url"], field="source_url"),
            normalized_url=n,
            publisher=data["publisher"],
            origin=data.get("origin", ""),
            title=data.get("title", ""),
            published=data.get("published"),
            published_precision=data.get("published_precision") or Precision.DAY,
            kind=data.get("kind", ""),
        )
        for n, data in given.items()
        if n not in found
    ]
    for source in new:
        set_source_keys(source)
    created = bulk_create_with_history(
        new, Source, batch_size=500, default_user=history_user(user), default_change_reason=reason[:100]
    )
    for source in created:
        found[source.normalized_url] = source
    archive_on_record(source.pk for source in created)
    for e in events:
        stored = found[normalize_url(e.source["url"])]
        details = {k: e.source.get(k, "") for k in ("publisher", "origin", "title", "kind")}
        for difference in differences(stored, details):
            result.warnings.append(f"line {e.line}: source {e.source['url']}: {difference}")
    return found


def _bulk_actors(events: Sequence[EventRow], user: User, reason: str, result: BulkResult) -> dict[str, Actor]:
    given: dict[str, EventRow] = {}
    for e in events:
        if e.record_type == "statement":
            given.setdefault(name_key(e.actor), e)
    found: dict[str, Actor] = {}
    for chunk in chunks(given):
        for actor in Actor.objects.filter(name_key__in=chunk):
            found[actor.name_key] = actor
    missing = [(key, e) for key, e in given.items() if key not in found]
    new = [
        Actor(
            name=e.actor,
            name_key=key,
            slug=slug,
            role=e.actor_role,
            kind=e.actor_kind or Actor.Kind.OTHER,
            country=e.actor_country,
        )
        for (key, e), slug in zip(missing, unique_slugs([e.actor for _, e in missing]), strict=True)
    ]
    for actor in bulk_create_with_history(
        new, Actor, batch_size=500, default_user=history_user(user), default_change_reason=reason[:100]
    ):
        found[actor.name_key] = actor
    for e in events:
        if e.record_type == "statement":
            stored = found[name_key(e.actor)]
            given_details = {"role": e.actor_role, "kind": e.actor_kind, "country": e.actor_country}
            for difference in differences(stored, given_details):
                result.warnings.append(f"line {e.line}: actor {e.actor!r}: {difference}")
    return found


def _bulk_arrangements(events: Sequence[EventRow], user: User, reason: str) -> dict[tuple[str, str], Arrangement]:
    pairs = {(e.sending_state.pk, c.pk) for e in events for c in e.receiving}
    for sending, receiving in pairs:
        if sending == receiving:
            raise ValidationError({"receiving_country": "The receiving country must differ from the sending state."})
    found = {
        (a.sending_state_id, a.receiving_country_id): a
        for a in Arrangement.objects.select_for_update().filter(
            sending_state_id__in={p[0] for p in pairs}, receiving_country_id__in={p[1] for p in pairs}
        )
        if (a.sending_state_id, a.receiving_country_id) in pairs
    }
    new = [Arrangement(sending_state_id=s, receiving_country_id=r) for s, r in sorted(pairs) if (s, r) not in found]
    for a in bulk_create_with_history(
        new, Arrangement, batch_size=500, default_user=history_user(user), default_change_reason=reason[:100]
    ):
        found[(a.sending_state_id, a.receiving_country_id)] = a
    return found


def _link(through: Any, left: str, right: str, pairs: list[tuple[Any, Any]]) -> None:
    """Insert many-to-many links (records saved by now), skipping those already there."""
    through.objects.bulk_create(
        [through(**{left: a.pk, right: b.pk}) for a, b in pairs], batch_size=1000, ignore_conflicts=True
    )


@transaction.atomic
def record_events(*, events: Sequence[EventRow], user: User = None, reason: str = "") -> BulkResult:
    """Record many status changes and statements at once, as the single-event services would one by one.

    Sources, actors and arrangements are found or created; an event already on record (same import_ref, or the
    same content without one) is left as it is, gaining the row's source if that is new to it. Events are
    recorded in the given order, so of two changes on the same date the later one is the latest.
    """
    result = BulkResult()
    if not events:
        return result
    reason = reason or "bulk import"
    sources = _bulk_sources(events, user, reason, result)
    actors = _bulk_actors(events, user, reason, result)
    arrangements = _bulk_arrangements(events, user, reason)

    models_by_type: dict[str, Any] = {"status_change": StatusChange, "statement": Statement}
    known: dict[tuple[str, str, str], Any] = {}
    for record_type, model in models_by_type.items():
        typed = [e for e in events if e.record_type == record_type]
        refs = {e.import_ref for e in typed if e.import_ref}
        keys = {e.key() for e in typed if not e.import_ref}
        # Retracted records count too: re-importing a file must not bring back what an editor retracted.
        for chunk in chunks(refs):
            for record in model.all_objects.filter(import_ref__in=chunk):
                known[(record_type, "ref", record.import_ref)] = record
        for chunk in chunks(keys):
            for record in model.all_objects.filter(content_key__in=chunk).order_by("-pk"):
                known[(record_type, "key", record.content_key)] = record  # the earliest wins (ordered last)
    # (record, source) links already made: by primary key for stored records, by id() for pending ones.
    links: dict[str, set[tuple[int, int]]] = {"status_change": set(), "statement": set()}
    existing_ids = {t: [r.pk for (rt, _, _), r in known.items() if rt == t] for t in models_by_type}
    for record_type, through, column in (
        ("status_change", StatusChange.sources.through, "statuschange_id"),
        ("statement", Statement.sources.through, "statement_id"),
    ):
        for chunk in chunks(existing_ids[record_type]):
            links[record_type] |= set(
                through.objects.filter(**{f"{column}__in": chunk}).values_list(column, "source_id")
            )

    new_statements: list[Statement] = []
    transfer = _Transfer()
    stored_before = {id(r) for r in known.values()}
    unchanged_lines: set[int] = set()
    gained: dict[tuple[str, int], Any] = {}  # records on file before this import that gain a source
    plan: list[tuple[EventRow, Any]] = []  # (event, record) in file order, records possibly not saved yet
    new_links: dict[str, list[tuple[Any, Source]]] = {"status_change": [], "statement": []}
    for e in events:
        identity = (e.record_type, "ref", e.import_ref) if e.import_ref else (e.record_type, "key", e.key())
        source = sources[normalize_url(e.source["url"])]
        record = known.get(identity)
        if record is not None:
            if e.import_ref and record.content_key != e.key():
                result.warnings.append(
                    f"line {e.line}: import_ref {e.import_ref!r} is already stored with different content; "
                    "the stored record is kept (correct it in the editor)"
                )
            transfer.gather(e, record, source, result)
            link = (record.pk if record.pk is not None else id(record), source.pk)
            if link in links[e.record_type]:
                result.unchanged += 1
                unchanged_lines.add(e.line)
            else:
                links[e.record_type].add(link)
                new_links[e.record_type].append((record, source))
                if record.pk is not None:
                    gained[(e.record_type, record.pk)] = record
                result.sources_added += 1
            continue
        record = e.build(arrangements, actors)
        transfer.gather(e, record, source, result)
        if isinstance(record, Statement):
            new_statements.append(record)
        known[identity] = record
        links[e.record_type].add((id(record), source.pk))  # pending records are known by identity until saved
        new_links[e.record_type].append((record, source))
        plan.append((e, record))
        result.created += 1

    # Recorded in file order: each event a microsecond after the one before (a change recorded with a statement
    # shares its statement's moment), so "recorded later" means "later in the file" everywhere.
    now = timezone.now()
    for index, (_, record) in enumerate(plan):
        record.recorded_at = now + dt.timedelta(microseconds=index)
    history = {"default_user": history_user(user), "default_change_reason": reason[:100]}
    bulk_create_with_history(new_statements, Statement, batch_size=500, **history)
    # Status changes in file order (those recorded with a statement point to it), so ids follow the file.
    new_changes: list[StatusChange] = []
    change_of: dict[int, StatusChange] = {}  # id(statement) → the status change recorded with it (one country)
    for e, record in plan:
        if isinstance(record, StatusChange):
            new_changes.append(record)
        elif e.status:
            for country in e.receiving:
                new_changes.append(
                    new_status_change(
                        arrangement=arrangements[(e.sending_state.pk, country.pk)],
                        status=e.status,
                        date=e.date,
                        precision=e.precision,
                        note=e.note or e.quote,
                        statement=record,
                        recorded_at=record.recorded_at,
                    )
                )
                new_links["status_change"].append((new_changes[-1], sources[normalize_url(e.source["url"])]))
                change_of[id(record)] = new_changes[-1]
    bulk_create_with_history(new_changes, StatusChange, batch_size=500, **history)
    added = _record_transfers(transfer, arrangements, change_of, stored_before, history, result)
    for e, record in added:
        gained[(e.record_type, record.pk)] = record
        if e.line in unchanged_lines:  # the row's event was on file: what it added is a change of it
            unchanged_lines.discard(e.line)
            result.unchanged -= 1
            result.details_added += 1

    _link(StatusChange.sources.through, "statuschange_id", "source_id", new_links["status_change"])
    _link(Statement.sources.through, "statement_id", "source_id", new_links["statement"])
    _link(
        Statement.arrangements.through,
        "statement_id",
        "arrangement_id",
        [
            (r, arrangements[(e.sending_state.pk, c.pk)])
            for e, r in plan
            if isinstance(r, Statement)
            for c in e.receiving
        ],
    )
    note_sources_added(list(gained.values()), user, reason)
    touched = {arrangements[(e.sending_state.pk, c.pk)].pk for e in events for c in e.receiving}
    check_people_totals(arrangements[(e.sending_state.pk, e.receiving[0].pk)].pk for e, _ in plan if e.people)
    refresh_arrangements(touched)
    data_changed()
    return result


def _record_transfers(
    transfer: _Transfer,
    arrangements: dict[tuple[str, str], Arrangement],
    change_of: dict[int, StatusChange],
    stored_before: set[int],
    history: dict[str, Any],
    result: BulkResult,
) -> list[tuple[EventRow, Any]]:
    """Save the nationalities and reported totals the rows give (every event saved by now), through the event
    builder: an event on file before this import that has none gains them; one that has different ones keeps its
    own (a warning). Returns the (row, event on file before) pairs that gained something."""
    # The status change that carries a statement row's nationalities is the one recorded with it.
    statements = {r.pk: r for _, r in transfer.nationalities.values() if isinstance(r, Statement)}
    for chunk in chunks(pk for pk, r in statements.items() if id(r) not in change_of):
        for recorded in StatusChange.all_objects.filter(statement_id__in=chunk).order_by("pk"):
            change_of.setdefault(id(statements[recorded.statement_id or 0]), recorded)
    targets = [
        (e, r, r if isinstance(r, StatusChange) else change_of.get(id(r))) for e, r in transfer.nationalities.values()
    ]
    stored: dict[int, list[tuple[str, int | None]]] = {}
    for chunk in chunks([c.pk for _, _, c in targets if c is not None]):
        for change_id, country, count in TransferNationality.objects.filter(status_change_id__in=chunk).values_list(
            "status_change_id", "country_id", "count"
        ):
            stored.setdefault(change_id, []).append((country, count))
    added: list[tuple[EventRow, Any]] = []
    new: list[TransferNationality] = []
    for e, record, target in targets:
        if target is None:
            continue
        if target.pk not in stored:
            new += new_nationalities(target, e.nationalities)
            if id(record) in stored_before:
                added.append((e, record))
        elif stored[target.pk] != _codes(e.nationalities):
            result.warnings.append(
                f"line {e.line}: the record on file names other nationalities; the stored ones are kept "
                "(correct them in the editor)"
            )
    bulk_create_with_history(new, TransferNationality, batch_size=500, **history)

    on_file: dict[tuple[str, int, int], int] = {}
    for column, kind in (("status_change_id", StatusChange), ("statement_id", Statement)):
        for chunk in chunks({r.pk for _, r, _ in transfer.totals.values() if isinstance(r, kind)}):
            rows = ReportedTotal.objects.filter(**{f"{column}__in": chunk}).values_list(column, "source_id", "people")
            for event_id, source_id, people in rows:
                on_file[(column, event_id, source_id)] = people
    totals: list[ReportedTotal] = []
    for e, record, source in transfer.totals.values():
        column = "statement_id" if isinstance(record, Statement) else "status_change_id"
        people = on_file.get((column, record.pk, source.pk))
        if people is None:
            arrangement = arrangements[(e.sending_state.pk, e.receiving[0].pk)]
            assert e.people_total is not None
            totals += new_reported_totals(
                event=record, arrangement=arrangement, people=e.people_total, sources=[source]
            )
            if id(record) in stored_before:
                added.append((e, record))
        elif people != e.people_total:
            result.warnings.append(
                f"line {e.line}: the record on file reports another total ({people:,}) from this source; it is kept "
                "(correct it in the editor)"
            )
    bulk_create_with_history(totals, ReportedTotal, batch_size=500, **history)
    return added
