"""The leads inbox: two local feeds (reached only through FETCH_PRIVATE_ALLOWLIST) carry the same story under two
URLs and one unrelated item; a poll makes one lead tagged with the right country, the next poll is answered 304."""

from __future__ import annotations

import datetime as dt
from http.server import BaseHTTPRequestHandler

import pytest
from django.utils import timezone

from agreements import leads, services
from agreements.models import Feed, Lead

from .local_servers import answer, serve

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Synthetic Wire (example.org)</title>
<item><title>Rwanda agrees to take third-country deportees, officials say</title>
<link>https://example.org/wire/rwanda-third-country</link><pubDate>Tue, 04 Mar 2025 10:00:00 GMT</pubDate>
<description>Synthetic summary: &lt;b&gt;officials&lt;/b&gt; in Kigali confirmed the deal.</description></item>
<item><title>Synthetic weather report for Country 17</title><link>https://example.org/wire/weather</link></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Synthetic Daily (example.org)</title><id>urn:example:daily</id><updated>2025-03-04T12:00:00Z</updated>
<entry><title>Rwanda agrees to take third country deportees, officials say.</title>
<link href="https://example.org/daily/2025/03/04/rwanda-deal?utm_source=feed"/><id>urn:example:daily:1</id>
<updated>2025-03-04T11:00:00Z</updated><summary>Synthetic copy of the same story.</summary></entry>
</feed>"""


def conditional(body: str, etag: str, content_type: str):
    """A feed route that answers 304 to a request carrying its ETag."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == etag:
            answer(304, (("ETag", etag),))(handler)
        else:
            answer(200, (("Content-Type", content_type), ("ETag", etag)), body.encode())(handler)

    return route


@pytest.fixture
def feeds(settings, db):
    routes = {
        "/wire.rss": conditional(RSS, '"wire-1"', "application/rss+xml"),
        "/daily.atom": conditional(ATOM, '"daily-1"', "application/atom+xml"),
        "/broken": answer(500),
    }
    with serve(routes) as local:
        settings.FETCH_PRIVATE_ALLOWLIST = [local.endpoint]
        services.add_feed(url=local.url("/wire.rss"), publisher="Synthetic Wire")
        services.add_feed(url=local.url("/daily.atom"), publisher="Synthetic Daily")
        for phrase in ("third country", "deportees", "acuerdo de tercer país seguro"):
            services.add_keyword(phrase=phrase)
        yield local


def test_one_poll_makes_one_lead_and_the_second_is_answered_304(feeds):
    now = timezone.now()
    first = leads.poll_feeds(now=now)
    assert first == {"polled": 2, "not_modified": 0, "failed": 0, "leads": 1}
    lead = Lead.objects.get()
    assert lead.url == "https://example.org/wire/rwanda-third-country"
    assert lead.also_in == ["https://example.org/daily/2025/03/04/rwanda-deal?utm_source=feed"]
    assert [c.iso2 for c in lead.countries.all()] == ["RW"]
    assert "third country" in lead.matched and "rwanda" in lead.matched
    assert lead.summary == "Synthetic summary: officials in Kigali confirmed the deal."

    later = now + dt.timedelta(hours=2)  # every feed is due again
    second = leads.poll_feeds(now=later)
    assert second == {"polled": 2, "not_modified": 2, "failed": 0, "leads": 0}
    assert Lead.objects.count() == 1
    conditional_gets = [seen.headers.get("If-None-Match") for seen in feeds.requests[2:]]
    assert sorted(conditional_gets) == ['"daily-1"', '"wire-1"']


def test_a_failing_feed_backs_off_and_the_others_are_polled(feeds, settings):
    broken = services.add_feed(url=feeds.url("/broken"), publisher="Synthetic Broken")
    now = timezone.now()
    leads.poll_feeds(now=now)
    broken.refresh_from_db()
    assert broken.failures == 1 and broken.last_error == "HTTP 500"
    assert broken.next_poll_at == now + dt.timedelta(minutes=2 * settings.FEED_POLL_MINUTES)
    # Not due yet at the normal interval: only the two healthy feeds are polled.
    again = leads.poll_feeds(now=now + dt.timedelta(minutes=settings.FEED_POLL_MINUTES))
    assert again["polled"] == 2
    leads.poll_feeds(now=now + dt.timedelta(days=2))
    broken.refresh_from_db()
    assert broken.failures == 2
    assert leads.backoff(30) == dt.timedelta(hours=settings.FEED_BACKOFF_MAX_HOURS)


def test_matching_is_whole_words_in_any_case_and_accents(db):
    found = leads.match("Firman un ACUERDO de tercer pais seguro con Guatemala", ["acuerdo de tercer país seguro"])
    assert found is not None and found.countries == ["GT"]
    assert leads.match("thirdcountry deportees", ["third country"]) is None


def test_highlighting_escapes_first_then_marks():
    marked = leads.highlight('<script>alert(1)</script> Third-country deal & "Rwanda"', ["third country", "rwanda"])
    assert str(marked) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Third-country</mark> deal &amp; &quot;<mark>Rwanda</mark>&quot;"
    )


