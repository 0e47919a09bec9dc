"""The map's side panel: a server-rendered fragment whose evidence block is the country page's own."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _evidence(html: str, arrangement_id: int) -> str:
    match = re.search(rf'<article class="arrangement" id="arrangement-{arrangement_id}">.*?</article>', html, re.S)
    assert match, f"no evidence block for arrangement {arrangement_id}"
    return match.group(0)


def test_the_panel_shows_status_statements_and_sources(client, seed):
    panel = client.get("/countries/AO/panel/").content.decode()
    assert '<strong class="status">Denied</strong> since <time datetime="2025-05-05">5 May 2025</time>' in panel
    assert "Angola is not accepting deported individuals of other nationalities" in panel
    assert 'href="https://allafrica.com/stories/202505200516.html"' in panel
    assert 'href="/countries/AO/"' in panel and 'id="panel-title"' in panel


def test_the_panel_evidence_block_is_the_country_page_block(client, seed):
    from agreements.models import Arrangement

    angola = Arrangement.objects.get(sending_state="US", receiving_country="AO")
    panel = client.get("/countries/AO/panel/?sending_state=US").content.decode()
    page = client.get("/countries/AO/").content.decode()
    assert _evidence(panel, angola.pk) == _evidence(page, angola.pk)
    assert "Sources for this status" in _evidence(page, angola.pk)


def test_the_panel_as_of_a_date_and_without_reports(client, seed):
    costa_rica = client.get("/countries/CR/panel/?as_of=2025-02-15").content.decode()
    assert "No reports" in costa_rica and "Nothing on record of United States approaching Costa Rica" in costa_rica
    salvador = client.get("/countries/SV/panel/?as_of=2025-02-15").content.decode()
    assert '<strong class="status">Agreement reached</strong>' in salvador
    assert '<dt>People transferred</dt><dd class="people">not known</dd>' in salvador
    assert client.get("/countries/ZZ/panel/").status_code == 404


def test_the_home_page_renders_the_selected_country_panel_without_javascript(client, seed):
    page = client.get("/?country=AO").content.decode()
    assert 'class="panel is-open"' in page and "Angola is not accepting deported individuals" in page


def test_the_map_side_fragment_is_served_to_htmx(client, seed):
    fragment = client.get("/?as_of=2025-02-15", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="map-side")
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="map-side"') and "<html" not in html
    assert "Countries with reports as of 15 February 2025" in html and "Costa Rica" not in html
