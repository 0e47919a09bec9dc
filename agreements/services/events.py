"""The one builder of events: every status change and statement — from the editor's form, the API, the admin or
the importer — is made here, with its content identity, before it is saved; and so are the details of a
transfer that belong to an event (its nationalities, the cumulative total its sources report)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from ..models import Actor, Arrangement, Country, ReportedTotal, Source, Statement, StatusChange, TransferNationality
from .checks import Nationalities, statement_key, status_change_key


def _shared(date: dt.date, precision: str, import_ref: str | None) -> dict[str, Any]:
    """The fields every event has (models.Event), as given."""
    return {"date": date, "date_precision": precision, "import_ref": (import_ref or "").strip() or None}


def new_status_change(
    *,
    arrangement: Arrangement,
    status: str,
    date: dt.date,
    precision: str,
    note: str = "",
    people: int | None = None,
    statement: Statement | None = None,
    import_ref: str | None = None,
    recorded_at: dt.datetime | None = None,
) -> StatusChange:
    """An unsaved status change of `arrangement` (checked by the caller)."""
    change = StatusChange(
        **_shared(date, precision, import_ref),
        arrangement=arrangement,
        status=status,
        note=note,
        people=people,
        statement=statement,
        content_key=status_change_key(
            sending_state=arrangement.sending_state_id,
            receiving_country=arrangement.receiving_country_id,
            date=date,
            precision=precision,
            status=status,
            note=note,
            people=people,
            with_statement=statement is not None,
        ),
    )
    if recorded_at is not None:
        change.recorded_at = recorded_at
    return change


def new_statement(
    *,
    actor: Actor,
    sending_state: Country,
    receiving_countries: Iterable[str],
    date: dt.date,
    precision: str,
    stance: str,
    quote: str = "",
    paraphrase: str = "",
    status: str | None = None,
    import_ref: str | None = None,
) -> Statement:
    """An unsaved statement (checked by the caller); `receiving_countries` are the ISO codes it concerns."""
    return Statement(
        **_shared(date, precision, import_ref),
        actor=actor,
        sending_state=sending_state,
        stance=stance,
        quote=quote,
        paraphrase=paraphrase,
        content_key=statement_key(
            sending_state=sending_state.pk,
            receiving_countries=list(receiving_countries),
            date=date,
            precision=precision,
            actor=actor.name,
            stance=stance,
            quote=quote,
            paraphrase=paraphrase,
            status=status,
        ),
    )


def new_nationalities(change: StatusChange, nationalities: Nationalities) -> list[TransferNationality]:
    """Unsaved nationalities of a (saved) status change, in the order given (checks.check_nationalities)."""
    return [TransferNationality(status_change=change, country=country, count=count) for country, count in nationalities]


def new_reported_totals(
    *, event: StatusChange | Statement, arrangement: Arrangement, people: int, sources: Sequence[Source]
) -> list[ReportedTotal]:
    """Unsaved cumulative totals reported by a (saved) event about one arrangement: one per source that gives it."""
    link = {"status_change": event} if isinstance(event, StatusChange) else {"statement": event}
    return [ReportedTotal(arrangement=arrangement, source=source, people=people, **link) for source in sources]


def arrangement_ids(record: Any) -> list[int]:
    """The arrangements whose derived state an event (or a term) feeds."""
    if isinstance(record, Statement):
        return list(record.arrangements.values_list("pk", flat=True))
    return [record.arrangement_id]
