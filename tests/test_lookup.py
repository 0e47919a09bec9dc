"""Paste a URL, get the source: local article pages (reached only through FETCH_PRIVATE_ALLOWLIST) read through the
safe fetcher, from the editor's look-up and from POST /api/v1/sources/lookup/."""

from __future__ import annotations

import json
import threading

import pytest

from agreements.models import Source

from .local_servers import answer, hang, serve

HTML = (("Content-Type", "text/html; charset=utf-8"),)
ARTICLE = b"""<!doctype html><html><head><title>Page title | Synthetic Daily</title>
<meta property="og:site_name" content="Synthetic Daily">
<meta property="og:title" content="Country 17 agrees to receive deportees (synthetic)">
<meta property="og:type" content="article">
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
 {"@type": "WebSite", "name": "ignored"},
 {"@type": "NewsArticle", "headline": "Country 17 agrees to receive deportees (synthetic)",
  "datePublished": "2025-03-04T10:00:00Z", "publisher": {"@type": "Organization", "name": "Synthetic Daily"},
  "sourceOrganization": {"@type": "Organization", "name": "Synthetic Wire"}}]}</script>
</head><body><article><p>Synthetic text.</p></article></body></html>"""
BARE = b"""<!doctype html><html><head><title>A bare synthetic page</title></head>
<body><p class="byline">By a correspondent, Reuters</p><time datetime="2024-12-01">1 Dec</time></body></html>"""


@pytest.fixture
def pages(settings):
    release = threading.Event()
    routes = {
        "/article": answer(200, HTML, ARTICLE),
        "/bare": answer(200, HTML, BARE),
        "/big": answer(200, HTML, b"<html>" + b"x" * 5000 + b"</html>"),
        "/slow": hang(release),
    }
    with serve(routes) as local:
        settings.FETCH_PRIVATE_ALLOWLIST = [local.endpoint]
        settings.LOOKUP_MAX_BYTES = 4000
        settings.LOOKUP_TIMEOUT = 1
        yield local
        release.set()


def _look_up(client, url):
    response = client.post("/editor/source-lookup/", {"url": url})
    return response.status_code, response.json()


def test_a_page_with_open_graph_and_json_ld_fills_every_field(editor_client, pages):
    status, info = _look_up(editor_client, pages.url("/article"))
    assert status == 200
    assert info["exists"] is False and info["error"] == ""
    assert info["publisher"] == "Synthetic Daily"
    assert info["title"] == "Country 17 agrees to receive deportees (synthetic)"
    assert info["published"] == "2025-03-04"
    assert info["kind"] == "news_report"
    assert info["origin"] == "Synthetic Wire"  # JSON-LD sourceOrganization: a syndicated copy names its original
    assert info["missing"] == []
    assert Source.objects.count() == 0  # a look-up writes nothing


def test_a_page_without_metadata_fills_what_it_can_and_says_what_it_could_not(editor_client, pages):
    status, info = _look_up(editor_client, pages.url("/bare"))
    assert status == 200
    assert info["title"] == "A bare synthetic page"  # <title>
    assert info["published"] == "2024-12-01"  # <time datetime>
    assert info["origin"] == "Reuters"  # the wire agency in the byline
    assert info["publisher"] == "" and info["kind"] == ""
    assert info["missing"] == ["publisher", "kind"]


def test_a_page_over_the_size_cap_or_the_deadline_is_refused_with_a_clear_message(editor_client, pages):
    _, big = _look_up(editor_client, pages.url("/big"))
    assert big["error"] == "The page is over the size cap (4,000 bytes): not read."
    assert big["title"] == "" and big["missing"] == ["publisher", "title", "published", "kind", "origin"]
    _, slow = _look_up(editor_client, pages.url("/slow"))
    assert slow["error"] == "The page could not be read: no answer (timeout)."


def test_private_addresses_are_refused_without_the_test_setting(editor_client, pages, settings):
    settings.FETCH_PRIVATE_ALLOWLIST = []
    _, info = _look_up(editor_client, pages.url("/article"))
    assert "is not a public address (loopback)" in info["error"]
    assert pages.paths() == []  # nothing reached the server


def test_a_url_on_record_answers_with_its_source_without_fetching(editor_client, pages, editor):
    from agreements import services

    url = pages.url("/article")
    services.get_or_create_source(url=url, publisher="Synthetic Record", user=editor, reason="synthetic test")
    _, info = _look_up(editor_client, url)
    assert info["exists"] is True and info["publisher"] == "Synthetic Record"
    assert pages.paths() == []


def test_the_api_looks_up_for_editors_only(editor_client, pages):
    from django.test import Client

    url = pages.url("/article")
    anonymous = Client().post("/api/v1/sources/lookup/", json.dumps({"url": url}), content_type="application/json")
    assert anonymous.status_code in (401, 403)
    assert pages.paths() == []
    response = editor_client.post("/api/v1/sources/lookup/", json.dumps({"url": url}), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["origin"] == "Synthetic Wire"
    bad = editor_client.post(
        "/api/v1/sources/lookup/", json.dumps({"url": "ftp://example.org/x"}), content_type="application/json"
    )
    assert bad.status_code == 400 and "url" in bad.json()["errors"]


def test_the_look_up_is_for_editors_and_never_cached(editor_client, pages):
    from django.test import Client

    anonymous = Client().post("/editor/source-lookup/", {"url": pages.url("/article")})
    assert anonymous.status_code == 302
    response = editor_client.post("/editor/source-lookup/", {"url": "javascript:alert(1)"})
    assert response.status_code == 400 and response.json()["valid"] is False
    assert "no-store" in response["Cache-Control"]
