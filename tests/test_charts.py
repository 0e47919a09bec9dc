"""The server-side pictures (agreements.charts): the world map, its PNG, the status timeline and the flow picture.

Synthetic statuses and names ("Country 17") throughout; the map uses real ISO codes because its geometry is real.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from PIL import Image

from agreements.charts import flows, mapsvg, raster, timeline
from agreements.models import Arrangement

S = Arrangement.Status
NS = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = {c["iso2"]: c for c in json.loads((ROOT / "fixtures" / "countries.json").read_text())}
HOSTILE = "Country 17 <script>alert(1)</script> & \"quoted\" 'single'"
URL = "https://tracker.example.org/?sending_state=US"
D = dt.date


def parse(svg: str) -> ET.Element:
    """The SVG parsed as XML (raises on a malformed file), checked for what every picture must carry."""
    root = ET.fromstring(svg)  # noqa: S314 (our own output, parsed to check it)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img" and root.get("viewBox")
    assert [child.tag for child in root[:2]] == [f"{NS}title", f"{NS}desc"]
    assert not list(root.iter(f"{NS}script")) and not any(
        name.startswith("on") for el in root.iter() for name in el.attrib
    )
    return root


def title(el: ET.Element) -> str:
    first = el[0]
    assert first.tag == f"{NS}title", f"{el.tag} has no <title> first"
    return first.text or ""


def world(statuses: dict[str, str], **changes: object) -> list[mapsvg.MapCountry]:
    """Every country of the reference data, with the given statuses (ISO2 → status)."""
    return [
        mapsvg.MapCountry(c["iso2"], c["name"], c["latitude"], c["longitude"], statuses.get(c["iso2"], ""), **changes)
        for c in COUNTRIES.values()
    ]


def render_map(statuses: dict[str, str], **kwargs: object) -> str:
    options = {"heading": "United States", "as_of": D(2025, 5, 31), "url": URL} | kwargs
    return mapsvg.world_map(world(statuses), **options)  # type: ignore[arg-type]


# ---- the map -------------------------------------------------------------------------------------------------


def test_map_draws_every_country_once_with_its_status_in_the_title():
    svg = parse(render_map({"AO": S.DENIED, "SV": S.IMPLEMENTED, "TV": S.SUSPENDED}))
    shapes = [el for el in svg.iter() if el.get("data-iso2")]
    drawn = [el.get("data-iso2") for el in shapes]
    assert len(drawn) == len(set(drawn)), "a country drawn twice"
    paths = {el.get("data-iso2"): el for el in shapes if el.tag == f"{NS}path"}
    assert set(paths) == set(mapsvg.shapes())  # one <path> per country with a visible polygon
    assert "AQ" not in drawn  # outside the crop, like the web map
    assert set(drawn) == set(COUNTRIES) - {"AQ"}
    assert title(paths["AO"]) == "Angola: Denied"
    assert title(paths["BR"]) == "Brazil: No reports"
    tuvalu = next(el for el in shapes if el.get("data-iso2") == "TV")  # no polygon at 1:50m: a marker
    assert tuvalu.tag == f"{NS}circle" and title(tuvalu) == "Tuvalu: Suspended"


def test_map_fills_countries_with_the_map_pages_colours():
    svg = parse(render_map({"AO": S.DENIED, "SV": S.IMPLEMENTED, "TV": S.SUSPENDED}))
    fill = {el.get("data-iso2"): el.get("fill") for el in svg.iter() if el.get("data-iso2")}
    assert fill["AO"] == Arrangement.COLOURS[S.DENIED]
    assert fill["SV"] == Arrangement.COLOURS[S.IMPLEMENTED]
    assert fill["TV"] == Arrangement.COLOURS[S.SUSPENDED]
    assert fill["BR"] == Arrangement.NO_REPORTS_COLOUR


def test_a_multipolygon_country_is_one_path_with_several_subpaths():
    svg = parse(render_map({}))
    indonesia = [el for el in svg.iter(f"{NS}path") if el.get("data-iso2") == "ID"]
    assert len(indonesia) == 1
    assert indonesia[0].get("d").count("M") > 10  # its islands


def test_map_has_legend_heading_and_credit_line():
    svg = parse(render_map({"AO": S.DENIED, "SV": S.IMPLEMENTED, "CR": S.IMPLEMENTED}))
    texts = ["".join(el.itertext()) for el in svg.iter(f"{NS}text")]
    assert texts[0] == "United States · third-country deportation arrangements, as of 31 May 2025"
    for status in S:
        count = {S.DENIED: 1, S.IMPLEMENTED: 2}.get(status, 0)
        assert f"{status.label} ({count})" in texts
    assert "No reports" in texts
    assert f"Source: Third-Country Tracker, {URL} · Boundaries: Natural Earth" in texts
    assert "Transfers under way: Costa Rica and El Salvador" in svg[1].text


def test_map_marks_disputed_and_stale_countries_as_the_web_map_does():
    countries = [
        c if c.iso2 != "RW" else mapsvg.MapCountry("RW", "Rwanda", -2, 30, S.NEGOTIATING, True, True) for c in world({})
    ]
    svg = parse(mapsvg.world_map(countries, heading="All sending states", as_of=D(2025, 5, 31), url=URL))
    rwanda = next(el for el in svg.iter(f"{NS}path") if el.get("data-iso2") == "RW")
    assert title(rwanda) == "Rwanda: In negotiation (disputed, not verified recently)"
    assert rwanda.get("stroke-dasharray") and float(rwanda.get("stroke-width")) > 1
    assert {"Disputed", "Not verified recently"} <= {el.text for el in svg.iter(f"{NS}text")}


def test_map_size_scales_the_picture_not_the_layout():
    svg = parse(render_map({}, width=2400))
    assert (svg.get("width"), svg.get("height"), svg.get("viewBox")) == ("2400", "1260", "0 0 1200 630")
    default = parse(render_map({}))
    assert (default.get("width"), default.get("height")) == ("1200", "630")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"width": 100}, "width"), ({"url": "javascript:alert(1)"}, "url"), ({"url": "ftp://example.org/"}, "url")],
)
def test_map_refuses_bad_input_naming_the_field(kwargs, field):
    with pytest.raises(ValueError, match=rf"^{field}:"):
        render_map({}, **kwargs)


def test_map_refuses_an_unknown_status():
    with pytest.raises(ValueError, match=r"countries\[\d+\]\.status: unknown status 'approved'"):
        render_map({"AO": "approved"})


def test_map_escapes_hostile_names_and_headings():
    countries = [mapsvg.MapCountry("AO", HOSTILE + "\x00\x07", -12.5, 18.5, S.DENIED)]
    svg_text = mapsvg.world_map(countries, heading="<b>Sender</b> & co", as_of=D(2025, 5, 31), url=URL + "&x=\"'<")
    assert "<script" not in svg_text and "<b>" not in svg_text
    svg = parse(svg_text)
    angola = next(el for el in svg.iter(f"{NS}path") if el.get("data-iso2") == "AO")
    assert title(angola) == f"{HOSTILE}: Denied"  # the text survives, as text; control characters dropped
    assert "<b>Sender</b> & co" in "".join(svg.find(f"{NS}text").itertext())


def test_empty_map_is_a_sensible_picture():
    svg = parse(mapsvg.world_map([], heading="All sending states", as_of=D(2025, 1, 1), url=URL))
    assert not [el for el in svg.iter() if el.get("data-iso2")]
    assert "No country has reports." in svg[1].text
    assert "Reported contact (0)" in [el.text for el in svg.iter(f"{NS}text")]


def test_world_map_svg_stays_small():
    # The boundaries are simplified to ~1 px and rounded to 0.1 px: the whole world in well under 250 KB.
    assert len(render_map({}).encode()) < 250_000


def test_equal_earth_projection():
    assert mapsvg.equal_earth(0, 0) == (0.0, 0.0)
    assert mapsvg.equal_earth(180, 0)[0] == pytest.approx(2.7066, abs=1e-4)
    assert mapsvg.equal_earth(0, 90)[1] == pytest.approx(1.3173, abs=1e-4)
    x, y = mapsvg.equal_earth(-40, -30)
    assert mapsvg.equal_earth(40, 30) == pytest.approx((-x, -y))
    west, east = mapsvg.map_point(0, -90), mapsvg.map_point(0, 90)
    north, south = mapsvg.map_point(60, 0), mapsvg.map_point(-30, 0)
    assert west[0] < east[0] and north[1] < south[1]
    assert mapsvg.pixel(10, 20, 2400) == tuple(int(v * 2) for v in mapsvg.map_point(10, 20))


# ---- the PNG ---------------------------------------------------------------------------------------------------


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[k : k + 2], 16) for k in (1, 3, 5))  # type: ignore[return-value]


def test_png_of_the_map_shows_each_country_in_its_status_colour():
    svg = render_map({"AO": S.DENIED, "SV": S.IMPLEMENTED})
    png = raster.svg_to_png(svg, 1600)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1600, 840)
    for iso2, expected in (
        ("AO", Arrangement.COLOURS[S.DENIED]),
        ("SV", Arrangement.COLOURS[S.IMPLEMENTED]),
        ("BR", Arrangement.NO_REPORTS_COLOUR),
    ):
        country = COUNTRIES[iso2]
        assert image.getpixel(mapsvg.pixel(country["latitude"], country["longitude"], 1600)) == rgb(expected), iso2


def test_png_text_is_drawn_with_the_shipped_font():
    # The rasteriser ignores system fonts: the heading has ink only if the fonts in charts/fonts/ are used.
    image = Image.open(io.BytesIO(raster.svg_to_png(render_map({}), 1200))).convert("L")
    heading = image.crop((10, 10, 600, 45))
    assert sum(heading.histogram()[:100]) > 500  # dark pixels


def test_rasteriser_refuses_a_silly_width():
    with pytest.raises(ValueError, match=r"^width:"):
        raster.svg_to_png(render_map({}), 0)


# ---- the timeline ----------------------------------------------------------------------------------------------

LOG = [
    ("SV", "El Salvador", D(2025, 2, 1), "month", S.AGREED, None, "Publisher 1, February 2025"),
    ("SV", "El Salvador", D(2025, 3, 1), "month", S.IMPLEMENTED, 238, "Publisher 2, March 2025"),
    ("SV", "El Salvador", D(2025, 4, 10), "day", S.IMPLEMENTED, 10, ""),  # the same status: the segment goes on
    ("CR", "Costa Rica", D(2025, 2, 20), "day", S.IMPLEMENTED, 200, ""),
    ("XX", HOSTILE, D(2025, 1, 5), "day", S.REPORTED, None, "<i>note</i> & more"),
    ("XX", HOSTILE, D(2025, 1, 9), "day", S.NEGOTIATING, None, ""),
    ("XX", HOSTILE, D(2025, 1, 9), "day", S.DENIED, None, ""),  # recorded later the same day: it wins
]


def test_timeline_rows_end_each_segment_where_the_next_change_begins():
    rows = {row.iso2: row for row in timeline.timeline_rows(LOG)}
    sv = rows["SV"]
    assert [(s.status, s.start, s.end) for s in sv.segments] == [
        (S.AGREED, D(2025, 2, 1), D(2025, 3, 1)),
        (S.IMPLEMENTED, D(2025, 3, 1), None),
    ]
    assert [s.period for s in sv.segments] == ["2025-02 to 2025-03", "since 2025-03"]
    assert [(t.date, t.people) for t in sv.transfers] == [(D(2025, 3, 1), 238), (D(2025, 4, 10), 10)]
    assert [(s.status, s.end) for s in rows["XX"].segments] == [(S.REPORTED, D(2025, 1, 9)), (S.DENIED, None)]
    # Rows in the order of their first change; input order does not matter across dates.
    assert [row.iso2 for row in timeline.timeline_rows(reversed(LOG[:4]))] == ["SV", "CR"]
    assert [row.iso2 for row in timeline.timeline_rows(LOG)] == ["XX", "SV", "CR"]


def test_timeline_rows_refuse_an_unknown_status():
    with pytest.raises(ValueError, match=r"^status: unknown status 'approved'"):
        timeline.timeline_rows([("SV", "El Salvador", D(2025, 1, 1), "day", "approved")])


def test_timeline_svg_draws_segments_in_order_with_titles_and_colours():
    rows = timeline.timeline_rows(LOG)
    svg = parse(timeline.timeline_svg(rows, end=D(2025, 5, 31), heading="the United States"))
    assert svg.get("width") == "100%" and svg.get("height") is None  # responsive
    sv = next(g for g in svg.iter(f"{NS}g") if g.get("data-iso2") == "SV")
    bars = [el for el in sv.iter(f"{NS}rect")]
    assert [title(b) for b in bars] == [
        "El Salvador: Agreement reached, 2025-02 to 2025-03",
        "El Salvador: Transfers under way, since 2025-03",
    ]
    assert bars[0][1].tag == f"{NS}desc" and bars[0][1].text == "Publisher 1, February 2025"
    assert [b.get("fill") for b in bars] == [Arrangement.COLOURS[S.AGREED], Arrangement.COLOURS[S.IMPLEMENTED]]
    first_end = float(bars[0].get("x")) + float(bars[0].get("width"))
    assert first_end == pytest.approx(float(bars[1].get("x")), abs=0.1)  # touching: one ends where the next begins
    assert float(bars[1].get("x")) + float(bars[1].get("width")) == pytest.approx(960 - 12, abs=0.1)  # open: to end
    markers = [title(el) for el in sv.iter(f"{NS}path") if el.get("class") == "transfer"]
    assert markers == [
        "El Salvador: 238 people transferred, 2025-03",
        "El Salvador: 10 people transferred, 2025-04-10",
    ]
    assert "the United States" in svg[0].text


def test_timeline_axis_shows_months_for_a_short_range_and_years_for_a_long_one():
    rows = timeline.timeline_rows(LOG)

    def ticks(**kwargs: object) -> list[str]:
        svg = parse(timeline.timeline_svg(rows, end=D(2025, 5, 31), **kwargs))  # type: ignore[arg-type]
        axis = next(g for g in svg.iter(f"{NS}g") if g.get("class") == "axis")
        return [el.text or "" for el in axis.iter(f"{NS}text")]

    assert ticks() == ["Jan 2025", "Feb", "Mar", "Apr", "May"]
    long = ticks(start=D(2001, 1, 1))
    assert long == [str(year) for year in range(2002, 2025, 2)]  # ~30 px a year: every second year


def test_timeline_escapes_hostile_names_and_notes():
    text = timeline.timeline_svg(timeline.timeline_rows(LOG), end=D(2025, 5, 31), heading="<b>x</b>")
    assert "<script" not in text and "<i>" not in text and "<b>" not in text
    svg = parse(text)
    row = next(g for g in svg.iter(f"{NS}g") if g.get("data-iso2") == "XX")
    assert title(row.find(f"{NS}rect")).startswith(HOSTILE + ": Reported contact")
    assert row.find(f"{NS}rect")[1].text == "<i>note</i> & more"


def test_empty_timeline_is_a_sensible_picture():
    svg = parse(timeline.timeline_svg([], end=D(2025, 5, 31), responsive=False))
    assert svg.get("width") == "960" and svg.get("height")
    assert "No status changes recorded." in [el.text for el in svg.iter(f"{NS}text")]


def test_timeline_refuses_a_range_that_ends_before_it_starts_or_a_silly_width():
    with pytest.raises(ValueError, match=r"^start:"):
        timeline.timeline_svg(timeline.timeline_rows(LOG), start=D(2025, 6, 1), end=D(2025, 5, 31))
    with pytest.raises(ValueError, match=r"^width:"):
        timeline.timeline_svg(timeline.timeline_rows(LOG), end=D(2025, 5, 31), width=100)


def test_timeline_table_lists_the_same_segments_and_transfers():
    html = render_to_string("agreements/_timeline_table.html", {"rows": timeline.timeline_rows(LOG)})
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;i&gt;note&lt;/i&gt; &amp; more" in html
    sv = html[html.index('data-iso2="SV"') :]
    sv = sv[: sv.index("</tbody>")]
    assert sv.count("<tr>") == 2
    assert 'rowspan="2">El Salvador' in sv
    assert "Agreement reached" in sv and "February 2025" in sv and "still in force" in sv
    assert "March 2025</time>: 238 people; " in sv and "10 April 2025</time>: 10 people" in sv
    empty = render_to_string("agreements/_timeline_table.html", {"rows": []})
    assert "No status changes recorded." in empty


# ---- the flows -------------------------------------------------------------------------------------------------

EVENTS = [
    ("VN", "Vietnam", "SZ", "Eswatini", 1),
    ("JM", "Jamaica", "SZ", "Eswatini", 1),
    ("CU", "Cuba", "SZ", "Eswatini", 1),
    ("VN", "Vietnam", "XX", HOSTILE, 3),
    ("VN", "Vietnam", "XX", HOSTILE, 2),
    ("CN", "China", "PA", "Panama", None),  # nationality named, number not
    ("IN", "India", "PA", "Panama", 40),
    ("IN", "India", "PA", "Panama", None),
    ("", "", "CR", "Costa Rica", 200),  # number known, nationality not
]


def test_aggregate_flows_sums_counts_per_pair_and_keeps_unreported_apart():
    by_pair = {(f.nationality_iso2, f.receiving_iso2): f for f in flows.aggregate_flows(EVENTS)}
    assert (by_pair["VN", "XX"].people, by_pair["VN", "XX"].unreported) == (5, 0)
    assert (by_pair["CN", "PA"].people, by_pair["CN", "PA"].unreported) == (0, 1)
    assert (by_pair["IN", "PA"].people, by_pair["IN", "PA"].unreported) == (40, 1)
    assert by_pair["IN", "PA"].people_display == "at least 40 people (some numbers not reported)"
    assert by_pair["CN", "PA"].people_display == "number not reported"
    assert by_pair["", "CR"].nationality_label == "Nationality not reported"
    with pytest.raises(ValueError, match=r"^events\[1\]\.people:"):
        flows.aggregate_flows([EVENTS[0], ("VN", "Vietnam", "SZ", "Eswatini", -1)])


def test_flow_bands_sum_to_the_given_counts_with_titles():
    svg = parse(flows.flows_svg(flows.aggregate_flows(EVENTS), heading="the United States"))
    bands = [el for el in svg.iter(f"{NS}path") if el.get("data-people")]
    assert sum(int(b.get("data-people")) for b in bands) == 1 + 1 + 1 + 5 + 40 + 200
    into = {}
    for band in bands:
        into[band.get("data-to")] = into.get(band.get("data-to"), 0) + int(band.get("data-people"))
    assert into == {"SZ": 3, "XX": 5, "PA": 40, "CR": 200}
    titles = {title(b) for b in bands}
    assert {"1 person, Vietnam → Eswatini", "40 people, India → Panama"} <= titles
    assert f"5 people, Vietnam → {HOSTILE}" in titles
    assert "200 people, Nationality not reported → Costa Rica" in titles

    def thickness(band: ET.Element) -> float:
        return float(re.search(r"v([\d.]+)", band.get("d")).group(1))  # type: ignore[union-attr]

    by_title = {title(b): b for b in bands}
    ratio = thickness(by_title["200 people, Nationality not reported → Costa Rica"]) / thickness(
        by_title["40 people, India → Panama"]
    )
    assert ratio == pytest.approx(5, rel=0.02)


def test_unreported_counts_are_thin_hatched_bands():
    svg = parse(flows.flows_svg(flows.aggregate_flows(EVENTS)))
    hatched = [el for el in svg.iter(f"{NS}path") if el.get("data-unreported")]
    assert {title(el) for el in hatched} == {
        "Number not reported, China → Panama",
        "Number not reported, India → Panama",
    }
    assert all(el.get("fill") == "url(#flows-unreported)" and "v3" in el.get("d") for el in hatched)
    assert svg.find(f".//{NS}pattern[@id='flows-unreported']") is not None
    assert "number not reported" in [el.text for el in svg.iter(f"{NS}text")]


def test_flows_escape_hostile_names():
    text = flows.flows_svg(flows.aggregate_flows(EVENTS))
    assert "<script" not in text
    labels = ["".join(el.itertext()) for el in parse(text).iter(f"{NS}text")]
    assert any(label.startswith("Country 17 <script>") for label in labels)


def test_flows_refuse_a_silly_width():
    with pytest.raises(ValueError, match=r"^width:"):
        flows.flows_svg(flows.aggregate_flows(EVENTS), width=50)


def test_empty_flows_are_a_sensible_picture():
    svg = parse(flows.flows_svg([]))
    assert "No transfers with recorded nationalities." in [el.text for el in svg.iter(f"{NS}text")]
    assert not list(svg.iter(f"{NS}path"))


def test_flows_table_lists_each_pair_with_its_count():
    html = render_to_string("agreements/_flows_table.html", {"flows": flows.aggregate_flows(EVENTS)})
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert html.count("<tr data-from=") == 7
    assert '<th scope="row">China</th><td>Panama</td><td>number not reported</td>' in html
    assert '<th scope="row">Nationality not reported</th><td>Costa Rica</td><td>200 people</td>' in html
    assert "No transfers with recorded nationalities." in render_to_string(
        "agreements/_flows_table.html", {"flows": []}
    )


def test_the_legend_wraps_and_the_last_number_stays_inside_the_picture():
    from django.utils import translation

    every = [
        (f"Q{i}", f"Country {i}", D(2025, 1, 1 + i), "day", status, None, "")
        for i, status in enumerate(Arrangement.Status)
    ]
    every.append(("Q0", "Country 0", D(2025, 5, 31), "day", S.IMPLEMENTED, 1234, ""))  # on the last day drawn
    with translation.override("es"):
        svg = parse(timeline.timeline_svg(timeline.timeline_rows(every), end=D(2025, 5, 31), responsive=False))
    legend = next(g for g in svg.iter(f"{NS}g") if g.get("class") == "legend")
    texts = list(legend.iter(f"{NS}text"))
    assert "Transferencias en curso" in [t.text for t in texts] and len(texts) == len(Arrangement.Status) + 1
    assert len({t.get("y") for t in texts}) == 2  # two lines at 960 px in Spanish
    assert all(float(t.get("x")) + timeline.text_width(t.text or "", 12) <= 960 - 4 for t in texts)
    row = next(g for g in svg.iter(f"{NS}g") if g.get("data-iso2") == "Q0")
    number = next(t for t in row.iter(f"{NS}text") if t.text == "1234")
    assert number.get("text-anchor") == "end" and float(number.get("x")) < 960 - 12  # before its triangle
    first_row_y = min(float(r.get("y")) for r in svg.iter(f"{NS}rect") if r.get("data-status"))
    assert first_row_y > 18 + timeline.LEGEND_LINE  # the rows start below the legend's second line
