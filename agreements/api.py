"""The read API under /api/v1/ (Django REST framework). Writes, where offered, are for editors only."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions as drf_exceptions
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from . import services
from .dates import format_partial_date, humanize_partial_date
from .filters import ArrangementFilter, CountryCodeField
from .models import Arrangement, Country, Statement, StatusChange

DEFAULT_SENDING_STATE = "US"
NO_REPORTS = "No reports"
MAP_CACHE_SECONDS = 300  # bounds how long a deadline passing unnoticed can go unseen; writes invalidate at once
PANEL_STATEMENTS = 5


class ArrangementSerializer(serializers.ModelSerializer):
    sending_state = serializers.CharField(source="sending_state_id", help_text="ISO alpha-2.")
    receiving_country = serializers.CharField(source="receiving_country_id", help_text="ISO alpha-2.")
    receiving_country_name = serializers.CharField(source="receiving_country.name")
    status = serializers.ChoiceField(source="at_status", choices=Arrangement.Status.choices)
    status_label = serializers.SerializerMethodField()
    status_since = serializers.SerializerMethodField(help_text="At its precision: 2025, 2025-05 or 2025-05-05.")
    stale = serializers.BooleanField(source="at_stale")
    disputed = serializers.BooleanField(source="at_disputed")
    people_transferred = serializers.IntegerField(source="at_people", allow_null=True)
    sources_count = serializers.IntegerField(
        source="at_sources_count", help_text="Independent publishers backing the status."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Arrangement
        fields = [
            "id",
            "sending_state",
            "receiving_country",
            "receiving_country_name",
            "status",
            "status_label",
            "status_since",
            "stale",
            "disputed",
            "people_transferred",
            "sources_count",
            "url",
        ]

    def get_status_label(self, obj: Arrangement) -> str:
        return str(Arrangement.Status(obj.at_status).label)  # type: ignore[attr-defined]

    @extend_schema_field(str)
    def get_status_since(self, obj: Arrangement) -> str:
        return format_partial_date(obj.at_status_date, obj.at_status_precision)  # type: ignore[attr-defined]

    @extend_schema_field(serializers.URLField())
    def get_url(self, obj: Arrangement) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class ArrangementList(generics.ListAPIView):
    """Arrangements with their status now or, with `as_of`, at the end of a past day."""

    serializer_class = ArrangementSerializer
    filterset_class = ArrangementFilter

    def get_queryset(self) -> Any:
        return Arrangement.objects.select_related("receiving_country").order_by(
            "sending_state_id", "receiving_country_id"
        )


# ---------------------------------------------------------------------------------------------------------------
# The map: every country's state for one sending state, cached per data version, with an ETag.


class MapQuery(forms.Form):
    sending_state = CountryCodeField(required=False)
    as_of = forms.DateField(required=False, input_formats=["%Y-%m-%d"])


class MapEntrySerializer(serializers.Serializer):
    """One country on the map (documentation of the map payload; the payload itself is built in one pass)."""

    iso2 = serializers.CharField()
    iso3 = serializers.CharField()
    iso_numeric = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    status = serializers.ChoiceField(choices=Arrangement.Status.choices, allow_null=True)
    status_label = serializers.CharField()
    status_since = serializers.CharField(allow_null=True)
    stale = serializers.BooleanField()
    disputed = serializers.BooleanField()
    people_transferred = serializers.IntegerField(allow_null=True)
    sources_count = serializers.IntegerField()


class MapSerializer(serializers.Serializer):
    sending_state = serializers.CharField()
    as_of = serializers.DateField(allow_null=True)
    count = serializers.IntegerField()
    colours = serializers.DictField(child=serializers.CharField(), help_text="Fill colour per status.")
    no_reports_colour = serializers.CharField()
    results = MapEntrySerializer(many=True)


def _query(request: Any) -> tuple[str, dt.date | None]:
    form = MapQuery(request.GET)
    if not form.is_valid():
        raise drf_exceptions.ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
    return form.cleaned_data["sending_state"] or DEFAULT_SENDING_STATE, form.cleaned_data["as_of"]


def cached_json(request: Any, key: str, build: Callable[[], Any]) -> HttpResponse:
    """A JSON response cached per data version, with an ETag; If-None-Match → 304 without touching the database."""
    version = services.data_version()
    full_key = f"json:{version}:{key}"
    hit = None
    if version:
        try:
            hit = cache.get(full_key)
        except Exception:  # the cache is down: serve from the database
            hit = None
    if hit is None:
        body = json.dumps(build(), separators=(",", ":"), cls=DjangoJSONEncoder).encode()
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        hit = (etag, body)
        if version:
            with contextlib.suppress(Exception):
                cache.set(full_key, hit, MAP_CACHE_SECONDS)
    etag, body = hit
    response: HttpResponse
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache"
    return response


def map_payload(sending_state: str, as_of: dt.date | None) -> dict[str, Any]:
    """Every country with its state for one sending state: two queries."""
    states = {a.receiving_country_id: a for a in Arrangement.objects.for_sending_state(sending_state).at(as_of)}
    results = []
    for country in Country.objects.order_by("name"):
        a = states.get(country.pk)
        results.append(
            {
                "iso2": country.iso2,
                "iso3": country.iso3,
                "iso_numeric": country.iso_numeric,
                "name": country.name,
                "latitude": country.latitude,
                "longitude": country.longitude,
                "status": a.at_status if a else None,
                "status_label": Arrangement.Status(a.at_status).label if a else NO_REPORTS,
                "status_since": format_partial_date(a.at_status_date, a.at_status_precision) if a else None,
                "stale": bool(a and a.at_stale),
                "disputed": bool(a and a.at_disputed),
                "people_transferred": a.at_people if a else None,
                "sources_count": a.at_sources_count if a else 0,
            }
        )
    return {
        "sending_state": sending_state,
        "as_of": as_of,
        "count": len(results),
        "colours": {str(k): v for k, v in Arrangement.COLOURS.items()},
        "no_reports_colour": Arrangement.NO_REPORTS_COLOUR,
        "results": results,
    }


class MapView(APIView):
    """Every country (one entry each) with its status for one sending state, for drawing the map. ETag/304."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("sending_state", str, description="ISO alpha-2 or alpha-3; default US."),
            OpenApiParameter("as_of", dt.date, description="YYYY-MM-DD: the map as it stood at the end of that day."),
        ],
        responses=MapSerializer,
    )
    def get(self, request: Any) -> HttpResponse:
        sending, as_of = _query(request)
        return cached_json(request, f"map:{sending}:{as_of}", lambda: map_payload(sending, as_of))


