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
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions as drf_exceptions
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .dates import DateFormatError, format_partial_date, humanize_partial_date, parse_partial_date
from .filters import ArrangementFilter, CountryCodeField, CountryFilter
from .lists import ACTORS, SOURCES, STATEMENTS, STATUS_CHANGES
from .models import Actor, Arrangement, Country, Source, Statement, StatusChange

DEFAULT_SENDING_STATE = "US"
NO_REPORTS = "No reports"
MAP_CACHE_SECONDS = 300  # bounds how long a deadline passing unnoticed can go unseen; writes invalidate at once
PANEL_STATEMENTS = 5
LOCAL_ENTRIES = 256
_LOCAL: dict[str, tuple[str, tuple[str, bytes]]] = {}  # per process: key → (data version, (etag, body))


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
    local = _LOCAL.get(key)
    hit = local[1] if local is not None and local[0] == version else None
    if hit is None and version:
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
    if version:
        # This process keeps the latest body of each key too, with its data version: a hit then costs one small
        # cache read (the version), and memory is bounded by the number of keys, not of versions.
        if len(_LOCAL) >= LOCAL_ENTRIES and key not in _LOCAL:
            _LOCAL.clear()
        _LOCAL[key] = (version, hit)
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
        "dead": source.link_dead,
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
        operation_id="v1_map_panel_retrieve",
    )
    def get(self, request: Any, iso2: str) -> HttpResponse:
        sending, as_of = _query(request)
        return cached_json(
            request, f"panel:{iso2.upper()}:{sending}:{as_of}", lambda: panel_payload(iso2, sending, as_of)
        )


# ---------------------------------------------------------------------------------------------------------------
# The other lists: the same FilterSets and sorts as the research pages.


class SourceSerializer(serializers.ModelSerializer):
    published = serializers.SerializerMethodField(help_text="At its precision.")

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "publisher",
            "title",
            "published",
            "kind",
            "archive_url",
            "last_http_status",
            "last_checked_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_published(self, obj: Source) -> str | None:
        return format_partial_date(obj.published, obj.published_precision) or None


class ActorSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country_id", allow_null=True)
    statements_count = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Actor
        fields = ["id", "name", "slug", "role", "kind", "country", "statements_count", "url"]

    @extend_schema_field(serializers.URLField())
    def get_url(self, obj: Actor) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(obj.get_absolute_url()) if request else obj.get_absolute_url()


class ActorBriefSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country_id", allow_null=True)

    class Meta:
        model = Actor
        fields = ["name", "slug", "role", "kind", "country"]


class StatementSerializer(serializers.ModelSerializer):
    date = serializers.CharField(source="date_iso", help_text="At its precision.")
    actor = ActorBriefSerializer()
    sending_state = serializers.CharField(source="sending_state_id")
    receiving_countries = serializers.SerializerMethodField()
    sources = SourceSerializer(many=True)

    class Meta:
        model = Statement
        fields = [
            "id",
            "date",
            "actor",
            "stance",
            "sending_state",
            "receiving_countries",
            "quote",
            "paraphrase",
            "sources",
        ]

    def get_receiving_countries(self, obj: Statement) -> list[str]:
        return sorted(a.receiving_country_id for a in obj.arrangements.all())


class StatusChangeSerializer(serializers.ModelSerializer):
    date = serializers.CharField(source="date_iso", help_text="At its precision.")
    sending_state = serializers.CharField(source="arrangement.sending_state_id")
    receiving_country = serializers.CharField(source="arrangement.receiving_country_id")
    sources = SourceSerializer(many=True)

    class Meta:
        model = StatusChange
        fields = ["id", "date", "sending_state", "receiving_country", "status", "people", "note", "sources"]


class CountrySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Country
        fields = [
            "iso2",
            "iso3",
            "iso_numeric",
            "name",
            "iso_name",
            "region",
            "subregion",
            "latitude",
            "longitude",
            "url",
        ]

    @extend_schema_field(serializers.URLField())
    def get_url(self, obj: Country) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(obj.get_absolute_url()) if request else obj.get_absolute_url()


