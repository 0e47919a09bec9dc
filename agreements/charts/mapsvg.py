"""The world map as a picture: every country filled by its status, a legend, the as-of date and the credit line.

The shapes are the map page's own boundaries (`agreements.geo.geometries`, Natural Earth 1:50m), drawn in the
Equal Earth projection (Šavrič, Patterson & Jenny 2018: equal-area, a few lines of arithmetic) and cropped like the
web map to 58°S to 84°N. The picture is always laid out on a 1200x630 viewBox (the share-card size); `width` only
scales it, so `map_point` and `pixel` find any place on it at any size.
"""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

from django.utils.translation import gettext, ngettext

from agreements.dates import Precision, humanize_partial_date
from agreements.geo import geometries
from agreements.models import Arrangement
from agreements.topology import douglas_peucker

from .svg import INK, MUTED, NO_REPORTS, OCEAN, STATUSES, colour, element, join, label, root, serialize, text_width
from .svg import titled as shape

WIDTH, HEIGHT = 1200, 630  # the viewBox; also the default size (Open Graph's 1200x630)
SOUTH, NORTH = -58.0, 84.0  # the web map's crop: no Antarctica, Greenland's north coast kept
MIN_WIDTH, MAX_WIDTH = 300, 8000
CREDIT = "Boundaries: Natural Earth"

# The map's frame inside the viewBox: a heading above, the legend and the credit line below.
_LEFT, _RIGHT, _TOP, _BOTTOM = 12.0, WIDTH - 12.0, 58.0, 548.0
# Detail finer than this (in viewBox units, 1 px at 1200 px wide) is dropped: it keeps the file small.
_TOLERANCE = 0.3

# Equal Earth's polynomial coefficients.
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


@dataclass(frozen=True)
class MapCountry:
    """One country as the map shows it.

    `status` is an `Arrangement.Status` value, or "" when nothing is reported; `latitude`/`longitude` are the
    representative point (a marker is drawn there when the country has no polygon at this scale); `disputed` and
    `stale` draw the same outlines as the web map (thick; dashed).
    """

    iso2: str
    name: str
    latitude: float
    longitude: float
    status: str = ""
    disputed: bool = False
    stale: bool = False


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    """Equal Earth on the unit sphere: (x, y) with y pointing north; x spans about ±2.71, y about ±1.32."""
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


def _frame() -> tuple[float, float, float]:
    """Scale and offsets that fit 180°W to 180°E, SOUTH to NORTH, into the frame, centred."""
    x_max = equal_earth(180, 0)[0]
    y_top, y_bottom = equal_earth(0, NORTH)[1], equal_earth(0, SOUTH)[1]
    scale = min((_RIGHT - _LEFT) / (2 * x_max), (_BOTTOM - _TOP) / (y_top - y_bottom))
    top = _TOP + ((_BOTTOM - _TOP) - (y_top - y_bottom) * scale) / 2
    return scale, (_LEFT + _RIGHT) / 2, top + y_top * scale


_SCALE, _CX, _CY = _frame()


def map_point(latitude: float, longitude: float) -> tuple[float, float]:
    """Where a place is in the picture's viewBox (1200x630 units)."""
    x, y = equal_earth(longitude, latitude)
    return _CX + x * _SCALE, _CY - y * _SCALE


def pixel(latitude: float, longitude: float, width: int = WIDTH) -> tuple[int, int]:
    """The pixel (column, row) of a place in a rendering `width` px wide, e.g. to read a country's colour."""
    x, y = map_point(latitude, longitude)
    return int(x * width / WIDTH), int(y * width / WIDTH)


def _tenths(value: int) -> str:
    """A coordinate held in tenths of a unit, written as briefly as SVG allows (`12`, `1.2`, `-.3`)."""
    whole, tenth = divmod(abs(value), 10)
    text = (str(whole) if whole else "") + (f".{tenth}" if tenth else "")
    return ("-" if value < 0 else "") + (text or "0")


