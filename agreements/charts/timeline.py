"""The status timeline: one row per receiving country, a coloured segment per status over time, transfers marked.

`timeline_rows` turns a status-change log into rows (the rule "a segment ends where the next change begins" lives
there and nowhere else); `timeline_svg` draws them; `templates/agreements/_timeline_table.html` shows the same
rows as an accessible table. Colours and labels are the map's (`Arrangement.COLOURS`, `Arrangement.Status`).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.utils.translation import gettext, ngettext

from agreements.dates import Precision, format_partial_date, humanize_partial_date

from ..localize import month_tick
from .svg import INK, LINE, MUTED, STATUSES, colour, element, label, root, serialize, shorten, text_width, titled

WIDTH = 960
MIN_WIDTH, MAX_WIDTH = 480, 4000  # below, the bars have no room beside the names
ROW = 30  # px per country
BAR = 14
FONT_SIZE = 13
MAX_LABEL = 230  # px; longer names are shortened with "…" (the full name is in every title)


@dataclass(frozen=True)
class Transfer:
    """People transferred on a date (`people` None: a transfer whose number was not reported)."""

    date: dt.date
    precision: str = Precision.DAY
    people: int | None = None

    @property
    def date_iso(self) -> str:
        return format_partial_date(self.date, self.precision)

    @property
    def date_display(self) -> str:
        return humanize_partial_date(self.date, self.precision)

    @property
    def people_display(self) -> str:
        if self.people is None:
            return gettext("number not reported")
        return ngettext("%(n)d person", "%(n)d people", self.people) % {"n": self.people}


@dataclass(frozen=True)
class Segment:
    """A status held from `start` until `end` (the date the next change begins), or still held if `end` is None.

    `note` says what backs it (e.g. "Reuters, 15 March 2025"): it becomes the segment's <desc>.
    """

    status: str
    start: dt.date
    start_precision: str = Precision.DAY
    end: dt.date | None = None
    end_precision: str = Precision.DAY
    note: str = ""

    @property
    def label(self) -> str:
        return label(self.status)

    @property
    def start_iso(self) -> str:
        return format_partial_date(self.start, self.start_precision)

    @property
    def end_iso(self) -> str:
        return format_partial_date(self.end, self.end_precision)

    @property
    def start_display(self) -> str:
        return humanize_partial_date(self.start, self.start_precision)

    @property
    def end_display(self) -> str:
        return humanize_partial_date(self.end, self.end_precision)

    @property
    def period(self) -> str:
        """`2025-02 to 2025-03`, or `since 2025-03` while it holds."""
        if self.end:
            return gettext("%(start)s to %(end)s") % {"start": self.start_iso, "end": self.end_iso}
        return gettext("since %(start)s") % {"start": self.start_iso}


@dataclass(frozen=True)
class TimelineRow:
    """One receiving country: its status segments in order, and its transfers."""

    iso2: str
    name: str
    segments: tuple[Segment, ...]
    transfers: tuple[Transfer, ...] = field(default=())

    @property
    def periods(self) -> list[tuple[Segment, list[Transfer]]]:
        """Each segment with the transfers made while it held (for the table): `{% for segment, transfers in … %}`."""
        out: list[tuple[Segment, list[Transfer]]] = [(segment, []) for segment in self.segments]
        for transfer in self.transfers:
            holding = [k for k, s in enumerate(self.segments) if s.start <= transfer.date]
            if out:
                out[holding[-1] if holding else 0][1].append(transfer)
        return out


class LoggedChange(NamedTuple):
    """One entry of a status-change log, as plain data (a plain tuple in this order works too)."""

    iso2: str  # the receiving country
    name: str
    date: dt.date
    precision: str
    status: str
    people: int | None = None
    note: str = ""


def timeline_rows(changes: Iterable[tuple]) -> list[TimelineRow]:
    """Rows from a status-change log, one per receiving country, ordered by first change then name.

    Changes are taken in date order (on one date, in the order given, so pass them in recorded order): a segment
    ends where the next change begins; a change to the status already held continues its segment; a later change
    on the same date replaces the earlier one (as the arrangement's status does). Each change with a number of
    people is a transfer.
    """
    by_country: dict[str, list[LoggedChange]] = {}
    for entry in changes:
        change = LoggedChange(*entry)
        if change.status not in STATUSES:
            raise ValueError(f"status: unknown status {change.status!r} ({change.iso2}, {change.date})")
        by_country.setdefault(change.iso2, []).append(change)
    rows = []
    for iso2, log in by_country.items():
        log.sort(key=lambda c: c.date)  # stable: same-date changes keep the order given
        segments: list[Segment] = []
        for change in log:
            current = segments[-1] if segments else None
            if current and current.status == change.status:
                continue
            if current and current.start == change.date:
                segments.pop()
            elif current:
                segments[-1] = Segment(
                    current.status, current.start, current.start_precision, change.date, change.precision, current.note
                )
            segments.append(Segment(change.status, change.date, change.precision, note=change.note))
        transfers = tuple(Transfer(c.date, c.precision, c.people) for c in log if c.people is not None)
        rows.append(TimelineRow(iso2, log[0].name, tuple(segments), transfers))
    return sorted(rows, key=lambda row: (row.segments[0].start, row.name))


def _months(date: dt.date) -> int:
    return date.year * 12 + date.month - 1


def _ticks(start: dt.date, end: dt.date, px_per_day: float) -> list[tuple[dt.date, str]]:
    """Axis ticks: years (every 1, 2, 5 or 10) or, for short ranges, months (every 1, 2, 3 or 6)."""
    first_month = _months(start) + (start.day > 1)
    if (end - start).days <= 2 * 366:
        step = next((s for s in (1, 2, 3, 6) if s * 30.4 * px_per_day >= 52), 12)
        months = [m for m in range(first_month, _months(end) + 1) if m % step == 0]
        dates = [dt.date(m // 12, m % 12 + 1, 1) for m in months]
        return [(d, month_tick(d, with_year=d.month == 1 or d == dates[0])) for d in dates]
    step = next((s for s in (1, 2, 5, 10, 20, 50) if s * 365.25 * px_per_day >= 44), 100)
    first_year = start.year + (start > dt.date(start.year, 1, 1))
    return [(dt.date(y, 1, 1), str(y)) for y in range(first_year, end.year + 1) if y % step == 0]


def _validate(rows: list[TimelineRow], start: dt.date, end: dt.date, width: int) -> None:
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"width: must be between {MIN_WIDTH} and {MAX_WIDTH} px, got {width}")
    if start >= end:
        raise ValueError(f"start: must be before end ({start} is not before {end})")
    for r, row in enumerate(rows):
        for s, segment in enumerate(row.segments):
            if segment.status not in STATUSES:
                raise ValueError(f"rows[{r}].segments[{s}].status: unknown status {segment.status!r}")
            if segment.end is not None and segment.end < segment.start:
                raise ValueError(f"rows[{r}].segments[{s}].end: before its start ({segment.end} < {segment.start})")


def timeline_svg(
    rows: Iterable[TimelineRow],
    *,
    end: dt.date,
    start: dt.date | None = None,
    heading: str = "",
    width: int = WIDTH,
    responsive: bool = True,
) -> str:
    """The timeline as SVG: rows from `start` (default: 1 January of the first change's year) to `end`.

    Open segments run to `end`. `heading` names whose arrangements these are ("the United States"), for the
    picture's title. `responsive` makes it 100% wide (for pages); pass False for a fixed-size file or a PNG.
    """
    rows = list(rows)
    if start is None:
        first = min((row.segments[0].start for row in rows if row.segments), default=end)
        start = dt.date(min(first, end - dt.timedelta(days=1)).year, 1, 1)
    _validate(rows, start, end, width)
    span = gettext("%(start)s to %(end)s") % {
        "start": humanize_partial_date(start, Precision.DAY),
        "end": humanize_partial_date(end, Precision.DAY),
    }
    if heading:
        title = gettext("Status timeline of %(heading)s, %(span)s") % {"heading": heading, "span": span}
    else:
        title = gettext("Status timeline, %(span)s") % {"span": span}
    present = [s for s in STATUSES if any(seg.status == s for row in rows for seg in row.segments)]
    legend = _legend_layout(present, width)
    legend_h, axis_h = (LEGEND_LINE * (1 + max((line for _, _, line in legend), default=0)) if rows else 0), 30
    height = legend_h + max(len(rows), 1) * ROW + axis_h
    desc = (
        gettext(
            "One row per receiving country (%(n)d), coloured by status over time; triangles mark transfers "
            "of people with their number."
        )
        % {"n": len(rows)}
        if rows
        else gettext("No status changes are recorded for this selection.")
    )
    svg = root(width=width, height=height, title=title, desc=desc, responsive=responsive, font_size=FONT_SIZE)
    element(svg, "rect", width=width, height=height, fill="#ffffff")
    if not rows:
        element(
            svg,
            "text",
            gettext("No status changes recorded."),
            x=width / 2,
            y=ROW * 0.7,
            text_anchor="middle",
            fill=MUTED,
        )
        return serialize(svg)

    label_w = min(max(text_width(row.name, FONT_SIZE) for row in rows) + 16, MAX_LABEL)
    x0, x1 = label_w, width - 12.0
    px_per_day = (x1 - x0) / (end - start).days

    def x_of(date: dt.date) -> float:
        return x0 + (min(max(date, start), end) - start).days * px_per_day

    _legend(svg, legend)
    top = legend_h
    axis_y = top + len(rows) * ROW
    grid = element(svg, "g", class_="axis", stroke=LINE, fill=MUTED, font_size=11)
    for tick, text in _ticks(start, end, px_per_day):
        x = x_of(tick)
        element(grid, "line", x1=x, x2=x, y1=top, y2=axis_y + 4, stroke_width=1)
        element(grid, "text", text, x=x + 3, y=axis_y + 18, stroke="none")
    element(grid, "line", x1=x0, x2=x1, y1=axis_y, y2=axis_y, stroke=MUTED, stroke_width=1)

    for index, row in enumerate(rows):
        y = top + index * ROW
        group = element(svg, "g", class_="row", data_iso2=row.iso2)
        element(group, "text", shorten(row.name, label_w - 16, FONT_SIZE), x=4, y=y + 22, fill=INK)
        for segment in row.segments:
            seg_end = segment.end or end
            if seg_end < start or segment.start > end:
                continue
            left = x_of(segment.start)
            titled(
                group,
                "rect",
                f"{row.name}: {segment.label}, {segment.period}",
                segment.note or None,
                x=left,
                y=y + 10,
                width=max(x_of(seg_end) - left, 1.5),
                height=BAR,
                fill=colour(segment.status),
                data_status=segment.status,
            )
        _transfers(group, row, y, x_of, start, end, width)

    return serialize(svg)


LEGEND_LINE = 24  # px per line of the legend


def _legend_layout(statuses: list[str], width: float) -> list[tuple[str | None, float, int]]:
    """Where each legend item goes, (status, x, line): the statuses shown, then the transfer marker (None), on as
    many lines as the picture's width needs (the Spanish labels are a third longer than the English)."""
    items: list[tuple[str | None, float]] = [(s, 16 + text_width(label(s), 12)) for s in statuses]
    items.append((None, 14 + text_width(gettext("people transferred"), 12)))
    placed, x, line = [], 4.0, 0
    for status, item_w in items:
        if x > 4.0 and x + item_w > width - 4:
            x, line = 4.0, line + 1
        placed.append((status, x, line))
        x += item_w + 14
    return placed


def _legend(svg: ET.Element, placed: list[tuple[str | None, float, int]]) -> None:
    """The statuses shown, each with its colour, and the transfer marker."""
    group = element(svg, "g", class_="legend", fill=INK, font_size=12)
    for status, x, line in placed:
        y = 18 + line * LEGEND_LINE
        if status is None:
            marker = gettext("Transfer of people, with their number")
            titled(group, "path", marker, d=f"M{x:.1f} {y - 9:.1f}h10l-5 8z", fill=INK)
            element(group, "text", gettext("people transferred"), x=x + 14, y=y)
        else:
            titled(group, "rect", label(status), x=x, y=y - 10, width=12, height=12, fill=colour(status))
            element(group, "text", label(status), x=x + 16, y=y)


def _transfers(
    group: ET.Element,
    row: TimelineRow,
    y: float,
    x_of: Callable[[dt.date], float],
    start: dt.date,
    end: dt.date,
    width: float,
) -> None:
    """A triangle above the bar per transfer, with its number where the number fits before the next triangle."""
    shown = sorted((t for t in row.transfers if start <= t.date <= end), key=lambda t: t.date)
    xs = [x_of(t.date) for t in shown]
    for k, (transfer, x) in enumerate(zip(shown, xs, strict=True)):
        title = gettext("%(name)s: %(people)s transferred, %(day)s") % {
            "name": row.name,
            "people": transfer.people_display,
            "day": transfer.date_iso,
        }
        titled(group, "path", title, d=f"M{x - 4:.1f} {y + 1:.1f}h8l-4 8z", fill=INK, class_="transfer")
        text = "?" if transfer.people is None else str(transfer.people)
        right = x + 5 + text_width(text, 10)
        last = k + 1 == len(xs)
        if last or right < xs[k + 1] - 5:
            # After its triangle, or before it when the last one would run off the picture's right edge.
            place: dict[str, Any] = {"x": x - 5, "text_anchor": "end"} if last and right > width - 2 else {"x": x + 5}
            element(group, "text", text, y=y + 8, font_size=10, fill=INK, aria_hidden="true", **place)
