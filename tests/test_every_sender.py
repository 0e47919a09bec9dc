"""Every sending state at once (`?sending_state=all`): the map API's contract, the page, its panel and table."""

import datetime as dt
import random
import re

import pytest

from agreements.models import Arrangement

from .factories import SENDING_STATES, change

pytestmark = pytest.mark.django_db


def _entries(client, query: str) -> dict[str, dict]:
    response = client.get(f"/api/v1/map/{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    return {e["iso2"]: e for e in body["results"]}


def test_a_country_implemented_for_one_sender_and_denied_by_another_is_implemented(client, db):
    change("FR", "denied", dt.date(2025, 5, 1), sending="GB")
    change("FR", "implemented", dt.date(2025, 3, 1), sending="US", people=12)
    entries = _entries(client, "?sending_state=all")
    france = entries["FR"]
    assert (france["status"], france["status_label"], france["status_since"]) == (
        "implemented",
        "Transfers under way",
        "2025-03-01",
    )
    assert france["people_transferred"] == 12  # the leading arrangement's own figures
    assert france["senders"] == [
        {"sending_state": "US", "status": "implemented", "status_since": "2025-03-01"},
        {"sending_state": "GB", "status": "denied", "status_since": "2025-05-01"},
    ]
    assert entries["DE"]["status"] is None and entries["DE"]["senders"] == []
    assert len(entries) == 250


def test_senders_follow_the_precedence_whatever_the_order_recorded(client, db):
    statuses = list(Arrangement.PRECEDENCE)
    assert [s.value for s in statuses] == [
        "implemented",
        "agreed",
        "negotiating",
        "reported",
        "suspended",
        "ended",
        "declined",
        "denied",
    ]
    shuffled = list(zip(SENDING_STATES, statuses, strict=False))
    random.Random(12).shuffle(shuffled)
    for sending, status in shuffled:
        change("MR", status, dt.date(2025, 4, 1), sending=sending)
    mauritania = _entries(client, "?sending_state=ALL")["MR"]
    assert [s["status"] for s in mauritania["senders"]] == statuses
    assert mauritania["status"] == "implemented"


def test_one_sender_views_are_unchanged_and_carry_no_senders(client, db):
    change("FR", "denied", dt.date(2025, 5, 1), sending="GB")
    change("FR", "implemented", dt.date(2025, 3, 1), sending="US")
    us, gb = _entries(client, "?sending_state=US"), _entries(client, "?sending_state=GB")
    assert (us["FR"]["status"], gb["FR"]["status"]) == ("implemented", "denied")
    assert "senders" not in us["FR"] and "senders" not in _entries(client, "")["FR"]


def test_as_of_works_with_every_sender(client, db):
    change("FR", "reported", dt.date(2025, 1, 10), sending="GB")
    change("FR", "implemented", dt.date(2025, 3, 1), sending="US")
    change("FR", "ended", dt.date(2025, 6, 1), sending="US")
    entries = _entries(client, "?sending_state=all&as_of=2025-02-01")
    assert entries["FR"]["status"] == "reported"
    assert entries["FR"]["senders"] == [{"sending_state": "GB", "status": "reported", "status_since": "2025-01-10"}]
    entries = _entries(client, "?sending_state=all&as_of=2025-04-01")
    assert [s["sending_state"] for s in entries["FR"]["senders"]] == ["US", "GB"]
    now = _entries(client, "?sending_state=all")["FR"]
    assert (now["status"], [s["status"] for s in now["senders"]]) == ("reported", ["reported", "ended"])
    assert _entries(client, "?sending_state=all&as_of=2024-12-31")["FR"]["senders"] == []


def test_every_sender_has_an_etag_and_304(client, record):
    first = client.get("/api/v1/map/?sending_state=all")
    etag = first["ETag"]
    assert client.get("/api/v1/map/?sending_state=all", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/api/v1/map/?sending_state=US", HTTP_IF_NONE_MATCH=etag).status_code == 200
    rwanda = {e["iso2"]: e for e in first.json()["results"]}["RW"]
    assert rwanda["status"] == "implemented"
    assert [(s["sending_state"], s["status"]) for s in rwanda["senders"]] == [
        ("US", "implemented"),
        ("DK", "suspended"),
        ("GB", "ended"),
        ("IL", "denied"),
    ]


def test_a_bad_sending_state_names_the_field(client, db):
    for url in ("/api/v1/map/?sending_state=everyone", "/countries/RW/panel/?sending_state=everyone"):
        response = client.get(url)
        assert response.status_code == 400 and "sending_state" in response.json()


def test_the_panel_lists_every_senders_evidence_most_advanced_first(client, record):
    panel = client.get("/countries/RW/panel/?sending_state=all").content.decode()
    blocks = re.findall(r'<article class="arrangement" id="arrangement-\d+">.*?</article>', panel, re.S)
    senders = [re.search(r"Sending state: <a [^>]*>([^<]+)</a>", b).group(1) for b in blocks]  # type: ignore[union-attr]
    assert senders == ["United States", "Denmark", "United Kingdom", "Israel"]
    assert "4 sending states, the most advanced status first" in panel
    nothing = client.get("/countries/FR/panel/?sending_state=all").content.decode()
    assert "Nothing on record of any sending state approaching France" in nothing


def test_the_map_page_offers_every_sender_and_keeps_one_sender_views(client, record):
    page = client.get("/?sending_state=all").content.decode()
    assert '<option value="all" selected>All sending states</option>' in page
    assert 'data-sending-state="all"' in page
    assert '<th scope="col">Sending state</th>' in page  # the table names each arrangement's sender
    one = client.get("/?sending_state=GB").content.decode()
    assert '<option value="GB" selected>United Kingdom</option>' in one and 'value="all" selected' not in one


def test_the_countries_table_for_every_sender(client, record):
    page = client.get("/countries/?sending_state=all&sort=-status").content.decode()
    rwanda = page[page.index('href="/countries/RW/"') :].split("</tr>")[0]
    assert "Transfers under way" in rwanda and "US: Transfers under way; DK: Suspended; GB: Ended; IL: Denied" in rwanda
