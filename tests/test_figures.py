"""The status timeline (the map's, from /timeline/; country pages) and the map's headline figures, on the record."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.db.models import Q, Sum

from agreements.figures import status_log
from agreements.models import Arrangement

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def _timeline(html: str, key: str) -> ET.Element:
    match = re.search(rf'<figure class="status-timeline" id="timeline-{key}">\s*(<svg.*?</svg>)', html, re.S)
    assert match, f"no timeline {key}"
    return ET.fromstring(match.group(1))  # noqa: S314 (our own output, parsed to check it)


def _row(svg: ET.Element, key: str) -> ET.Element:
    rows = [g for g in svg.iter(f"{SVG}g") if g.get("data-iso2") == key]
    assert len(rows) == 1, f"no row {key}"
    return rows[0]


def _segments(row: ET.Element) -> list[tuple[str, str, str]]:
    return [
        (rect.get("data-status"), rect.get("fill"), rect.find(f"{SVG}title").text)  # type: ignore[union-attr]
        for rect in row.iter(f"{SVG}rect")
    ]


def test_the_map_page_loads_its_timeline_when_it_scrolls_into_view(client, record):
    html = client.get("/?sending_state=US&as_of=2025-03-01").content.decode()
    assert 'id="timeline-map"' not in html  # not in the page: it grows with the record's history
    lazy = re.search(r'<div class="timeline-lazy" hx-get="([^"]+)" hx-trigger="intersect once"', html)
    assert lazy and lazy.group(1) == "/timeline/?sending_state=US&amp;as_of=2025-03-01"
    assert '<a href="/timeline/?sending_state=US&amp;as_of=2025-03-01">' in html  # without JavaScript
    fragment = client.get("/timeline/?sending_state=US&as_of=2025-03-01", headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert body.lstrip().startswith('<figure class="status-timeline" id="timeline-map">') and "<html" not in body
    page = client.get("/timeline/?sending_state=US&as_of=2025-03-01").content.decode()
    assert "<h1>Status over time: United States, as of 1 March 2025</h1>" in page
    assert '<a href="/status-changes/?sending_state=US">' in page
    assert _timeline(page, "map").find(f"{SVG}title").text == _timeline(body, "map").find(f"{SVG}title").text  # type: ignore[union-attr]
    assert '<meta name="description" content="The status of each' in page


def test_a_timeline_with_a_bad_date_says_which_field(client, record):
    response = client.get("/timeline/?sending_state=US&as_of=2025-13-01")
    assert response.status_code == 400
    assert "<li>as_of: Enter a valid date.</li>" in response.content.decode()


def test_the_map_timeline_draws_the_selected_senders_arrangements(client, record):
    html = client.get("/timeline/?sending_state=US").content.decode()
    svg = _timeline(html, "map")
    assert svg.find(f"{SVG}title").text.startswith("Status timeline of United States")  # type: ignore[union-attr]
    salvador = _row(svg, "SV")
    assert _segments(salvador) == [
        ("agreed", Arrangement.COLOURS["agreed"], "El Salvador: Agreement reached, 2025-02-03 to 2025-03-16"),
        ("implemented", Arrangement.COLOURS["implemented"], "El Salvador: Transfers under way, since 2025-03-16"),
    ]
    descs = [d.text for d in salvador.iter(f"{SVG}desc")]
    assert descs[0] == "Associated Press, via The New Indian Express, 6 February 2025"
    transfers = [p.find(f"{SVG}title").text for p in salvador.iter(f"{SVG}path") if p.get("class") == "transfer"]  # type: ignore[union-attr]
    assert transfers == ["El Salvador: 238 people transferred, 2025-03-16"]
    # The table alternative holds the same rows.
    table = html[html.index('<table class="data timeline-table">') :]
    assert '<tbody data-iso2="SV">' in table and "238 people" in table
    assert (
        len(svg.findall(f"{SVG}g[@class='row']"))
        == Arrangement.objects.filter(sending_state="US").exclude(status="").count()
    )


def test_the_timeline_as_of_a_date_stops_there(client, record):
    svg = _timeline(client.get("/timeline/?sending_state=US&as_of=2025-03-01").content.decode(), "map")
    assert _segments(_row(svg, "SV")) == [
        ("agreed", Arrangement.COLOURS["agreed"], "El Salvador: Agreement reached, since 2025-02-03")
    ]
    assert not [g for g in svg.iter(f"{SVG}g") if g.get("data-iso2") == "CM"]  # Cameroon: 2026


def test_every_sender_has_a_row_per_arrangement(client, record):
    svg = _timeline(client.get("/timeline/?sending_state=all").content.decode(), "map")
    rwanda = {g.get("data-iso2") for g in svg.iter(f"{SVG}g") if (g.get("data-iso2") or "").endswith("-RW")}
    assert rwanda == {"US-RW", "GB-RW", "DK-RW", "IL-RW"}
    assert len(svg.findall(f"{SVG}g[@class='row']")) == Arrangement.objects.exclude(status="").count() == 45


def test_country_pages_draw_a_timeline_for_each_role(client, record):
    rwanda = _timeline(client.get("/countries/RW/").content.decode(), "1")
    assert {g.get("data-iso2") for g in rwanda.findall(f"{SVG}g[@class='row']")} == {"US", "GB", "DK", "IL"}
    united_kingdom = client.get("/countries/GB/").content.decode()
    rows = _timeline(united_kingdom, "1").findall(f"{SVG}g[@class='row']")
    assert {g.get("data-iso2") for g in rows} == {"RW", "AO", "CV"}
    assert 'id="timeline-2"' not in united_kingdom  # the UK receives no one: one timeline


def test_the_timeline_reads_the_log_in_one_query(django_assert_num_queries, record):
    with django_assert_num_queries(1):
        changes = status_log(Q(arrangement__sending_state="US"))
        assert changes and [s.cited_as for c in changes for s in c.cited_sources]


def test_headline_figures_for_one_sender(client, seed):
    html = client.get("/?sending_state=US").content.decode()
    headline = html[html.index('<section class="headline"') : html.index('<section class="reports"')]
    assert "<strong>11</strong> receiving countries with reports" in headline
    assert "<strong>6</strong> reported contact" in headline and "<strong>3</strong> transfers under way" in headline
    assert "<strong>1</strong> denied" in headline and "declined" not in headline
    assert "<strong>At least 357</strong> people transferred under 2 arrangements" in headline  # 238 + 119: a floor
    assert "the larger of the sum of the transfers reported with a number and the latest reported total" in headline
    assert "(0 by a reported total), a floor" in headline
    latest = headline.split("Latest changes")[1].split("</ol>")[0]
    items = re.findall(r'<li><time datetime="([\d-]+)">[^<]*</time> · [^→]*→ <a href="/countries/(\w\w)/">', latest)
    # Newest first; of the changes of one day, the one recorded last first (the denial came with a statement).
    assert items == [
        ("2025-05-05", "AO"),
        ("2025-05-05", "RW"),
        ("2025-05-05", "MD"),
        ("2025-05-05", "LY"),
        ("2025-05-05", "SZ"),
    ]
    assert latest.count("AllAfrica") == 1 and latest.count("CBS News, via newsdaily24.de") == 4


def test_headline_figures_for_every_sender_count_each_country_once(client, record):
    html = client.get("/?sending_state=all").content.decode()
    headline = html[html.index('<section class="headline"') : html.index('<section class="reports"')]
    countries = Arrangement.objects.exclude(status="").values("receiving_country").distinct().count()
    people = Arrangement.objects.aggregate(n=Sum("people_transferred"))["n"]
    assert f"<strong>{countries}</strong> receiving countries with reports" in headline
    assert f"<strong>At least {people}</strong> people transferred" in headline