def _source_json(source: Any) -> dict[str, Any]:
    return {
        "publisher": source.publisher,
        "title": source.title,
        "url": source.url,
        "archive_url": source.archive_url,
        "published": format_partial_date(source.published, source.published_precision) or None,
        "published_display": source.published_display,
        "dead": bool(source.last_http_status and source.last_http_status >= 400),
    }


def panel_payload(iso2: str, sending_state: str, as_of: dt.date | None) -> dict[str, Any]:
    """What the map's side panel shows for one country: a fixed number of queries."""
    country = get_object_or_404(Country, pk=iso2.upper())
    sending = Country.objects.get(pk=sending_state)
    arrangement = (
        Arrangement.objects.for_sending_state(sending_state).for_receiving_country(country.pk).at(as_of).first()
    )
    payload: dict[str, Any] = {
        "country": {"iso2": country.iso2, "name": country.name, "url": country.get_absolute_url()},
        "sending_state": {"iso2": sending.iso2, "name": sending.name},
        "as_of": as_of,
        "arrangement": None,
        "statements": [],
        "sources": [],
    }
    if arrangement is None:
        return payload
    a = arrangement
    payload["arrangement"] = {
        "status": a.at_status,
        "status_label": Arrangement.Status(a.at_status).label,
        "status_since": format_partial_date(a.at_status_date, a.at_status_precision),
        "status_since_display": humanize_partial_date(a.at_status_date, a.at_status_precision),
        "summary": a.summary,
        "people_transferred": a.at_people,
        "stale": a.at_stale,
        "last_confirmed": a.last_confirmed_at.date() if a.last_confirmed_at and as_of is None else None,
        "last_confirmed_display": (
            humanize_partial_date(a.last_confirmed_at.date(), "day") if a.last_confirmed_at and as_of is None else ""
        ),
        "disputed": a.at_disputed,
        "sources_count": a.at_sources_count,
    }
    statements = Statement.objects.filter(arrangements=a).with_related().latest_first()
    changes = StatusChange.objects.filter(arrangement=a).prefetch_related("sources").latest_first()
    if as_of is not None:
        statements, changes = statements.filter(date__lte=as_of), changes.filter(date__lte=as_of)
    statements_list = list(statements[:PANEL_STATEMENTS])
    payload["statements"] = [
        {
            "date": s.date_iso,
            "date_display": s.date_display,
            "actor": s.actor.name,
            "actor_role": s.actor.role,
            "actor_url": s.actor.get_absolute_url(),
            "stance": s.stance,
            "stance_label": s.get_stance_display(),
            "quote": s.quote,
            "paraphrase": s.paraphrase,
            "sources": [_source_json(src) for src in s.sources.all()],
        }
        for s in statements_list
    ]
    seen: dict[int, Any] = {}
    for record in [*list(changes), *statements_list]:
        for source in record.sources.all():
            seen.setdefault(source.pk, source)
    ordered = sorted(seen.values(), key=lambda s: (s.published or dt.date.min, s.pk), reverse=True)
    payload["sources"] = [_source_json(s) for s in ordered]
    return payload


class MapPanelView(APIView):
    """The side panel of the map for one receiving country: status, latest statements and the sources."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("sending_state", str, description="ISO alpha-2 or alpha-3; default US."),
            OpenApiParameter("as_of", dt.date, description="YYYY-MM-DD."),
        ],
        responses={200: dict},
    )
    def get(self, request: Any, iso2: str) -> HttpResponse:
        sending, as_of = _query(request)
        return cached_json(
            request, f"panel:{iso2.upper()}:{sending}:{as_of}", lambda: panel_payload(iso2, sending, as_of)
        )
