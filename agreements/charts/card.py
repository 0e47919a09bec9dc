"""A country's status card: the share picture (1200x630, Open Graph's size) of a country page.

The country's name, each sending state's arrangement with it (status in the map's colour and words, since when),
what it sends itself as counts per status, the as-of date and the credit line. Plain data in, SVG text out; the
rasteriser (`raster.svg_to_png`) makes the PNG.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from agreements.dates import Precision, humanize_partial_date

from .svg import INK, MUTED, STATUSES, colour, element, join, label, root, serialize, shorten, text_width

WIDTH, HEIGHT = 1200, 630
_LEFT, _RIGHT = 72.0, WIDTH - 48.0
_LINE = 50  # px per arrangement line
_SHOWN = 6  # lines of arrangements at most; the rest are counted


@dataclass(frozen=True)
class CardLine:
    """One arrangement as the card shows it: the other country's name, its status (or ""), since when (shown),
    and a detail line under it (e.g. "238 people transferred · 2 independent sources")."""

    name: str
    status: str = ""
    since: str = ""
    detail: str = ""


def _validate(lines: Sequence[CardLine], url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"url: must be an http or https URL, got {url!r}")
    for index, line in enumerate(lines):
        if line.status and line.status not in STATUSES:
            raise ValueError(f"lines[{index}].status: unknown status {line.status!r}")


def _counts(lines: Sequence[CardLine]) -> str:
    """ "7 Reported contact, 3 Transfers under way and 1 Denied", in the taxonomy's order."""
    counts = Counter(line.status for line in lines)
    return join(f"{counts[s]} {label(s)}" for s in STATUSES if counts[s])


def _sending(svg: ET.Element, lines: Sequence[CardLine], y: float) -> None:
    """What the country sends: how many receiving countries, then a swatch and a count per status, flowed."""
    plural = "country" if len(lines) == 1 else "countries"
    heading = f"As a sending state: arrangements with {len(lines)} receiving {plural}"
    element(svg, "text", heading, x=_LEFT, y=y + 24, font_size=28, font_weight="bold", fill=INK)
    counts = Counter(line.status for line in lines)
    x, y = _LEFT, y + 48
    for status in (s for s in STATUSES if counts[s]):
        text = f"{counts[status]} {label(status)}"
        advance = 36 + text_width(text, 26) + 28
        if x + advance > _RIGHT:
            x, y = _LEFT, y + 44
        group = element(svg, "g", class_="sent", data_status=status)
        element(group, "rect", x=x, y=y, width=26, height=26, fill=colour(status), stroke="#333333")
        element(group, "text", text, x=x + 36, y=y + 22, font_size=26, fill=INK)
        x += advance


def status_card(
    name: str,
    *,
    receiving: Sequence[CardLine],
    sending: Sequence[CardLine] = (),
    as_of: dt.date,
    url: str,
) -> str:
    """The card as standalone SVG, 1200x630 px: `receiving` are the sending states' arrangements with the country
    (one line each, the first six), `sending` its own arrangements as a sending state (counted per status)."""
    _validate([*receiving, *sending], url)
    when = humanize_partial_date(as_of, Precision.DAY)
    described = [
        f"{line.name}: {label(line.status)}" + (f" since {line.since}" if line.since else "") for line in receiving
    ]
    if not receiving:
        described = [f"No reports of a sending state approaching {name}"]
    if sending:
        described.append(f"As a sending state: {_counts(sending)}")
    svg = root(
        width=WIDTH,
        height=HEIGHT,
        title=f"{name}: third-country deportation arrangements, as of {when}",
        desc="; ".join(described) + ".",
    )
    element(svg, "rect", width=WIDTH, height=HEIGHT, fill="#ffffff")
    lead = receiving[0].status if receiving else ""
    element(svg, "rect", width=28, height=HEIGHT, fill=colour(lead), class_="band", data_status=lead or None)
    element(svg, "text", "Third-Country Tracker", x=_LEFT, y=72, font_size=24, fill=MUTED)
    element(svg, "text", shorten(name, _RIGHT - _LEFT, 60), x=_LEFT, y=146, font_size=60, font_weight="bold", fill=INK)
    element(
        svg, "text", f"Third-country deportation arrangements, as of {when}", x=_LEFT, y=190, font_size=24, fill=MUTED
    )

    y = 252.0
    shown = _SHOWN - (2 if sending else 0) - (2 if any(line.detail for line in receiving) else 0)
    if not receiving and not sending:
        element(
            svg, "text", f"No reports of a sending state approaching {name}.", x=_LEFT, y=y + 20, font_size=28, fill=INK
        )
    for line in receiving[:shown]:
        group = element(svg, "g", class_="arrangement", data_status=line.status or None)
        element(group, "rect", x=_LEFT, y=y, width=30, height=30, fill=colour(line.status), stroke="#333333")
        head = f"{line.name}: "
        text = element(group, "text", x=_LEFT + 44, y=y + 25, font_size=28, fill=INK)
        element(text, "tspan", head)
        element(text, "tspan", label(line.status), font_weight="bold")
        if line.since:
            room = _RIGHT - (_LEFT + 44 + text_width(head + label(line.status), 28))
            element(text, "tspan", shorten(f" · since {line.since}", room, 28), fill=MUTED)
        if line.detail:
            detail = shorten(line.detail, _RIGHT - _LEFT - 44, 22)
            element(group, "text", detail, x=_LEFT + 44, y=y + 58, font_size=22, fill=MUTED)
            y += 34
        y += _LINE
    if len(receiving) > shown:
        more = len(receiving) - shown
        element(svg, "text", f"and {more} more (on the page)", x=_LEFT, y=y + 20, font_size=24, fill=MUTED)
        y += _LINE
    if sending:
        _sending(svg, sending, y + (12 if receiving else 0))
    element(svg, "text", f"Source: Third-Country Tracker, {url}", x=_LEFT, y=HEIGHT - 32, font_size=20, fill=MUTED)
    return serialize(svg)
