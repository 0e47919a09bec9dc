"""Embeds for other sites' pages: the map, and one country's status and timeline, without the site's navigation.

These are the only routes any site may frame (`frame_ancestors`: CSP `frame-ancestors *` and no X-Frame-Options;
every other page keeps `'none'` and DENY). They set no cookie and run no script of ours; each carries a visible
"Source: Third-Country Tracker, as of <date>" line linking back to the full page, in a new tab (the full page
refuses to be framed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from csp.decorators import csp_replace
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.clickjacking import xframe_options_exempt

from ..charts import mapsvg
from ..dates import Precision, humanize_partial_date
from ..figures import country_timelines
from ..mapstate import BadQuery, map_state, map_states, picture_countries, sending_heading
from ..models import Arrangement, Country
from .pictures import map_page_url


def frame_ancestors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let any site frame this view (outermost, so that a response from the cache or a 304 gets it too)."""
    return xframe_options_exempt(csp_replace({"frame-ancestors": ["*"]})(view))


def embed_map(request: HttpRequest) -> HttpResponse:
    """GET /embed/map/?sending_state=…&as_of=… — the map as a picture, its countries with reports, the source line."""
    try:
        state = map_state(request.GET)
    except BadQuery as exc:
        return JsonResponse(exc.errors, status=400)
    rows = map_states(state)
    heading = sending_heading(state, rows)
    full = map_page_url(request, state)
    picture = mapsvg.world_map(picture_countries(rows), heading=heading, as_of=state.day, url=full)
    reported = sorted(((c, a) for c, a in rows if a is not None), key=lambda row: row[0].name)
    counts = Counter(a.at_status for _, a in reported)
    return render(
        request,
        "agreements/embed/map.html",
        {
            "heading": heading,
            "day": state.day,
            "full_url": full,
            # Our own serialiser's output: every text and attribute in it is escaped (charts.svg).
            "picture": mark_safe(picture),  # noqa: S308
            "reported": reported,
            # The picture's legend as text too, for narrow frames where the picture's own is too small to read.
            "legend": [(value, label, counts.get(value, 0)) for value, label in Arrangement.Status.choices],
        },
    )


def embed_country(request: HttpRequest, iso2: str) -> HttpResponse:
    """GET /embed/countries/<iso2>/ — one country's status (each sending state's arrangement) and timeline."""
    country = get_object_or_404(Country, pk=iso2.upper())
    arrangements = list(
        Arrangement.objects.touching(country).current().with_related().order_by("sending_state__name", "pk")
    )
    receiving_ids = {a.pk for a in arrangements if a.receiving_country_id == country.pk}
    today = timezone.localdate()
    return render(
        request,
        "agreements/embed/country.html",
        {
            "country": country,
            "receiving": [a for a in arrangements if a.pk in receiving_ids],
            "sending": [a for a in arrangements if a.pk not in receiving_ids],
            "timelines": country_timelines(country, [a.pk for a in arrangements]),
            "day": today,
            "day_display": humanize_partial_date(today, Precision.DAY),
            "full_url": request.build_absolute_uri(country.get_absolute_url()),
        },
    )
