"""Share cards and citations: Open Graph and Twitter tags on every page (absolute URLs, the page's own picture,
which answers with an image), and a citation in three styles with the permanent URL, data edition and date."""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import time_machine
from PIL import Image

from agreements.citations import citation, data_edition

from .factories import change

pytestmark = pytest.mark.django_db


class Head(HTMLParser):
    """The <meta> and <link rel=canonical> of a page, checked for duplicates."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.canonical: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "meta" and (values.get("property") or values.get("name")):
            key = values.get("property") or values.get("name")
            assert key not in self.meta, f"{key} twice"
            self.meta[key] = values.get("content") or ""
        if tag == "link" and values.get("rel") == "canonical":
            self.canonical.append(values["href"])


def head(client, url: str) -> Head:
    response = client.get(url)
    assert response.status_code == 200
    parser = Head()
    parser.feed(response.content.decode())
    return parser


MAP = "/map.png"
# (page, its share title, its share image): the map with the page's own state, a country's card, else the map.
PAGES = [
    ("/", "Map: United States", MAP + "?sending_state=US"),
    (
        "/?sending_state=US&as_of=2025-02-15",
        "Map: United States, as of 15 February 2025",
        MAP + "?sending_state=US&as_of=2025-02-15",
    ),
    ("/countries/AO/", "Angola", "/countries/AO/card.png"),
    ("/actors/marco-rubio/", "Marco Rubio", MAP),
    ("/statements/?stance=denies", "Statements", MAP),
    ("/changes/compare/?from=2025-02-15&to=2025-05-31", "What changed, 15 February 2025 to 31 May 2025", MAP),
    ("/data/", "Data releases", MAP),
]


@pytest.mark.parametrize(("url", "title", "image"), PAGES)
def test_share_tags_name_the_page_and_its_picture(client, seed, url, title, image):
    tags = head(client, url)
    meta = tags.meta
    assert tags.canonical == [f"http://testserver{url}"]
    assert meta["og:url"] == f"http://testserver{url}"
    assert meta["og:title"] == meta["twitter:title"] == title
    assert meta["og:type"] == "website" and meta["og:site_name"] == "Third-Country Tracker"
    assert (
        meta["description"] == meta["og:description"] == meta["twitter:description"] and len(meta["description"]) > 40
    )
    assert meta["og:image"] == meta["twitter:image"] == f"http://testserver{image}"
    assert (meta["og:image:width"], meta["og:image:height"], meta["og:image:type"]) == ("1200", "630", "image/png")
    assert meta["twitter:card"] == "summary_large_image" and meta["og:image:alt"]

    picture = client.get(image)  # the share image answers with an image
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(picture.content)).size == (1200, 630)


def test_country_description_states_each_status(client, seed):
    meta = head(client, "/countries/SV/").meta
    assert "United States: Transfers under way since 16 March 2025" in meta["og:description"]


def test_absolute_urls_follow_the_request_host_and_are_cached_per_host(client, seed, settings):
    settings.ALLOWED_HOSTS = ["tracker.example.org", "mirror.example.org", "testserver"]
    first = head(client, "/countries/AO/")
    other = Head()
    other.feed(client.get("/countries/AO/", HTTP_HOST="mirror.example.org").content.decode())
    assert first.meta["og:image"] == "http://testserver/countries/AO/card.png"
    assert other.meta["og:image"] == "http://mirror.example.org/countries/AO/card.png"
    assert urlsplit(other.canonical[0]).netloc == "mirror.example.org"


def _cite(page: str, what: str) -> str:
    match = re.search(rf'id="cite-{what}">([^<]*)<', page)
    assert match, what
    return match.group(1)


@time_machine.travel(dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC), tick=False)
def test_every_page_cites_itself_with_permalink_edition_and_access_date(client, seed):
    edition = data_edition()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", edition)
    for url, permalink in (
        ("/", "http://testserver/?sending_state=US&amp;as_of=2026-03-04"),  # the map pinned to the day it was read
        ("/countries/AO/", "http://testserver/countries/AO/"),
        ("/arrangements/?status=denied", "http://testserver/arrangements/?status=denied"),
    ):
        page = client.get(url).content.decode()
        apa, chicago, bibtex = _cite(page, "apa"), _cite(page, "chicago"), _cite(page, "bibtex")
        assert f"[Data set, edition {edition}]. Retrieved March 4, 2026, from {permalink}" in apa
        assert chicago.endswith(f"Data edition {edition}. Accessed March 4, 2026. {permalink}.")
        assert f"url = {{{permalink}}}" in bibtex and "urldate = {2026-03-04}" in bibtex
        assert f"version = {{{edition}}}" in bibtex
        assert page.count('data-copy="cite-') == 3
    assert "Third-Country Tracker. (n.d.). Angola [Data set" in client.get("/countries/AO/").content.decode()


def test_the_data_edition_moves_with_each_edit_and_only_then(client, seed, django_capture_on_commit_callbacks):
    before = data_edition()
    assert data_edition() == before
    with django_capture_on_commit_callbacks(execute=True):
        change("FR", "reported", dt.date(2025, 6, 1))
    after = data_edition()
    assert after > before  # ISO times of one length sort as text
    assert f"edition {after}" in client.get("/").content.decode()


def test_bibtex_escapes_a_hostile_title():
    cite = citation(
        title="Actor } @misc{evil, % 50% & $x$ \\end",
        url="https://example.org/a?b=1",
        accessed=dt.date(2025, 1, 2),
        edition="2025-01-01T00:00:00Z",
    )
    title_line = next(line for line in cite.bibtex.splitlines() if line.strip().startswith("title"))
    assert title_line == r"  title = {{Actor \} @misc\{evil, \% 50\% \& \$x\$ \textbackslash{}end}},"
    assert cite.bibtex.count("@misc{") == 1
    with pytest.raises(ValueError, match=r"^url:"):
        citation(title="x", url="javascript:alert(1)", accessed=dt.date(2025, 1, 2), edition="e")
