"""/changes/compare/: every arrangement whose status differs between two dates, old → new, with the events and
sources in between, the statements of the window by stance; the page, its CSV and its JSON agree."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from agreements.compare import compare
from agreements.models import Arrangement

from .factories import ActorFactory, SourceFactory, change, statement

pytestmark = pytest.mark.django_db
WINDOW = "from=2025-02-15&to=2025-05-31"
S = Arrangement.Status


def rows_of(page: str) -> dict[str, str]:
    body = page[page.index('<table class="data compare-table">') :]
    body = body[: body.index("</table>")]
    return {m.group(1): m.group(2) for m in re.finditer(r'<tr data-iso2="(\w\w)">(.*?)</tr>', body, re.S)}


def test_page_lists_el_salvador_and_costa_rica_moving_with_their_sources(client, seed):
    response = client.get(f"/changes/compare/?{WINDOW}")
    assert response.status_code == 200
    rows = rows_of(response.content.decode())
    sv, cr = rows["SV"], rows["CR"]
    assert re.search(r'status-before"[^>]*>.*Agreement reached.*since <time datetime="2025-02-03"', sv)
    assert re.search(r'status-after"[^>]*>.*Transfers under way', sv)
    assert "https://efe.com/en/latest-news/2025-03-16/" in sv and "16 March 2025" in sv and "238 people" in sv
    assert re.search(r'status-before"[^>]*><span class="swatch status-none"></span>No reports<', cr)
    assert re.search(r'status-after"[^>]*>.*Transfers under way', cr)
    assert "https://www.dawn.com/news/1893379/" in cr and "https://www.devdiscourse.com/article/business/3268462" in cr
    # Unchanged between the two dates: agreed (Guatemala) and implemented (Panama) before 15 February.
    assert "GT" not in rows and "PA" not in rows
    assert {"AO", "BJ", "GQ", "LY", "MD", "RW", "SZ"} <= set(rows)


def test_csv_has_the_same_rows_as_the_page(client, seed):
    page_rows = rows_of(client.get(f"/changes/compare/?{WINDOW}").content.decode())
    response = client.get(f"/changes/compare/export.csv?{WINDOW}")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="changes-2025-02-15-to-2025-05-31.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["receiving_country"] for r in rows] == list(page_rows)
    by_iso = {r["receiving_country"]: r for r in rows}
    sv, cr = by_iso["SV"], by_iso["CR"]
    assert (sv["status_from"], sv["status_from_since"], sv["status_to"], sv["status_to_since"]) == (
        "agreed",
        "2025-02-03",
        "implemented",
        "2025-03-16",
    )
    assert (cr["status_from"], cr["status_to"]) == ("", "implemented")
    assert cr["events"] == "2025-02-17 agreed; 2025-02-20 implemented"
    assert "https://www.dawn.com/news/1893379/" in cr["sources"]


def test_json_carries_the_events_and_the_statements_by_stance(client, seed):
    body = client.get(f"/changes/compare/export.json?{WINDOW}").json()
    assert (body["from"], body["to"], body["sending_state"], body["count"]) == ("2025-02-15", "2025-05-31", "US", 9)
    sv = next(c for c in body["changes"] if c["receiving_country"] == "SV")
    assert sv["from"] == {"status": "agreed", "label": "Agreement reached", "since": "2025-02-03"}
    assert sv["to"]["status"] == "implemented"
    assert [(e["date"], e["status"], e["people"]) for e in sv["events"]] == [("2025-03-16", "implemented", 238)]
    assert sv["events"][0]["sources"][0]["url"].startswith("https://efe.com/")
    assert {"denies", "unaware", "referred", "no_response", "commentary", "confirms"} <= set(body["statements"])
    denial = body["statements"]["denies"][0]
    assert denial["actor"] == "Embassy of Angola in Washington" and denial["receiving_countries"] == ["AO"]


def test_statements_in_the_window_are_grouped_by_stance_and_limited_to_it(client, db):
    actor = ActorFactory()
    statement(actor, ["AO"], "denies", dt.date(2025, 3, 1), quote="Synthetic denial inside.")
    statement(actor, ["AO"], "confirms", dt.date(2025, 1, 1), quote="Synthetic quote outside.")
    page = client.get("/changes/compare/?from=2025-02-01&to=2025-04-01").content.decode()
    statements = page[page.index('id="statements-h"') :]
    assert "<h3>Denies (1)</h3>" in statements and "Synthetic denial inside." in statements
    assert "Synthetic quote outside." not in statements and "Confirms" not in statements


def test_filters_narrow_to_a_sending_state_and_a_receiving_country(client, db):
    change("AO", S.REPORTED, dt.date(2025, 3, 1), sending="GB")
    change("BJ", S.REPORTED, dt.date(2025, 3, 1), sending="GB")
    change("AO", S.REPORTED, dt.date(2025, 3, 1))  # the United States
    gb = client.get("/changes/compare/?from=2025-02-01&to=2025-04-01&sending_state=GB")
    assert set(rows_of(gb.content.decode())) == {"AO", "BJ"}
    narrowed = client.get("/changes/compare/?from=2025-02-01&to=2025-04-01&sending_state=GBR&country=BJ")
    assert set(rows_of(narrowed.content.decode())) == {"BJ"}


def test_a_status_that_moves_and_comes_back_is_no_change(db):
    source = SourceFactory()
    change("AO", S.NEGOTIATING, dt.date(2025, 1, 10), source=source)
    change("AO", S.AGREED, dt.date(2025, 2, 10), source=source)
    change("AO", S.NEGOTIATING, dt.date(2025, 3, 10), source=source)
    assert compare(start=dt.date(2025, 1, 31), end=dt.date(2025, 3, 31), sending_state="US").moves == []
    moved = compare(start=dt.date(2025, 1, 31), end=dt.date(2025, 2, 28), sending_state="US").moves
    assert [(m.status_before, m.status_after, len(m.events)) for m in moved] == [(S.NEGOTIATING, S.AGREED, 1)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-06-01&to=2025-05-01", "from"),
        ("from=yesterday", "from"),
        ("to=2025-02-30", "to"),
        ("sending_state=Atlantis", "sending_state"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(client, db, query, field):
    assert client.get(f"/changes/compare/?{query}").status_code == 400
    response = client.get(f"/changes/compare/export.csv?{query}")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_since_my_last_visit_is_a_link_that_fills_from_with_a_date(client, seed):
    page = client.get("/changes/compare/?sending_state=US").content.decode()  # from: 30 days before today
    link = re.search(r'<p class="since-visit">.*?<a href="([^"]+)"', page, re.S).group(1)
    assert link == f"?sending_state=US&amp;from={timezone.localdate().isoformat()}"
    later = client.get("/changes/compare/?sending_state=US&from=2025-05-01").content.decode()
    assert set(rows_of(later)) == {"AO", "BJ", "GQ", "LY", "MD", "RW", "SZ"}  # the reports of 5 May
    side = client.get("/?as_of=2025-03-01").content.decode()  # the map offers "what changed since" its date
    assert '/changes/compare/?sending_state=US&amp;from=2025-03-01">What changed since 1 March 2025</a>' in side


def test_every_sending_state_at_once(client, db):
    change("AO", S.REPORTED, dt.date(2025, 3, 1), sending="GB")
    change("BJ", S.REPORTED, dt.date(2025, 3, 1))
    page = client.get("/changes/compare/?from=2025-02-01&to=2025-04-01&sending_state=all").content.decode()
    assert set(rows_of(page)) == {"AO", "BJ"} and '<option value="all" selected>' in page
    body = client.get("/changes/compare/export.json?from=2025-02-01&to=2025-04-01&sending_state=all").json()
    assert body["sending_state"] == "all"
    assert {(c["sending_state"], c["receiving_country"]) for c in body["changes"]} == {("GB", "AO"), ("US", "BJ")}
