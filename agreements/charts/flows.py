"""Who is sent where: nationalities on the left, receiving countries on the right, a band per pair, widths by count.

`aggregate_flows` sums transfer events into one `Flow` per (nationality, receiving country); `flows_svg` draws
them; `templates/agreements/_flows_table.html` is the same data as an accessible table. Counts that the sources
did not give are never guessed: such a flow is a thin hatched band labelled "number not reported".
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy, ngettext

from .svg import INK, MUTED, element, root, serialize, shorten, text_width, titled

WIDTH = 760
MIN_WIDTH, MAX_WIDTH = 400, 4000  # below, the bands have no room between the labels
NODE_W = 10
GAP = 8  # px between two countries of one column
MIN_SLOT = 20  # px a country needs for its label
UNREPORTED_W = 3  # px of a hatched band: visible, and never mistaken for a number
FONT_SIZE = 13
BAND = "#5b6168"
UNKNOWN_NATIONALITY = gettext_lazy("Nationality not reported")


def _people(n: int) -> str:
    return ngettext("%(n)d person", "%(n)d people", n) % {"n": n}


@dataclass(frozen=True)
class Flow:
    """People of one nationality sent to one receiving country.

    `people` sums the counts the sources gave; `unreported` counts the transfers that named this nationality
    without a number. An empty `nationality_iso2` means the nationality was not reported.
    """

    nationality_iso2: str
    nationality: str
    receiving_iso2: str
    receiving: str
    people: int = 0
    unreported: int = 0

    @property
    def nationality_label(self) -> str:
        return self.nationality if self.nationality_iso2 else str(UNKNOWN_NATIONALITY)

    @property
    def people_display(self) -> str:
        """`5 people`, `number not reported`, or `at least 5 people (…)` when some counts were not given."""
        return _count_text(self.people, self.unreported)


def _count_text(people: int, unreported: int) -> str:
    if not unreported:
        return _people(people)
    if not people:
        return gettext("number not reported")
    return gettext("at least %(people)s (some numbers not reported)") % {"people": _people(people)}


def aggregate_flows(events: Iterable[tuple[str, str, str, str, int | None]]) -> list[Flow]:
    """One Flow per (nationality, receiving country) from events `(nat_iso2, nat_name, recv_iso2, recv_name,
    people or None)`; ordered by people, largest first."""
    totals: dict[tuple[str, str], list] = {}
    for index, (nat_iso2, nat_name, recv_iso2, recv_name, people) in enumerate(events):
        if people is not None and people < 0:
            raise ValueError(f"events[{index}].people: must be 0 or more, got {people}")
        entry = totals.setdefault((nat_iso2, recv_iso2), [nat_name, recv_name, 0, 0])
        if people is None:
            entry[3] += 1
        else:
            entry[2] += people
    flows = [Flow(nat, n, recv, r, people, unreported) for (nat, recv), (n, r, people, unreported) in totals.items()]
    return sorted(flows, key=lambda f: (-f.people, -f.unreported, f.nationality_label, f.receiving))


def _thickness(flow: Flow, scale: float) -> tuple[float, float]:
    """A flow's two bands in px: the reported people (at least 1 px when any), and the hatched unreported part."""
    return (max(flow.people * scale, 1.0) if flow.people else 0.0), (UNREPORTED_W if flow.unreported else 0.0)


def _column(flows: list[Flow], side: str, scale: float) -> dict[str, tuple[str, int, int, float]]:
    """Per country of one side ("nationality" or "receiving"): (label, people, flows without a number, height in
    px: the sum of its bands), largest first."""
    sums: dict[str, list] = {}
    for flow in flows:
        code, name = (
            (flow.nationality_iso2, flow.nationality_label)
            if side == "nationality"
            else (flow.receiving_iso2, flow.receiving)
        )
        entry = sums.setdefault(code, [name, 0, 0, 0.0])
        entry[1] += flow.people
        entry[2] += 1 if flow.unreported else 0
        entry[3] += sum(_thickness(flow, scale))
    # Largest first; "Nationality not reported" last, apart from the nationalities that were.
    ordered = sorted(sums.items(), key=lambda item: (not item[0], -item[1][1], -item[1][2], item[1][0]))
    return {code: (name, people, unreported, height) for code, (name, people, unreported, height) in ordered}


