"""Atom feeds parse (feedparser) and a filtered feed holds only matching entries."""

import feedparser
import pytest

pytestmark = pytest.mark.django_db


def _parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def test_changes_feed_has_status_changes_and_statements(client, seed):
    feed = _parse(client, "/feeds/changes/")
    titles = [e.title for e in feed.entries]
    assert len(titles) == 19  # 13 status changes on their own + 6 statements
    assert any(t.startswith("Embassy of Angola in Washington: Denies") for t in titles)
    assert any(t.startswith("El Salvador: Transfers under way") for t in titles)
    assert all(e.link.startswith("http://testserver/") for e in feed.entries)


def test_filtered_statement_feed_holds_only_matching_entries(client, seed):
    feed = _parse(client, "/feeds/statements/?stance=denies")
    assert [e.title.split(":")[0] for e in feed.entries] == ["Embassy of Angola in Washington"]
    feed = _parse(client, "/feeds/statements/?receiving_country=GQ")
    assert len(feed.entries) == 3 and all("Equatorial Guinea" in e.title for e in feed.entries)


def test_filtered_arrangement_feed(client, seed):
    feed = _parse(client, "/feeds/arrangements/?status=implemented")
    assert sorted(e.title.split(":")[0] for e in feed.entries) == ["Costa Rica", "El Salvador", "Panama"]
    assert "status=implemented" in feed.feed.link


def test_feed_text_is_escaped(client, db):
    import datetime as dt

    from agreements import services

    from .factories import statement

    actor = services.get_or_create_actor(name="Actor <b>bold</b>", kind="embassy").obj
    statement(actor, ["AO"], "denies", dt.date(2025, 1, 1), quote="<script>alert(1)</script>")
    feed = _parse(client, "/feeds/statements/")
    entry = feed.entries[0]
    assert "<script>" not in entry.summary and "&lt;script&gt;" in entry.summary
    assert entry.title.startswith("Actor <b>bold</b>")  # a text title, shown literally by readers


def test_invalid_feed_filter_is_400(client, db):
    response = client.get("/feeds/statements/?stance=rumour")
    assert response.status_code == 400 and "stance" in response.json()["errors"]
