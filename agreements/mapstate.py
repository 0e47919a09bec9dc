"""The map's state as the newsroom's pictures, embeds and comparisons read it.

The state comes from the URL through `forms.MapQuery` (the one map-state form); `map_states` is the ONE function
that yields every country with its state for a picture or an embed of the map (one sending state, or with
`sending_state=all` every sending state at once), so that a new kind of state reaches them all by changing it alone.
`timeline_steps` gives the map's slider its months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from .charts.mapsvg import MapCountry
from .dates import Precision, humanize_partial_date
from .forms import ALL_SENDING_STATES, DEFAULT_SENDING_STATE, MapQuery
from .models import Country, StatusChange


class BadQuery(ValueError):
    """The map's parameters did not validate; `errors` names each field (form.errors.get_json_data())."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class MapState:
    """What the map shows: one sending state (ISO alpha-2, or "all"), as of the end of a day (None: now)."""

    sending_state: str = DEFAULT_SENDING_STATE
    as_of: dt.date | None = None
    country: str = ""

    @property
    def day(self) -> dt.date:
        """The day the map stands at: `as_of`, or today."""
        return self.as_of or timezone.localdate()

    @property
    def day_display(self) -> str:
        return humanize_partial_date(self.day, Precision.DAY)

    @property
    def senders(self) -> str | None:
        """The sending-state filter for querysets (None: every sender)."""
        return None if self.sending_state == ALL_SENDING_STATES else self.sending_state

    def query(self, *, pin: bool = False, **extra: str) -> str:
        """The URL query of this state (`sending_state`, `as_of` if set or `pin`ned to today, then `extra`)."""
        params = {"sending_state": self.sending_state}
        if self.as_of or pin:
            params["as_of"] = self.day.isoformat()
        params |= {k: v for k, v in extra.items() if v}
        return urlencode(params)


def map_state(params: Mapping[str, Any]) -> MapState:
    """The map's state from URL parameters, through MapQuery; BadQuery names the fields that are wrong."""
    form = MapQuery(params)
    if not form.is_valid():
        raise BadQuery(form.errors.get_json_data())
    data = form.cleaned_data
    return MapState(data["sending_state"] or DEFAULT_SENDING_STATE, data["as_of"], data.get("country") or "")


def map_states(state: MapState) -> list[tuple[Country, Any]]:
    """THE countries of a picture or embed of the map: every country, with its state (None: no reports) — for
    every sending state at once, the arrangement with the most advanced status (Arrangement.by_precedence).

    A state carries the `at_*` names of `ArrangementQuerySet.at()` (`at_status`, `at_disputed`, `at_stale`, …).
    Two queries.
    """
    if state.senders is None:
        return [
            (country, senders[0] if senders else None) for country, senders in Country.objects.with_senders(state.as_of)
        ]
    return Country.objects.with_arrangements(state.senders, state.as_of)


def picture_countries(rows: list[tuple[Country, Any]]) -> list[MapCountry]:
    """The rows of `map_states` as the map picture's plain data."""
    return [
        MapCountry(
            country.iso2,
            country.local_name,
            country.latitude,
            country.longitude,
            getattr(found, "at_status", "") or "",
            bool(getattr(found, "at_disputed", False)),
            bool(getattr(found, "at_stale", False)),
        )
        for country, found in rows
    ]


def sending_heading(state: MapState, rows: list[tuple[Country, Any]]) -> str:
    """Whose map it is, for headings: the sending state's name (from rows: no query) or "All sending states"."""
    if state.senders is None:
        return str(_("All sending states"))
    return next((c.local_name for c, _row in rows if c.iso2 == state.sending_state), state.sending_state)


@dataclass(frozen=True)
class Step:
    """One stop of the map's timeline slider: the as-of value (YYYY-MM-DD; "" for today) and its label."""

    value: str
    label: str


def _month_end(year: int, month: int) -> dt.date:
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def timeline_steps(today: dt.date | None = None) -> list[Step]:
    """The slider's stops: the end of every month from the first recorded status change to the last, then today.

    One query. A month that has not ended yet stops at today. Empty when nothing is recorded.
    """
    today = today or timezone.localdate()
    span = StatusChange.objects.aggregate(first=Min("date"), last=Max("date"))
    if span["first"] is None:
        return []
    first, last = span["first"], min(span["last"], today)
    steps = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        end = min(_month_end(year, month), today)
        steps.append(Step(end.isoformat(), humanize_partial_date(end, Precision.DAY)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    steps.append(Step("", _("Today (%(day)s)") % {"day": humanize_partial_date(today, Precision.DAY)}))
    return steps


def step_at(steps: list[Step], as_of: dt.date | None) -> int:
    """The slider's stop for a map as of `as_of`: the month holding it (the last stop, today, for None or later)."""
    if as_of is None or not steps:
        return max(len(steps) - 1, 0)
    day, month_end = as_of.isoformat(), _month_end(as_of.year, as_of.month).isoformat()
    months = steps[:-1]
    if months and month_end < months[0].value:
        return 0  # before the record begins: its first month
    return next((k for k, step in enumerate(months) if day <= step.value <= month_end), len(steps) - 1)
