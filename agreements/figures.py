"""What the home page and the country pages show at a glance: the status timeline of a set of arrangements (drawn
by agreements.charts.timeline from the status-change log, read in one query) and the headline figures of the map
(countries by status, people transferred — a floor —, the latest changes with their sources), and who is sent
where (the nationalities of the people of each transfer, drawn by agreements.charts.flows)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from .charts.flows import Flow, aggregate_flows, flows_svg
from .charts.timeline import LoggedChange, TimelineRow, timeline_rows, timeline_svg
from .dates import humanize_partial_date
from .localize import country_name
from .models import Arrangement, PeopleBasis, StatusChange

LATEST_CHANGES = 5

# How a timeline row is named and keyed: by the receiving country (one sending state's arrangements), by the
# sending state (one receiving country's), or by both (every sending state at once).
ROW_BY_RECEIVING, ROW_BY_SENDING, ROW_BY_PAIR = "receiving", "sending", "pair"


@dataclass
class Timeline:
    """A status timeline: its rows (for the table alternative) and its picture (inline SVG)."""

    heading: str
    rows: list[TimelineRow]
    svg: str


def _row(change: StatusChange, by: str) -> tuple[str, str]:
    sending, receiving = change.arrangement.sending_state, change.arrangement.receiving_country
    if by == ROW_BY_SENDING:
        return sending.iso2, sending.local_name
    if by == ROW_BY_PAIR:
        return f"{sending.iso2}-{receiving.iso2}", f"{receiving.local_name} ({sending.local_name})"
    return receiving.iso2, receiving.local_name


def _cited(change: StatusChange) -> str:
    """What backs a change, for its segment's description: "Reuters, via Dawn, 20 February 2025; EFE"."""
    return "; ".join(
        ", ".join(filter(None, [s.cited_as, humanize_partial_date(s.published, s.published_precision)]))
        for s in sorted(change.cited_sources, key=lambda s: (s.published or dt.date.min, s.pk))
    )


def status_log(arrangements: Q, as_of: dt.date | None = None) -> list[StatusChange]:
    """The status changes of the arrangements matching `arrangements` (a Q on StatusChange), up to `as_of`, with
    both countries and their sources: one query, in the order they were recorded."""
    return list(
        StatusChange.objects.filter(arrangements)
        .up_to(as_of)
        .select_related("arrangement__sending_state", "arrangement__receiving_country")
        .with_cited_sources()
        .order_by("date", "recorded_at", "id")
    )


def draw_timeline(changes: Iterable[StatusChange], *, by: str, heading: str, as_of: dt.date | None = None) -> Timeline:
    """The timeline of these changes (from status_log), to `as_of` or today; no query."""
    log = [
        LoggedChange(*_row(c, by), c.date, c.date_precision, c.status, c.people, _cited(c))  # type: ignore[call-arg]
        for c in changes
    ]
    rows = timeline_rows(log)
    return Timeline(heading, rows, timeline_svg(rows, end=as_of or timezone.now().date(), heading=heading))


def sender_timeline(sending: str | None, sending_name: str, as_of: dt.date | None = None) -> Timeline:
    """The timeline of one sending state's arrangements (a row per receiving country), or with `sending` None of
    every sending state's (a row per arrangement): one query."""
    if sending is None:
        return draw_timeline(status_log(Q(), as_of), by=ROW_BY_PAIR, heading=sending_name, as_of=as_of)
    changes = status_log(Q(arrangement__sending_state=sending), as_of)
    return draw_timeline(changes, by=ROW_BY_RECEIVING, heading=sending_name, as_of=as_of)


def country_timelines(country: Any, arrangement_ids: list[int]) -> list[Timeline]:
    """A country page's timelines, one query for both: a row per sending state that approached it (as receiving
    country), a row per country it approached (as sending state); none for a role it does not have."""
    changes = status_log(Q(arrangement__in=arrangement_ids))
    received = [c for c in changes if c.arrangement.receiving_country_id == country.pk]
    sent = [c for c in changes if c.arrangement.sending_state_id == country.pk]
    return [
        draw_timeline(group, by=by, heading=heading)
        for group, by, heading in (
            (
                received,
                ROW_BY_SENDING,
                gettext("the sending states' arrangements with %(country)s") % {"country": country.local_name},
            ),
            (sent, ROW_BY_RECEIVING, country.local_name),
        )
        if group
    ]


