"""What changed between two dates: every arrangement whose status differs, old → new, with the status changes and
sources in between, and the statements made in the window by stance.

Both ends are read with `Arrangement.objects.as_of(day)` — the one rule of an arrangement's state on a day — so a
comparison always agrees with the map as of either date. A fixed number of queries however many records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .dates import format_partial_date, humanize_partial_date
from .models import Arrangement, Source, Statement, StatusChange, status_label
from .querysets import sources_of


@dataclass
class Move:
    """One arrangement whose status differs between the two dates ("" where it had none)."""

    arrangement: Arrangement
    before: Any  # the arrangement as of `from` (at_* names), or None: no status yet
    after: Any  # as of `to`, or None
    events: list[StatusChange] = field(default_factory=list)

    @property
    def status_before(self) -> str:
        return getattr(self.before, "at_status", "") or ""

    @property
    def status_after(self) -> str:
        return getattr(self.after, "at_status", "") or ""

    @property
    def sources(self) -> list[Source]:
        return sources_of(self.events)

    @staticmethod
    def _since(state: Any) -> tuple[str, str]:
        if state is None:
            return "", ""
        return (
            format_partial_date(state.at_status_date, state.at_status_precision),
            humanize_partial_date(state.at_status_date, state.at_status_precision),
        )

    @property
    def since_before(self) -> tuple[str, str]:
        """(ISO at its precision, as readers see it) of the date the old status was set."""
        return self._since(self.before)

    @property
    def since_after(self) -> tuple[str, str]:
        return self._since(self.after)


@dataclass
class Comparison:
    """The changes between the end of `start` and the end of `end`, for one sending state (None: all)."""

    start: dt.date
    end: dt.date
    moves: list[Move]
    statements: list[tuple[str, str, list[Statement]]]  # (stance, label, statements), in the taxonomy's order

    @property
    def statements_count(self) -> int:
        return sum(len(group) for _, _, group in self.statements)


def compare(
    *, start: dt.date, end: dt.date, sending_state: str | None = None, receiving_country: str | None = None
) -> Comparison:
    """Every arrangement whose status at the end of `end` differs from its status at the end of `start`, with the
    status changes recorded in between (and their sources), and the statements dated in between. Seven queries."""
    arrangements = Arrangement.objects.for_sending_state(sending_state).for_receiving_country(receiving_country)
    before = {a.pk: a for a in arrangements.as_of(start).with_related()}
    after = {a.pk: a for a in arrangements.as_of(end).with_related()}
    moves = [
        Move(a, before.get(pk), a)
        for pk, a in after.items()
        if (getattr(before.get(pk), "at_status", "") or "") != a.at_status  # type: ignore[attr-defined]
    ]
    # An arrangement loses its status only when its changes are retracted: listed too (status → none).
    moves += [Move(a, a, None) for pk, a in before.items() if pk not in after]
    moves.sort(key=lambda m: (m.arrangement.receiving_country.name, m.arrangement.sending_state.name))

    window = {"date__gt": start, "date__lte": end}
    by_arrangement: dict[int, list[StatusChange]] = defaultdict(list)
    changes = (
        StatusChange.objects.for_sending_state(sending_state)
        .for_receiving_country(receiving_country)
        .filter(**window)
        .prefetch_related("sources")
        .order_by("date", "recorded_at", "id")
    )
    for change in changes:
        by_arrangement[change.arrangement_id].append(change)
    for move in moves:
        move.events = by_arrangement.get(move.arrangement.pk, [])

    statements = Statement.objects.for_sending_state(sending_state).filter(**window)
    if receiving_country:
        statements = statements.concerning(receiving_country)
    by_stance: dict[str, list[Statement]] = defaultdict(list)
    for st in statements.with_related().order_by("date", "recorded_at", "id"):
        by_stance[st.stance].append(st)
    grouped = [(value, str(label), by_stance[value]) for value, label in Statement.Stance.choices if value in by_stance]
    return Comparison(start, end, moves, grouped)


CSV_COLUMNS = [
    "sending_state",
    "receiving_country",
    "receiving_country_name",
    "status_from",
    "status_from_since",
    "status_to",
    "status_to_since",
    "events",
    "sources",
]


def move_row(move: Move) -> dict[str, str]:
    """One move as a flat row (the CSV export; the page shows the same rows)."""
    a = move.arrangement
    return {
        "sending_state": a.sending_state_id,
        "receiving_country": a.receiving_country_id,
        "receiving_country_name": a.receiving_country.name,
        "status_from": move.status_before,
        "status_from_since": move.since_before[0],
        "status_to": move.status_after,
        "status_to_since": move.since_after[0],
        "events": "; ".join(f"{e.date_iso} {e.status}" for e in move.events),
        "sources": " ".join(s.url for s in move.sources),
    }


def _source(source: Source) -> dict[str, Any]:
    return {
        "url": source.url,
        "publisher": source.publisher,
        "title": source.title,
        "published": format_partial_date(source.published, source.published_precision) or None,
    }


def comparison_json(comparison: Comparison, *, sending_state: str | None, receiving_country: str | None) -> dict:
    """The comparison as a JSON document: its parameters, the moves with their events, the statements by stance."""

    def move(m: Move) -> dict[str, Any]:
        row = move_row(m)
        return {
            "sending_state": row["sending_state"],
            "receiving_country": row["receiving_country"],
            "receiving_country_name": row["receiving_country_name"],
            "from": {
                "status": m.status_before or None,
                "label": status_label(m.status_before),
                "since": row["status_from_since"] or None,
            },
            "to": {
                "status": m.status_after or None,
                "label": status_label(m.status_after),
                "since": row["status_to_since"] or None,
            },
            "events": [
                {
                    "date": e.date_iso,
                    "status": e.status,
                    "people": e.people,
                    "note": e.note,
                    "sources": [_source(s) for s in e.sources.all()],
                }
                for e in m.events
            ],
        }

    def statement(st: Statement) -> dict[str, Any]:
        return {
            "id": st.pk,
            "date": st.date_iso,
            "actor": st.actor.name,
            "stance": st.stance,
            "quote": st.quote,
            "paraphrase": st.paraphrase,
            "receiving_countries": sorted(a.receiving_country_id for a in st.arrangements.all()),
            "sources": [_source(s) for s in st.sources.all()],
        }

    return {
        "from": comparison.start.isoformat(),
        "to": comparison.end.isoformat(),
        "sending_state": sending_state,
        "receiving_country": receiving_country,
        "count": len(comparison.moves),
        "changes": [move(m) for m in comparison.moves],
        "statements": {stance: [statement(st) for st in group] for stance, _, group in comparison.statements},
    }


def move_rows(comparison: Comparison) -> Iterator[dict[str, str]]:
    """The CSV rows of a comparison, one per move, in the page's order."""
    for m in comparison.moves:
        yield move_row(m)