def _ring(points: list[list[float]], shift: float) -> str:
    """One ring as `M x y l dx dy … z`: simplified, rounded to 0.1 unit, repeats dropped; empty if invisible."""
    xys: list[tuple[int, int]] = []
    for x, y in douglas_peucker([map_point(lat, lon + shift) for lon, lat in points], _TOLERANCE):
        xy = (round(x * 10), round(y * 10))
        if not xys or xys[-1] != xy:
            xys.append(xy)
    if len(xys) > 1 and xys[0] == xys[-1]:
        xys.pop()
    xs, ys = [x for x, _ in xys], [y for _, y in xys]
    outside = max(xs) < _LEFT * 10 or min(xs) > _RIGHT * 10 or max(ys) < _TOP * 10 or min(ys) > _BOTTOM * 10
    if len(xys) < 3 or outside:
        return ""
    steps: list[str] = []
    for (x0, y0), (x1, y1) in pairwise(xys):
        for delta in (x1 - x0, y1 - y0):
            text = _tenths(delta)
            steps.append(text if text.startswith("-") or not steps else " " + text)
    return f"M{_tenths(xys[0][0])} {_tenths(xys[0][1])}l{''.join(steps)}z"


def _path_data(polygons: list[Any]) -> str:
    """A MultiPolygon as one path's data; a ring that crosses the antimeridian is also drawn on the other side."""
    parts: list[str] = []
    for polygon in polygons:
        for points in polygon:
            lons = [p[0] for p in points]
            shifts = [0.0] + ([-360.0] if max(lons) > 180 else []) + ([360.0] if min(lons) < -180 else [])
            parts.extend(_ring(points, shift) for shift in shifts)
    return "".join(parts)


@cache
def shapes() -> dict[str, str]:
    """ISO alpha-2 → path data of every country with a visible polygon (computed once: shapes never change)."""
    drawn = {iso2: _path_data(geometry["coordinates"]) for iso2, geometry in geometries().items()}
    return {iso2: d for iso2, d in drawn.items() if d}


def _outline() -> str:
    """The cropped world's outline: the ocean, and the clip that keeps the other side of the antimeridian out."""
    lats = [SOUTH + (NORTH - SOUTH) * k / 36 for k in range(37)]
    edge = [(lat, -180.0) for lat in lats] + [(lat, 180.0) for lat in reversed(lats)]
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in (map_point(lat, lon) for lat, lon in edge)) + "Z"


def _validate(countries: list[MapCountry], url: str, width: int) -> None:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"url: must be an http or https URL, got {url!r}")
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"width: must be between {MIN_WIDTH} and {MAX_WIDTH} px, got {width}")
    for index, country in enumerate(countries):
        if country.status and country.status not in STATUSES:
            raise ValueError(f"countries[{index}].status: unknown status {country.status!r} ({country.iso2})")


def _title(country: MapCountry) -> str:
    """The shape's accessible name, worded as on the map page: "Angola: Denied (disputed, not verified recently)"."""
    notes = [
        str(note)
        for note, on in ((gettext("disputed"), country.disputed), (gettext("not verified recently"), country.stale))
        if on
    ]
    return f"{country.name}: {label(country.status)}" + (f" ({', '.join(notes)})" if notes else "")


def _style(country: MapCountry, marker: bool = False) -> dict[str, object]:
    """Outlines as on the web map: grey without reports, dark with, thick when disputed, dashed when stale."""
    if not country.status and not marker:
        return {"stroke": "#9a9a9a", "stroke_width": 0.4}
    return {
        "stroke": "#000000" if country.disputed else "#333333",
        "stroke_width": 1.6 if country.disputed else 0.8 if marker else 0.6,
        "stroke_dasharray": "2 1.5" if country.stale else None,
    }


def _summary(countries: list[MapCountry], heading: str, when: str) -> str:
    by_status: dict[str, list[str]] = {}
    for country in countries:
        if country.status:
            by_status.setdefault(country.status, []).append(country.name)
    parts = [f"{label(s)}: {join(sorted(by_status[s]))}" for s in STATUSES if s in by_status]
    listed = (
        "; ".join(parts) + ". " + gettext("All other countries: no reports.")
        if parts
        else gettext("No country has reports.")
    )
    return (
        gettext("World map of third-country deportation arrangements for %(heading)s, as of %(day)s.")
        % {"heading": heading, "day": when}
        + f" {listed}"
    )


