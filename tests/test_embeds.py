"""Embeds: only /embed/… may be framed (CSP frame-ancestors and X-Frame-Options on every route), no cookies, no
script in the country card, and a visible source line linking back to the full page."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

EMBEDS = ["/embed/map/?sending_state=US", "/embed/map/?sending_state=US&as_of=2025-02-15", "/embed/countries/AO/"]
FULL = [
    "/",
    "/countries/",
    "/countries/AO/",
    "/countries/AO/panel/",
    "/actors/marco-rubio/",
    "/arrangements/",
    "/changes/",
    "/changes/compare/?from=2025-02-15&to=2025-05-31",
    "/changes/compare/export.csv?from=2025-02-15&to=2025-05-31",
    "/map.svg",
    "/map.png",
    "/countries/AO/card.png",
    "/api/v1/map/",
    "/accounts/login/",
]


def frame_ancestors(response) -> str:
    match = re.search(r"frame-ancestors ([^;]+)", response["Content-Security-Policy"])
    assert match, response["Content-Security-Policy"]
    return match.group(1).strip()


@pytest.mark.parametrize("url", EMBEDS)
def test_embeds_may_be_framed_by_any_site_and_set_no_cookie(client, seed, url):
    for attempt in ("rendered", "from the cache"):
        response = client.get(url)
        assert response.status_code == 200, attempt
        assert frame_ancestors(response) == "*", attempt
        assert "X-Frame-Options" not in response, attempt
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert not response.cookies, attempt
    etag = response["ETag"]
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and frame_ancestors(not_modified) == "*"


@pytest.mark.parametrize("url", FULL)
def test_every_other_route_refuses_to_be_framed(client, seed, url):
    for _ in range(2):  # rendered, then from the cache
        response = client.get(url)
        assert response.status_code == 200
        assert frame_ancestors(response) == "'none'"
        assert response["X-Frame-Options"] == "DENY"


def test_map_embed_has_the_picture_the_source_line_and_no_site_navigation(client, seed):
    page = client.get("/embed/map/?sending_state=US&as_of=2025-02-15").content.decode()
    assert 'class="site-header"' not in page and "<nav" not in page and "<script" not in page
    assert 'data-iso2="SV"' in page and "<title>El Salvador: Agreement reached" in page
    source = re.search(r'<p class="embed-source"><a href="([^"]+)" target="_blank" rel="noopener">([^<]+)</a>', page)
    assert source, "no source line"
    assert source.group(1) == "http://testserver/?sending_state=US&amp;as_of=2025-02-15"
    assert source.group(2) == "Source: Third-Country Tracker, as of 15 February 2025"
    reports = page[page.index("Countries with reports") :]
    assert "Costa Rica" not in reports and "El Salvador" in reports  # Costa Rica had no report by then


def test_country_embed_shows_status_and_timeline_without_any_script(client, seed):
    page = client.get("/embed/countries/sv/").content.decode()
    assert "<script" not in page and 'class="site-header"' not in page
    assert "United States → El Salvador" in page and "Transfers under way" in page and "238 people transferred" in page
    assert "<h2>Status over time</h2>" in page
    assert "<caption>The sending states&#x27; arrangements with El Salvador</caption>" in page
    assert "<title>United States: Agreement reached, 2025-02-03 to 2025-03-16</title>" in page
    assert (
        '<a href="http://testserver/countries/SV/" target="_blank" rel="noopener">Source: Third-Country Tracker, as of'
        in page
    )
    us = client.get("/embed/countries/US/").content.decode()
    assert "<caption>United States</caption>" in us and "United States → Angola" in us
    assert client.get("/embed/countries/ZZ/").status_code == 404


def test_map_embed_refuses_bad_parameters_naming_the_field(client, db):
    response = client.get("/embed/map/?as_of=2025-13-01")
    assert response.status_code == 400 and "as_of" in response.json()


def test_every_full_page_offers_the_embed_snippet(client, seed):
    home = client.get("/?sending_state=US&as_of=2025-03-01").content.decode()
    snippet = re.search(r'<pre id="embed-snippet">([^<]+)</pre>', home).group(1)
    assert snippet.startswith(
        "&lt;iframe src=&quot;http://testserver/embed/map/?sending_state=US&amp;amp;as_of=2025-03-01"
    )
    assert "width=&quot;100%&quot;" in snippet and "aspect-ratio" in snippet and "loading=&quot;lazy&quot;" in snippet
    country = client.get("/countries/AO/").content.decode()
    assert "&lt;iframe src=&quot;http://testserver/embed/countries/AO/&quot;" in country
    actor = client.get("/actors/marco-rubio/").content.decode()
    assert "&lt;iframe src=&quot;http://testserver/embed/map/&quot;" in actor  # other pages offer the map
    for page in (home, country, actor):
        assert '<details class="embed-box">' in page and 'data-copy="embed-snippet"' in page