def _band(x0: float, y0: float, x1: float, y1: float, thickness: float) -> str:
    """A ribbon of constant thickness from (x0, y0) to (x1, y1), its edges two cubic curves."""
    xm = (x0 + x1) / 2
    return (
        f"M{x0:.1f} {y0:.1f}C{xm:.1f} {y0:.1f} {xm:.1f} {y1:.1f} {x1:.1f} {y1:.1f}"
        f"v{thickness:.1f}C{xm:.1f} {y1 + thickness:.1f} {xm:.1f} {y0 + thickness:.1f} {x0:.1f} {y0 + thickness:.1f}z"
    )


def flows_svg(flows: Iterable[Flow], *, heading: str = "", width: int = WIDTH, responsive: bool = True) -> str:
    """The flow picture as SVG: a band per flow, its thickness by people; a hatched band where no number was given.

    `heading` names whose transfers these are ("the United States"), for the picture's title.
    """
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"width: must be between {MIN_WIDTH} and {MAX_WIDTH} px, got {width}")
    flows = [f for f in flows if f.people or f.unreported]
    for index, flow in enumerate(flows):
        if flow.people < 0 or flow.unreported < 0:
            raise ValueError(f"flows[{index}].people: counts must be 0 or more")
    if heading:
        title = gettext("Nationalities of the people sent to each receiving country by %(heading)s") % {
            "heading": heading
        }
    else:
        title = gettext("Nationalities of the people sent to each receiving country")
    total = sum(f.people for f in flows)
    unreported = sum(1 for f in flows if f.unreported)
    desc = (
        gettext(
            "Bands from nationality (left) to receiving country (right), as wide as the number of people: "
            "%(people)s in %(flows)d flows"
        )
        % {"people": _people(total), "flows": len(flows)}
        + (
            gettext(", and %(n)d flows whose number was not reported (hatched).") % {"n": unreported}
            if unreported
            else "."
        )
        if flows
        else gettext("No transfers with recorded nationalities.")
    )
    n_rows = max(len({f.nationality_iso2 for f in flows}), len({f.receiving_iso2 for f in flows}), 1)
    # As tall as the longer column's labels need: the bands then share that height in proportion to their people.
    target = max(n_rows * (MIN_SLOT + GAP), 160)
    scale = (target - n_rows * GAP) / total if total else 0.0
    left = _column(flows, "nationality", scale)
    right = _column(flows, "receiving", scale)

    def slots(column: dict[str, tuple[str, int, int, float]]) -> dict[str, float]:
        tops, y = {}, 8.0
        for code, (_, _, _, height) in column.items():
            tops[code] = y + max(MIN_SLOT - height, 0) / 2
            y += max(height, MIN_SLOT) + GAP
        return tops

    left_top, right_top = slots(left), slots(right)
    height = int(max([8.0, *(left_top[c] + left[c][3] for c in left), *(right_top[c] + right[c][3] for c in right)]))
    key_y = height + 26.0  # the key to the hatching, when there is any
    height = (height + (40 if unreported else 12)) if flows else 48

    svg = root(width=width, height=height, title=title, desc=desc, responsive=responsive, font_size=FONT_SIZE)
    element(svg, "rect", width=width, height=height, fill="#ffffff")
    if not flows:
        element(
            svg,
            "text",
            "No transfers with recorded nationalities.",
            x=width / 2,
            y=28,
            text_anchor="middle",
            fill=MUTED,
        )
        return serialize(svg)
    pattern = element(
        element(svg, "defs"),
        "pattern",
        id="flows-unreported",
        width=6,
        height=6,
        patternUnits="userSpaceOnUse",
        patternTransform="rotate(45)",
    )
    element(pattern, "rect", width=6, height=6, fill="#ffffff")
    element(pattern, "line", x1=0, y1=0, x2=0, y2=6, stroke=INK, stroke_width=3)

    labels = [_node_text(name, p, u) for name, p, u, _ in [*left.values(), *right.values()]]
    label_w = min(max(text_width(text, FONT_SIZE) for text in labels) + 14, width * 0.36)
    xl, xr = label_w, width - label_w - NODE_W

    bands = element(svg, "g", class_="bands")
    # Bands leave each node in the order of the other column, which keeps crossings few.
    right_order = {code: k for k, code in enumerate(right)}
    left_order = {code: k for k, code in enumerate(left)}
    out_y = dict(left_top)
    in_y = dict(right_top)
    for flow in sorted(flows, key=lambda f: (left_order[f.nationality_iso2], right_order[f.receiving_iso2])):
        known, unknown = _thickness(flow, scale)
        y0, y1 = out_y[flow.nationality_iso2], in_y[flow.receiving_iso2]
        pair = f"{flow.nationality_label} → {flow.receiving}"
        ends = {"data_from": flow.nationality_iso2 or None, "data_to": flow.receiving_iso2}
        if flow.people:
            titled(
                bands,
                "path",
                f"{_people(flow.people)}, {pair}",
                d=_band(xl + NODE_W, y0, xr, y1, known),
                fill=BAND,
                fill_opacity=0.45,
                data_people=flow.people,
                **ends,
            )
        if flow.unreported:
            titled(
                bands,
                "path",
                gettext("Number not reported, %(pair)s") % {"pair": pair},
                d=_band(xl + NODE_W, y0 + known, xr, y1 + known, unknown),
                fill="url(#flows-unreported)",
                stroke=INK,
                stroke_width=0.3,
                data_unreported=flow.unreported,
                **ends,
            )
        out_y[flow.nationality_iso2] += known + unknown
        in_y[flow.receiving_iso2] += known + unknown

    _nodes(svg, left, left_top, x=xl, anchor="end", side="nationality", room=label_w - 10)
    _nodes(svg, right, right_top, x=xr, anchor="start", side="receiving country", room=label_w - 10)
    if unreported:
        key = element(svg, "g", class_="legend", fill=INK)
        titled(
            key,
            "rect",
            "Hatched: number not reported",
            x=xl,
            y=key_y - 10,
            width=28,
            height=UNREPORTED_W * 2,
            fill="url(#flows-unreported)",
            stroke=INK,
            stroke_width=0.3,
        )
        element(key, "text", "number not reported", x=xl + 36, y=key_y - 3, font_size=12)
    return serialize(svg)