class SourceInput(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    published = serializers.CharField(required=False, allow_blank=True, default="", help_text="YYYY[-MM[-DD]]")
    kind = serializers.ChoiceField(choices=Source.Kind.choices, required=False, allow_blank=True, default="")


def _partial_date(value: str, field: str) -> tuple[dt.date | None, str]:
    if not value:
        return None, "day"
    try:
        return parse_partial_date(value)
    except DateFormatError as exc:
        raise drf_exceptions.ValidationError({field: [str(exc)]}) from None


def _source_from(data: dict[str, Any], user: Any, reason: str) -> Source:
    published, precision = _partial_date(data.get("published", ""), "source.published")
    return services.get_or_create_source(
        url=data["url"],
        publisher=data.get("publisher", ""),
        title=data.get("title", ""),
        published=published,
        published_precision=precision,
        kind=data.get("kind", ""),
        user=user,
        reason=reason,
    ).obj


def _as_drf(exc: ValidationError) -> drf_exceptions.ValidationError:
    return drf_exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class StatementInput(serializers.Serializer):
    """Log a statement (editors only), optionally with the status change it implies."""

    actor = serializers.CharField(max_length=200, help_text="Name; matched case-insensitively, else created.")
    actor_role = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    actor_kind = serializers.ChoiceField(choices=Actor.Kind.choices, required=False, allow_blank=True, default="")
    actor_country = serializers.CharField(required=False, allow_blank=True, default="")
    sending_state = serializers.CharField(default=DEFAULT_SENDING_STATE)
    receiving_countries = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    stance = serializers.ChoiceField(choices=Statement.Stance.choices)
    date = serializers.CharField(help_text="YYYY-MM-DD, YYYY-MM or YYYY.")
    quote = serializers.CharField(required=False, allow_blank=True, default="")
    paraphrase = serializers.CharField(required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=Arrangement.Status.choices, required=False, allow_blank=True, default="")
    source = SourceInput()  # type: ignore[assignment]
    reason = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class StatusChangeInput(serializers.Serializer):
    """Record a status change (editors only)."""

    sending_state = serializers.CharField(default=DEFAULT_SENDING_STATE)
    receiving_country = serializers.CharField()
    status = serializers.ChoiceField(choices=Arrangement.Status.choices)
    date = serializers.CharField(help_text="YYYY-MM-DD, YYYY-MM or YYYY.")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    people = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)
    source = SourceInput()  # type: ignore[assignment]
    reason = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class SpecList(generics.ListAPIView):
    """A list endpoint on a research list's FilterSet and sorts (`sort=key` or `sort=-key`)."""

    spec: Any = None

    def get_queryset(self) -> Any:
        return self.spec.base()

    def filter_queryset(self, queryset: Any) -> Any:
        fs, qs = self.spec.filtered(self.request.query_params)
        if not fs.is_valid():
            raise drf_exceptions.ValidationError({k: [str(e) for e in v] for k, v in fs.errors.items()})
        return qs


class ServiceCreate(generics.ListCreateAPIView, SpecList):
    """A list whose POST (editors only) validates its input serializer and writes through a service, in one
    transaction; a service's ValidationError becomes a 400 naming the field."""

    input_class: Any = None
    default_reason = ""

    def get_serializer_class(self) -> Any:
        return self.input_class if self.request.method == "POST" else self.serializer_class

    def write(self, data: dict[str, Any], source: Source, date: Any, precision: str, reason: str) -> Any:
        raise NotImplementedError

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        serializer = self.input_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data["reason"] or self.default_reason
        date, precision = _partial_date(data["date"], "date")
        try:
            with transaction.atomic():
                record = self.write(data, _source_from(data["source"], request.user, reason), date, precision, reason)
        except ValidationError as exc:
            raise _as_drf(exc) from None
        record = self.spec.base().get(pk=record.pk)
        output: Any = self.serializer_class
        return Response(output(record, context={"request": request}).data, status=201)


@extend_schema_view(post=extend_schema(request=StatementInput, responses={201: StatementSerializer}))
class StatementList(ServiceCreate):
    """Statements: what actors said, with stance and sources. POST (editors) logs one through the service."""

    spec = STATEMENTS
    filterset_class = STATEMENTS.filterset
    serializer_class = StatementSerializer
    input_class = StatementInput
    default_reason = "logged through the API"

    def write(self, data: dict[str, Any], source: Source, date: Any, precision: str, reason: str) -> Any:
        user = self.request.user
        actor = services.get_or_create_actor(
            name=data["actor"],
            role=data["actor_role"],
            kind=data["actor_kind"],
            country=data["actor_country"] or None,
            user=user,
            reason=reason,
        ).obj
        return services.log_statement(
            actor=actor,
            sending_state=data["sending_state"],
            receiving_countries=data["receiving_countries"],
            stance=data["stance"],
            date=date,
            precision=precision,
            quote=data["quote"],
            paraphrase=data["paraphrase"],
            sources=[source],
            status=data["status"] or None,
            user=user,
            reason=reason,
        )


@extend_schema_view(post=extend_schema(request=StatusChangeInput, responses={201: StatusChangeSerializer}))
class StatusChangeList(ServiceCreate):
    """Status changes: the event log of every arrangement. POST (editors) records one through the service."""

    spec = STATUS_CHANGES
    filterset_class = STATUS_CHANGES.filterset
    serializer_class = StatusChangeSerializer
    input_class = StatusChangeInput
    default_reason = "recorded through the API"

    def write(self, data: dict[str, Any], source: Source, date: Any, precision: str, reason: str) -> Any:
        return services.record_status_change(
            sending_state=data["sending_state"],
            receiving_country=data["receiving_country"],
            status=data["status"],
            date=date,
            precision=precision,
            note=data["note"],
            people=data["people"],
            sources=[source],
            user=self.request.user,
            reason=reason,
        )


class SourceList(SpecList):
    """Sources: where each fact was reported, with link health."""

    spec = SOURCES
    filterset_class = SOURCES.filterset
    serializer_class = SourceSerializer


class ActorList(SpecList):
    """Actors: the people and institutions that speak."""

    spec = ACTORS
    filterset_class = ACTORS.filterset
    serializer_class = ActorSerializer


class CountryList(generics.ListAPIView):
    """Reference countries: ISO 3166-1 plus Kosovo (XK)."""

    serializer_class = CountrySerializer
    filterset_class = CountryFilter

    def get_queryset(self) -> Any:
        return Country.objects.order_by("name")