def test_the_inbox_lists_leads_and_one_click_prefills_the_forms(feeds, editor_client, editor):
    leads.poll_feeds(now=timezone.now())
    lead = Lead.objects.get()
    page = editor_client.get("/editor/leads/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    html = page.content.decode()
    assert "<mark>Rwanda</mark> agrees to take <mark>third-country</mark> <mark>deportees</mark>" in html
    assert "Already logged as a source" not in html

    form = editor_client.get(f"/editor/statement/?lead={lead.pk}").content.decode()
    assert 'value="https://example.org/wire/rwanda-third-country"' in form
    assert 'value="Synthetic Wire"' in form and 'value="2025-03-04"' in form
    assert '<option value="RW" selected>' in form
    change = editor_client.get(f"/editor/status-change/?lead={lead.pk}").content.decode()
    assert '<option value="RW" selected>' in change

    services.get_or_create_source(url=lead.url, publisher="Synthetic Wire", user=editor, reason="synthetic test")
    assert "Already logged as a source" in editor_client.get("/editor/leads/").content.decode()


def test_dismiss_and_snooze_keep_the_queue_short(feeds, editor_client):
    leads.poll_feeds(now=timezone.now())
    lead = Lead.objects.get()
    assert editor_client.post(f"/editor/leads/{lead.pk}/snooze/").status_code == 302
    lead.refresh_from_db()
    assert lead.state == "snoozed" and lead.snoozed_until > timezone.now() + dt.timedelta(days=6)
    assert f"lead-{lead.pk}" not in editor_client.get("/editor/leads/").content.decode()
    editor_client.post(f"/editor/leads/{lead.pk}/dismiss/")
    lead.refresh_from_db()
    assert lead.state == "dismissed"


def test_editors_watch_feeds_and_keywords_with_errors_named(editor_client):
    bad = editor_client.post("/editor/watch/feed/", {"url": "ftp://example.org/feed", "publisher": "Synthetic"})
    assert bad.status_code == 400 and Feed.objects.count() == 0
    assert 'id="error-url"' in bad.content.decode()
    ok = editor_client.post("/editor/watch/feed/", {"url": "https://example.org/feed", "publisher": "Synthetic"})
    assert ok.status_code == 302 and Feed.objects.get().publisher == "Synthetic"
    editor_client.post("/editor/watch/keyword/", {"phrase": "Third  Country"})
    editor_client.post("/editor/watch/keyword/", {"phrase": "third country"})
    from agreements.models import KeywordRule

    assert list(KeywordRule.objects.values_list("phrase", flat=True)) == ["Third Country"]


def test_the_beat_schedule_polls_the_feeds(settings):
    from agreements import tasks

    assert settings.CELERY_BEAT_SCHEDULE["poll-feeds"]["task"] == "agreements.tasks.poll_feeds"
    assert tasks.poll_feeds.name == "agreements.tasks.poll_feeds"


def test_a_json_feed_is_read_too(settings, db):
    body = (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "Synthetic JSON (example.org)", "items": ['
        '{"id": "1", "url": "https://example.org/json/eswatini", "title": "Eswatini receives deportees (synthetic)",'
        ' "date_published": "2025-07-16T08:00:00Z"}]}'
    )
    with serve({"/feed.json": answer(200, (("Content-Type", "application/feed+json"),), body.encode())}) as local:
        settings.FETCH_PRIVATE_ALLOWLIST = [local.endpoint]
        services.add_feed(url=local.url("/feed.json"), publisher="Synthetic JSON")
        services.add_keyword(phrase="deportees")
        assert leads.poll_feeds()["leads"] == 1
    lead = Lead.objects.get()
    assert [c.iso2 for c in lead.countries.all()] == ["SZ"]
    assert lead.published_at == dt.datetime(2025, 7, 16, 8, tzinfo=dt.UTC)


def test_a_page_that_is_not_a_feed_is_a_failure_named(settings, db):
    with serve({"/page": answer(200, (("Content-Type", "text/html"),), b"<html><p>not a feed</p></html>")}) as local:
        settings.FETCH_PRIVATE_ALLOWLIST = [local.endpoint]
        feed = services.add_feed(url=local.url("/page"), publisher="Synthetic")
        assert leads.poll_feeds()["failed"] == 1
    feed.refresh_from_db()
    assert feed.last_error == "not an RSS, Atom or JSON feed" and feed.failures == 1


def test_the_inbox_costs_the_same_queries_for_few_or_many_leads(editor_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    feed = services.add_feed(url="https://example.org/synthetic.rss", publisher="Synthetic")

    def add(n: int) -> None:
        for i in range(n):
            title = f"Synthetic story {Lead.objects.count() + 1} about deportees to Country {i}"
            services.add_lead(
                url=f"https://example.org/story/{Lead.objects.count() + 1}",
                title=title,
                title_key=leads.text_key(title),
                summary="",
                published_at=None,
                feed=feed,
                words=["deportees", "rwanda"],
                countries=[],
                now=timezone.now(),
            )

    counts = []
    for n in (2, 20):
        add(n)
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get("/editor/leads/").status_code == 200
        counts.append(len(queries))
    print(f"\nqueries for the leads inbox with 2 and 22 leads: {counts}")
    assert counts[0] == counts[1]