def _legend(svg: ET.Element, countries: list[MapCountry]) -> None:
    """Every status with its colour and count, then "No reports" and the outlines in use, flowed into rows."""
    counts = Counter(country.status for country in countries if country.status)
    entries: list[tuple[str, str, dict[str, object]]] = [
        (
            f"{label(s)} ({counts[s]})",
            f"{label(s)}: " + ngettext("%(n)d country", "%(n)d countries", counts[s]) % {"n": counts[s]},
            {"fill": colour(s), "stroke": "#333333", "stroke_width": 0.6},
        )
        for s in STATUSES
    ]
    none = str(NO_REPORTS)
    entries.append((none, none, {"fill": Arrangement.NO_REPORTS_COLOUR, "stroke": "#9a9a9a"}))
    if any(c.disputed for c in countries):
        entries.append(
            (
                gettext("Disputed"),
                gettext("Thick outline: disputed"),
                {"fill": "none", "stroke": "#000000", "stroke_width": 2},
            )
        )
    if any(c.stale for c in countries):
        entries.append(
            (
                gettext("Not verified recently"),
                gettext("Dashed outline: not verified recently"),
                {"fill": "none", "stroke": "#333333", "stroke_dasharray": "3 2"},
            )
        )
    group = element(svg, "g", class_="legend", font_size=13, fill=INK)
    x, y = _LEFT + 4, _BOTTOM + 22
    for text, title, style in entries:
        advance = 22 + text_width(text, 13) + 18
        if x + advance > _RIGHT:
            x, y = _LEFT + 4, y + 22
        shape(group, "rect", title, x=x, y=y - 11, width=14, height=14, **style)
        element(group, "text", text, x=x + 20, y=y)
        x += advance


def world_map(countries: Iterable[MapCountry], *, heading: str, as_of: dt.date, url: str, width: int = WIDTH) -> str:
    """The world map as standalone SVG: one <path> per country (a <circle> where it has no polygon).

    `heading` names the sending state ("United States") or "All sending states"; `url` is the page it comes
    from, written in the credit line. The picture is `width` px wide at the share card's 1200:630 proportions.
    """
    countries = list(countries)
    _validate(countries, url, width)
    when = humanize_partial_date(as_of, Precision.DAY)
    svg = root(
        width=WIDTH,
        height=HEIGHT,
        title=gettext("Third-country deportation arrangements: %(heading)s, as of %(day)s")
        % {"heading": heading, "day": when},
        desc=_summary(countries, heading, when),
    )
    svg.set("width", str(width))
    svg.set("height", str(round(width * HEIGHT / WIDTH)))
    element(svg, "rect", width=WIDTH, height=HEIGHT, fill="#ffffff")
    heading_line = element(svg, "text", x=_LEFT + 4, y=36, font_size=22, fill=INK)
    element(heading_line, "tspan", heading, font_weight="bold")
    element(
        heading_line, "tspan", " · " + gettext("third-country deportation arrangements, as of %(day)s") % {"day": when}
    )

    defs = element(svg, "defs")
    outline = _outline()
    element(element(defs, "clipPath", id="world-frame"), "path", d=outline)
    element(svg, "path", d=outline, fill=OCEAN)

    drawn = shapes()
    group = element(svg, "g", class_="countries", clip_path="url(#world-frame)", stroke_linejoin="round")
    markers = element(svg, "g", class_="markers")
    # Countries with reports are drawn last so that their darker outlines are not hidden by a neighbour's.
    for country in sorted(countries, key=lambda c: (bool(c.status), c.name)):
        common = {"fill": colour(country.status), "data_iso2": country.iso2, "data_status": country.status or None}
        if country.iso2 in drawn:
            shape(group, "path", _title(country), d=drawn[country.iso2], **common, **_style(country))
            continue
        # No polygon at this scale, or one too small to see: a marker, unless it lies outside the crop (Antarctica).
        x, y = map_point(country.latitude, country.longitude)
        if _TOP <= y <= _BOTTOM:
            shape(markers, "circle", _title(country), cx=x, cy=y, r=3.5, **common, **_style(country, marker=True))

    _legend(svg, countries)
    element(
        svg,
        "text",
        gettext("Source: Third-Country Tracker, %(url)s") % {"url": url} + f" · {CREDIT}",
        x=_LEFT + 4,
        y=HEIGHT - 14,
        font_size=13,
        fill=MUTED,
    )
    return serialize(svg)