@dataclass
class Headline:
    """The figures above the map for one sending state (or all): countries by status, people transferred."""

    countries: int
    by_status: list[dict[str, Any]]
    people: int
    people_known: int  # arrangements whose sources give a number
    people_by_total: int = 0  # of which the latest reported total is the larger figure
    latest: list[StatusChange] = field(default_factory=list)


def status_counts(leading: Iterable[Arrangement]) -> list[dict[str, Any]]:
    """How many of these arrangements (read with .at()) hold each status, in the taxonomy's order (the legend)."""
    counts = Counter(a.at_status for a in leading)  # type: ignore[attr-defined]
    statuses = Arrangement.Status.choices
    return [{"value": value, "label": label, "count": counts.get(value, 0)} for value, label in statuses]


def headline(leading: Iterable[Arrangement], arrangements: Iterable[Arrangement], latest: Any) -> Headline:
    """The headline figures from the arrangements shown (read with .at()): `leading` has one per receiving
    country (its status colours the map), `arrangements` all of them (their people add up); `latest` is a
    queryset of status changes, newest first (two queries: the changes and their sources)."""
    by_status = status_counts(leading)
    known = [a for a in arrangements if a.at_people is not None]  # type: ignore[attr-defined]
    return Headline(
        countries=sum(item["count"] for item in by_status),
        by_status=by_status,
        people=sum(a.at_people for a in known),  # type: ignore[attr-defined]
        people_known=len(known),
        people_by_total=sum(a.at_people_basis == PeopleBasis.REPORTED_TOTAL for a in known),  # type: ignore[attr-defined]
        latest=list(latest.with_related()[:LATEST_CHANGES]),
    )


@dataclass
class Flows:
    """Who is sent where: the nationalities of the people of each transfer to each receiving country (`flows`, for
    the table alternative), its picture (inline SVG), and the transfers whose nationalities are not on record."""

    heading: str
    flows: list[Flow]
    svg: str
    unnamed_transfers: int = 0  # transfers with people but no nationality on record
    unnamed_people: int = 0


def flow_events(changes: Iterable[StatusChange]) -> tuple[list[tuple[str, str, str, str, int | None]], int, int]:
    """The flow events of these transfers (read with .with_nationalities()): one per nationality named, with its
    count or None; where every nationality of a transfer has a count and they add up to fewer than its people, the
    rest as nationality not reported. Also how many transfers, of how many people, name no nationality."""
    events: list[tuple[str, str, str, str, int | None]] = []
    unnamed = unnamed_people = 0
    for change in changes:
        receiving = change.arrangement.receiving_country
        named = change.nationality_list
        if not named:
            unnamed += 1
            unnamed_people += change.people or 0
            continue
        events += [
            (n["iso2"], country_name(n["iso2"], n["name"]), receiving.iso2, receiving.local_name, n["count"])
            for n in named
        ]
        counts = [n["count"] for n in named]
        if change.people is not None and None not in counts and sum(counts) < change.people:
            events.append(("", "", receiving.iso2, receiving.local_name, change.people - sum(counts)))
    return events, unnamed, unnamed_people


def transfer_flows(arrangements: Q, heading: str, as_of: dt.date | None = None) -> Flows:
    """The flow picture of the transfers of the arrangements matching `arrangements` (a Q on StatusChange), up to
    `as_of`: one query."""
    changes = (
        StatusChange.objects.filter(arrangements)
        .transfers()
        .up_to(as_of)
        .select_related("arrangement__receiving_country")
        .with_nationalities()
        .order_by("date", "recorded_at", "id")
    )
    events, unnamed, unnamed_people = flow_events(changes)
    flows = aggregate_flows(events)
    return Flows(heading, flows, flows_svg(flows, heading=heading), unnamed, unnamed_people)


def sender_flows(sending: str | None, sending_name: str, as_of: dt.date | None = None) -> Flows:
    """Who one sending state (or, with `sending` None, every one) sent where: one query."""
    return transfer_flows(Q() if sending is None else Q(arrangement__sending_state=sending), sending_name, as_of)
