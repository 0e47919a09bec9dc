"""Pictures for print, slides and posts: the map as SVG and PNG, and each country's status card (the share image).

Rendered on the server from the committed boundaries (`agreements.charts`), rasterised by resvg (`charts.raster`),
never by a browser. urls.py serves them through the response cache, so a PNG is rendered once per data version.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from ..charts import card, mapsvg, raster
from ..dates import humanize_partial_date
from ..forms import PictureSize
from ..mapstate import BadQuery, MapState, map_state, map_states, picture_countries, sending_heading
from ..models import Arrangement, Country


def map_page_url(request: HttpRequest, state: MapState) -> str:
    """The full map's absolute URL for this state, pinned to its day (what a picture or an embed links back to)."""
    return request.build_absolute_uri(f"{reverse('agreements:home')}?{state.query(pin=True)}")


def map_picture(request: HttpRequest, state: MapState, width: int = mapsvg.WIDTH) -> str:
    """The map of `state` as SVG, with its legend, as-of date and credit line (two queries)."""
    rows = map_states(state)
    return mapsvg.world_map(
        picture_countries(rows),
        heading=sending_heading(state, rows),
        as_of=state.day,
        url=map_page_url(request, state),
        width=width,
    )


def _picture_request(request: HttpRequest) -> tuple[MapState, int]:
    size = PictureSize(request.GET)
    if not size.is_valid():
        raise BadQuery(size.errors.get_json_data())
    return map_state(request.GET), size.cleaned_data["width"] or mapsvg.WIDTH


def _file(content: str | bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _name(state: MapState, extension: str) -> str:
    return f"third-country-map-{state.sending_state}-{state.day.isoformat()}.{extension}"


def map_svg(request: HttpRequest) -> HttpResponse:
    """GET /map.svg?sending_state=…&as_of=…[&width=…] — the map as a standalone SVG file."""
    try:
        state, width = _picture_request(request)
    except BadQuery as exc:
        return JsonResponse(exc.errors, status=400)
    return _file(map_picture(request, state, width), "image/svg+xml; charset=utf-8", _name(state, "svg"))


def map_png(request: HttpRequest) -> HttpResponse:
    """GET /map.png?sending_state=…&as_of=…[&width=…] — the map as a PNG (1200 px wide unless `width` says)."""
    try:
        state, width = _picture_request(request)
    except BadQuery as exc:
        return JsonResponse(exc.errors, status=400)
    png = raster.svg_to_png(map_picture(request, state, width), width)
    return _file(png, "image/png", _name(state, "png"))


def _since(a: Arrangement) -> str:
    return humanize_partial_date(a.at_status_date, a.at_status_precision)  # type: ignore[attr-defined]


def _detail(a: Any) -> str:
    """What backs an arrangement's status, in a few words, as the country page says it."""
    parts = [f"{a.at_people} people transferred"] if a.at_people is not None else []
    parts.append(f"{a.at_sources_count} independent source{'s' if a.at_sources_count != 1 else ''}")
    parts += [note for note, on in (("disputed", a.at_disputed), ("not verified recently", a.at_stale)) if on]
    return " · ".join(parts)


def country_card(request: HttpRequest, iso2: str) -> HttpResponse:
    """GET /countries/<iso2>/card.png — the country page's share image: its status(es) today, 1200x630."""
    country = get_object_or_404(Country, pk=iso2.upper())
    arrangements = list(
        Arrangement.objects.touching(country).current().with_related().order_by("sending_state__name", "pk")
    )
    receiving = [
        card.CardLine(a.sending_state.name, a.at_status, _since(a), _detail(a))  # type: ignore[attr-defined]
        for a in arrangements
        if a.receiving_country_id == country.pk
    ]
    sending = [
        card.CardLine(a.receiving_country.name, a.at_status)  # type: ignore[attr-defined]
        for a in arrangements
        if a.sending_state_id == country.pk
    ]
    svg = card.status_card(
        country.name,
        receiving=receiving,
        sending=sending,
        as_of=timezone.localdate(),
        url=request.build_absolute_uri(country.get_absolute_url()),
    )
    png = raster.svg_to_png(svg, card.WIDTH)
    return _file(png, "image/png", f"third-country-tracker-{country.iso2}-{timezone.localdate().isoformat()}.png")
