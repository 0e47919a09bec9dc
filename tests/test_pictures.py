"""/map.svg, /map.png and the country status card on the demo data: colours where the countries are, one shape per
country with its status, bad sizes refused, and rendered once per data version (served from the cache until a
write)."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from agreements.caching import clear_local
from agreements.charts import card, mapsvg
from agreements.models import Arrangement, Country

from .factories import change

pytestmark = pytest.mark.django_db
NS = "{http://www.w3.org/2000/svg}"
S = Arrangement.Status


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[k : k + 2], 16) for k in (1, 3, 5))  # type: ignore[return-value]


def image(response) -> Image.Image:
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(response.content)).convert("RGB")


def colour_at(picture: Image.Image, iso2: str) -> tuple[int, int, int]:
    country = Country.objects.get(pk=iso2)
    return picture.getpixel(mapsvg.pixel(country.latitude, country.longitude, picture.width))


def test_map_png_shows_angola_denied_and_el_salvador_with_transfers(client, seed):
    picture = image(client.get("/map.png?sending_state=US"))
    assert picture.width >= 1200 and picture.size == (1200, 630)
    assert colour_at(picture, "AO") == rgb(Arrangement.COLOURS[S.DENIED])
    assert colour_at(picture, "SV") == rgb(Arrangement.COLOURS[S.IMPLEMENTED])
    assert colour_at(picture, "BR") == rgb(Arrangement.NO_REPORTS_COLOUR)


def test_map_png_follows_as_of_and_width(client, seed):
    picture = image(client.get("/map.png?sending_state=USA&as_of=2025-02-15&width=2400"))
    assert picture.size == (2400, 1260)
    assert colour_at(picture, "SV") == rgb(Arrangement.COLOURS[S.AGREED])
    assert colour_at(picture, "CR") == rgb(Arrangement.NO_REPORTS_COLOUR)  # its first change came on 17 February


def test_map_svg_has_one_shape_per_country_with_its_status_in_a_title(client, seed):
    response = client.get("/map.svg?sending_state=US&as_of=2025-05-31")
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    svg = ET.fromstring(response.content)  # noqa: S314 (our own output)
    shapes = {el.get("data-iso2"): el for el in svg.iter() if el.get("data-iso2")}
    drawn = [el.get("data-iso2") for el in svg.iter() if el.get("data-iso2")]
    assert len(drawn) == len(shapes) == Country.objects.count() - 1  # all but Antarctica, outside the crop
    assert shapes["AO"][0].text == "Angola: Denied"
    assert shapes["SV"][0].text == "El Salvador: Transfers under way (not verified recently)"
    assert shapes["FR"][0].text == "France: No reports"
    texts = ["".join(el.itertext()) for el in svg.iter(f"{NS}text")]
    assert texts[0] == "United States · third-country deportation arrangements, as of 31 May 2025"
    assert "Transfers under way (3)" in texts and "Denied (1)" in texts  # the legend, with counts
    credit = next(t for t in texts if t.startswith("Source: Third-Country Tracker"))
    assert "http://testserver/?sending_state=US&as_of=2025-05-31" in credit


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("width=100", "width"),
        ("width=9000", "width"),
        ("as_of=soon", "as_of"),
        ("sending_state=Atlantis", "sending_state"),
    ],
)
def test_bad_picture_parameters_are_refused_naming_the_field(client, db, query, field):
    for path in ("/map.png", "/map.svg"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400 and field in response.json()


def test_the_png_is_served_from_the_cache_until_a_write(client, seed, django_capture_on_commit_callbacks):
    first = client.get("/map.png?sending_state=US")
    clear_local()  # not this process's copy: the shared cache (Redis when REDIS_URL is set)
    with CaptureQueriesContext(connection) as ctx:
        second = client.get("/map.png?sending_state=US")
    assert len(ctx.captured_queries) == 0  # rendering needs the database: this came from the cache
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert client.get("/map.png?sending_state=US", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        change("SV", S.SUSPENDED, dt.date(2025, 6, 1))
    third = client.get("/map.png?sending_state=US", HTTP_IF_NONE_MATCH=first["ETag"])
    assert third.status_code == 200 and third["ETag"] != first["ETag"]
    assert colour_at(image(third), "SV") == rgb(Arrangement.COLOURS[S.SUSPENDED])


def test_country_card_is_a_1200_by_630_png_in_the_status_colour(client, seed):
    picture = image(client.get("/countries/AO/card.png"))
    assert picture.size == (1200, 630)
    assert picture.getpixel((10, 300)) == rgb(Arrangement.COLOURS[S.DENIED])  # the band down the left edge
    us = image(client.get("/countries/us/card.png"))
    assert us.size == (1200, 630)
    assert client.get("/countries/ZZ/card.png").status_code == 404


def test_card_svg_names_each_arrangement_and_what_a_country_sends():
    lines = [card.CardLine("Country 1", S.DENIED, "5 May 2025"), card.CardLine("Country 2 <b>", S.AGREED)]
    sent = [card.CardLine("Country 3", S.REPORTED), card.CardLine("Country 4", S.REPORTED)]
    svg_text = card.status_card(
        "Country 17 & <script>", receiving=lines, sending=sent, as_of=dt.date(2025, 5, 31), url="https://example.org/"
    )
    assert "<script>" not in svg_text and "<b>" not in svg_text
    svg = ET.fromstring(svg_text)  # noqa: S314
    assert svg.get("width") == "1200" and svg.get("height") == "630"
    assert svg[0].text == "Country 17 & <script>: third-country deportation arrangements, as of 31 May 2025"
    assert "Country 1: Denied since 5 May 2025; Country 2 <b>: Agreement reached" in svg[1].text
    assert [g.get("data-status") for g in svg.iter(f"{NS}g") if g.get("class") == "arrangement"] == [
        S.DENIED,
        S.AGREED,
    ]
    texts = ["".join(el.itertext()) for el in svg.iter(f"{NS}text")]
    assert "As a sending state: arrangements with 2 receiving countries" in texts and "2 Reported contact" in texts
    with pytest.raises(ValueError, match=r"^lines\[0\]\.status:"):
        card.status_card(
            "X", receiving=[card.CardLine("Y", "approved")], as_of=dt.date(2025, 1, 1), url="https://e.org/"
        )
    with pytest.raises(ValueError, match=r"^url:"):
        card.status_card("X", receiving=[], as_of=dt.date(2025, 1, 1), url="javascript:alert(1)")


def test_every_sending_state_at_once_shows_each_country_at_its_most_advanced_status(client, seed):
    change("AO", S.IMPLEMENTED, dt.date(2025, 6, 1), sending="GB")  # synthetic: a second sender, further along
    svg = ET.fromstring(client.get("/map.svg?sending_state=all").content)  # noqa: S314
    shapes = {el.get("data-iso2"): el for el in svg.iter() if el.get("data-iso2")}
    assert shapes["AO"][0].text.startswith("Angola: Transfers under way")  # implemented ranks above denied
    assert shapes["SV"][0].text.startswith("El Salvador: Transfers under way")
    assert "".join(next(svg.iter(f"{NS}text")).itertext()).startswith("All sending states · ")
    us = ET.fromstring(client.get("/map.svg?sending_state=US").content)  # noqa: S314
    assert next(el for el in us.iter() if el.get("data-iso2") == "AO")[0].text.startswith("Angola: Denied")
    picture = image(client.get("/map.png?sending_state=all"))
    assert colour_at(picture, "AO") == rgb(Arrangement.COLOURS[S.IMPLEMENTED])
    embed = client.get("/embed/map/?sending_state=all").content.decode()
    assert "<title>Angola: Transfers under way" in embed and "All sending states" in embed