def _node_text(name: str, people: int, unreported: int, room: float = 1e9) -> str:
    """`Vietnam (5)`, `Cuba (at least 6)`, `China (not reported)`: the name shortened to fit, the count kept."""
    count = (
        " (not reported)" if unreported and not people else f" (at least {people})" if unreported else f" ({people})"
    )
    return shorten(name, room - text_width(count, FONT_SIZE), FONT_SIZE) + count


def _nodes(
    svg: ET.Element,
    column: dict[str, tuple[str, int, int, float]],
    tops: dict[str, float],
    *,
    x: float,
    anchor: str,
    side: str,
    room: float,
) -> None:
    """The countries of one column: a bar as tall as their bands, and a label with their total."""
    group = element(svg, "g", class_=f"nodes {side.replace(' ', '-')}", fill="#333333")
    for code, (name, people, unreported, height) in column.items():
        top = tops[code]
        titled(
            group,
            "rect",
            f"{name} ({side}): {_count_text(people, unreported)}",
            x=x,
            y=top,
            width=NODE_W,
            height=height,
            data_iso2=code or None,
        )
        text_x = x - 6 if anchor == "end" else x + NODE_W + 6
        element(
            group,
            "text",
            _node_text(name, people, unreported, room),
            x=text_x,
            y=top + height / 2 + 4.5,
            text_anchor=anchor,
            fill=INK,
            font_style="italic" if not code else None,
        )
