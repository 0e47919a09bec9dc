"""The read API under /api/v1/ (Django REST framework). Writes, where offered, are for editors only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions as drf_exceptions
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import changes
from .dates import DateFormatError, format_partial_date, parse_partial_date
from .drf import JSONParser
from .fields import count_bounds
from .filters import COUNTRY_CODE_SCHEMA, ArrangementFilter, CountryFilter
from .forms import ALL_SENDING_STATES, DEFAULT_SENDING_STATE, MapQuery, StatementForm, StatusChangeForm, source_from
from .lists import ACTORS, SOURCES, STATEMENTS, STATUS_CHANGES
from .models import (
    Actor,
    Arrangement,
    Country,
    PeopleBasis,
    Source,
    Statement,
    StatusChange,
    Term,
    status_label,
)

# The forms a partial date is written in (YYYY, YYYY-MM, YYYY-MM-DD); a date in the future is still refused.
PARTIAL_DATE_PATTERN = r"^(19|20)[0-9]{2}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"


@extend_schema_field({"type": "string", "pattern": PARTIAL_DATE_PATTERN})
class PartialDateField(serializers.CharField):
    """YYYY-MM-DD, YYYY-MM or YYYY, as (first day of the period, precision) — the one date parser."""

    def to_internal_value(self, data: Any) -> tuple[dt.date, str] | None:  # type: ignore[override]
        text = super().to_internal_value(data).strip()
        if not text:
            return None
        try:
            return parse_partial_date(text)
        except DateFormatError as exc:
            raise serializers.ValidationError(str(exc)) from None


@extend_schema_field(COUNTRY_CODE_SCHEMA)
class CountryInput(serializers.CharField):
    """A country, read by the one country parser where the record is written."""


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?$",
        "maxLength": 2000,
        "description": "An http or https URL, without a user name or password.",
    }
)
class UrlInput(serializers.CharField):
    """An http(s) URL, checked by the one URL rule where the source is found or created."""


class TermSerializer(serializers.ModelSerializer):
    date = serializers.SerializerMethodField(help_text="At its precision, when the term is a date.")
    source_url = serializers.URLField(source="source.url")
    source_publisher = serializers.CharField(source="source.publisher")

    class Meta:
        model = Term
        fields = ["kind", "value", "date", "source_url", "source_publisher"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_date(self, obj: Term) -> str | None:
        return format_partial_date(obj.date, obj.date_precision) or None


class CitedSourceSerializer(serializers.Serializer):
    """A source as an arrangement's figures cite it."""

    id = serializers.IntegerField()
    url = serializers.URLField()
    publisher = serializers.CharField()
    origin = serializers.CharField(help_text="The outlet whose reporting it carries, when it is a copy.")
    title = serializers.CharField()
    published = serializers.SerializerMethodField(help_text="At its precision.")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_published(self, obj: Source) -> str | None:
        return format_partial_date(obj.published, obj.published_precision) or None


class ArrangementSerializer(serializers.ModelSerializer):
    sending_state = serializers.CharField(source="sending_state_id", help_text="ISO alpha-2.")
    receiving_country = serializers.CharField(source="receiving_country_id", help_text="ISO alpha-2.")
    receiving_country_name = serializers.CharField(source="receiving_country.name")
    status = serializers.ChoiceField(source="at_status", choices=Arrangement.Status.choices)
    status_label = serializers.SerializerMethodField()
    status_since = serializers.SerializerMethodField(help_text="At its precision: 2025, 2025-05 or 2025-05-05.")
    stale = serializers.BooleanField(source="at_stale")
    disputed = serializers.BooleanField(source="at_disputed")
    people_transferred = serializers.IntegerField(
        source="at_people",
        allow_null=True,
        help_text="At least this many: the larger of people_counted and people_reported_total (null: neither).",
    )
    people_transferred_basis = serializers.SerializerMethodField(
        help_text="Which way of counting gives people_transferred: reported_total (the latest total a source reports, "
        "on a tie too) or sum_of_transfers (the sum of the transfers reported with a number); null without a figure."
    )
    people_transferred_sources = CitedSourceSerializer(
        source="people_figure.sources",
        many=True,
        read_only=True,
        help_text="The sources of people_transferred: the reported total's, or those of the transfers summed.",
    )
    people_counted = serializers.IntegerField(
        source="at_people_counted", allow_null=True, help_text="The sum of the transfers reported with a number."
    )
    people_reported_total = serializers.IntegerField(
        source="at_people_reported", allow_null=True, help_text="The latest cumulative total a source reports."
    )
    people_reported_date = serializers.SerializerMethodField(help_text="The date of that total, at its precision.")
    sources_count = serializers.IntegerField(
        source="at_sources_count", help_text="Independent publishers backing the status."
    )
    url = serializers.SerializerMethodField()
    terms = TermSerializer(source="term_list", many=True, read_only=True, help_text="Known terms, with sources.")

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
            "people_transferred_basis",
            "people_transferred_sources",
            "people_counted",
            "people_reported_total",
            "people_reported_date",
            "sources_count",
            "url",
            "terms",
        ]

    def get_status_label(self, obj: Arrangement) -> str:
        return status_label(obj.at_status)  # type: ignore[attr-defined]

    @extend_schema_field(serializers.ChoiceField(choices=PeopleBasis.choices, allow_null=True))
    def get_people_transferred_basis(self, obj: Arrangement) -> str | None:
        return obj.at_people_basis or None  # type: ignore[attr-defined]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_people_reported_date(self, obj: Arrangement) -> str | None:
        return obj.people_figure.reported_date or None

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
        return (
            Arrangement.objects.select_related("receiving_country")
            .with_terms()
            .order_by("sending_state_id", "receiving_country_id")
        )

    def filter_queryset(self, queryset: Any) -> Any:
        # The sources of people transferred follow the state read (now, or as of a day): after the filters' .at().
        queryset = super().filter_queryset(queryset)
        try:
            day = dt.date.fromisoformat(self.request.query_params.get("as_of", ""))
        except ValueError:  # none given (a bad one is a 400 before this)
            day = None
        return queryset.with_people_sources(day)


# ---------------------------------------------------------------------------------------------------------------
# The map: every country's state for one sending state, cached per data version, with an ETag.


class SenderSerializer(serializers.Serializer):
    """One sending state's current status where a country receives (on the map of every sending state)."""

    sending_state = serializers.CharField(source="sending_state_id", help_text="ISO alpha-2.")
    status = serializers.ChoiceField(source="at_status", choices=Arrangement.Status.choices)
    status_since = serializers.SerializerMethodField(help_text="At its precision: 2025, 2025-05 or 2025-05-05.")

    @extend_schema_field(str)
    def get_status_since(self, obj: Arrangement) -> str:
        return format_partial_date(obj.at_status_date, obj.at_status_precision)  # type: ignore[attr-defined]


class MapEntrySerializer(serializers.Serializer):
    """One country on the map: what /api/v1/map/ serves for each country (built through this serializer).

    With `sending_state=all`, the status and the rest are those of the country's most advanced arrangement
    (Arrangement.PRECEDENCE), and `senders` lists every sending state's status where it receives, in that order.
    """

    iso2 = serializers.CharField()
    iso3 = serializers.CharField()
    iso_numeric = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    status = serializers.ChoiceField(source="a.at_status", choices=Arrangement.Status.choices, allow_null=True)
    status_label = serializers.SerializerMethodField()
    status_since = serializers.SerializerMethodField(help_text="At its precision; null without a status.")
    stale = serializers.BooleanField(source="a.at_stale", default=False)
    disputed = serializers.BooleanField(source="a.at_disputed", default=False)
    people_transferred = serializers.IntegerField(source="a.at_people", allow_null=True)
    sources_count = serializers.IntegerField(source="a.at_sources_count", default=0)
    senders = SenderSerializer(
        many=True, required=False, help_text="Only with sending_state=all: every sending state, most advanced first."
    )

    def get_status_label(self, obj: Any) -> str:
        return status_label(obj.a.at_status if obj.a else "")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_status_since(self, obj: Any) -> str | None:
        return format_partial_date(obj.a.at_status_date, obj.a.at_status_precision) if obj.a else None


class MapSerializer(serializers.Serializer):
    """The /api/v1/map/ payload (built through this serializer, so the schema is what is served)."""

    sending_state = serializers.CharField(help_text='ISO alpha-2, or "all".')
    as_of = serializers.DateField(allow_null=True)
    count = serializers.IntegerField()
    colours = serializers.DictField(child=serializers.CharField(), help_text="Fill colour per status.")
    no_reports_colour = serializers.CharField()
    results = MapEntrySerializer(many=True)


def map_payload(sending_state: str, as_of: dt.date | None) -> dict[str, Any]:
    """Every country with its state for one sending state, or for all of them ("all"): two queries."""
    entries = []
    if sending_state == ALL_SENDING_STATES:
        for country, senders in Country.objects.with_senders(as_of):
            country.a, country.senders = (senders[0] if senders else None), senders
            entries.append(country)
    else:
        for country, arrangement in Country.objects.with_arrangements(sending_state, as_of):
            country.a = arrangement
            entries.append(country)
    return MapSerializer(
        {
            "sending_state": sending_state,
            "as_of": as_of,
            "count": len(entries),
            "colours": {str(k): v for k, v in Arrangement.COLOURS.items()},
            "no_reports_colour": Arrangement.NO_REPORTS_COLOUR,
            "results": entries,
        }
    ).data


class MapView(APIView):
    """Every country (one entry each) with its status for one sending state, or with `sending_state=all` its most
    advanced status among every sending state and the list of senders, for drawing the map. ETag/304."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "sending_state",
                str,
                description='ISO alpha-2 or alpha-3, or "all" for every sending state at once; default US.',
            ),
            OpenApiParameter("as_of", dt.date, description="YYYY-MM-DD: the map as it stood at the end of that day."),
        ],
        responses=MapSerializer,
    )
    def get(self, request: Any) -> Response:
        form = MapQuery(request.GET)
        if not form.is_valid():
            raise drf_exceptions.ValidationError(form.errors.get_json_data())
        return Response(map_payload(form.sending, form.cleaned_data["as_of"]))


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
            "origin",
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
            *Statement.TRANSLATION_FIELDS,
            "paraphrase",
            "sources",
        ]

    def get_receiving_countries(self, obj: Statement) -> list[str]:
        return sorted(a.receiving_country_id for a in obj.arrangements.all())


class NationalitySerializer(serializers.Serializer):
    """A citizenship of the people of a transfer."""

    nationality = serializers.CharField(source="iso2", help_text="ISO alpha-2.")
    name = serializers.CharField()
    count = serializers.IntegerField(allow_null=True, help_text="People of this nationality; null: not given.")


class StatusChangeSerializer(serializers.ModelSerializer):
    date = serializers.CharField(source="date_iso", help_text="At its precision.")
    sending_state = serializers.CharField(source="arrangement.sending_state_id")
    receiving_country = serializers.CharField(source="arrangement.receiving_country_id")
    nationalities = NationalitySerializer(
        source="nationality_list", many=True, read_only=True, help_text="Of the people transferred, as given."
    )
    sources = SourceSerializer(many=True)

    class Meta:
        model = StatusChange
        fields = [
            "id",
            "date",
            "sending_state",
            "receiving_country",
            "status",
            "people",
            "nationalities",
            "note",
            "sources",
        ]


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
    url = UrlInput(max_length=2000)
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    origin = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="The outlet whose reporting it carries (a wire story, copy or summary), e.g. Reuters.",
    )
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    published = PartialDateField(required=False, allow_blank=True, default="", help_text="YYYY[-MM[-DD]]")
    kind = serializers.ChoiceField(choices=Source.Kind.choices, required=False, allow_blank=True, default="")


def _as_drf(exc: ValidationError) -> drf_exceptions.ValidationError:
    return drf_exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class NationalityInput(serializers.Serializer):
    """A citizenship of the people of a transfer, with how many of them held it when the source says."""

    country = CountryInput()
    count = serializers.IntegerField(required=False, allow_null=True, default=None, **count_bounds())


class TransferInput(serializers.Serializer):
    """The inputs of a transfer that both writes take: who was sent, and the total reported so far."""

    nationalities = serializers.ListField(
        child=NationalityInput(),
        required=False,
        default=list,
        max_length=250,
        help_text="Nationalities of the people transferred, each once; no count above people. On a statement: with "
        "a status and one receiving country.",
    )
    people_total = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The cumulative number of people transferred under the arrangement up to this date, as the source "
        "reports it (about one receiving country).",
        **count_bounds(),
    )


class StatementInput(TransferInput):
    """Log a statement (editors only), optionally with the status change it implies."""

    actor = serializers.CharField(
        min_length=1, max_length=200, help_text="Name; matched case-insensitively, else created."
    )
    actor_role = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    actor_kind = serializers.ChoiceField(choices=Actor.Kind.choices, required=False, allow_blank=True, default="")
    actor_country = CountryInput(required=False, allow_blank=True, default="")
    sending_state = CountryInput(default=DEFAULT_SENDING_STATE)
    receiving_countries = serializers.ListField(child=CountryInput(), required=False, default=list)
    stance = serializers.ChoiceField(choices=Statement.Stance.choices)
    date = PartialDateField(help_text="YYYY-MM-DD, YYYY-MM or YYYY.")
    quote = serializers.CharField(required=False, allow_blank=True, default="")
    paraphrase = serializers.CharField(required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=Arrangement.Status.choices, required=False, allow_blank=True, default="")
    source = SourceInput()  # type: ignore[assignment]
    reason = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class StatusChangeInput(TransferInput):
    """Record a status change (editors only)."""

    sending_state = CountryInput(default=DEFAULT_SENDING_STATE)
    receiving_country = CountryInput()
    status = serializers.ChoiceField(choices=Arrangement.Status.choices)
    date = PartialDateField(help_text="YYYY-MM-DD, YYYY-MM or YYYY.")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    people = serializers.IntegerField(required=False, allow_null=True, default=None, **count_bounds())
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
            raise translate_validation(fs.errors)
        return qs


class ServiceCreate(generics.ListCreateAPIView, SpecList):
    """A list whose POST (editors only) validates its input serializer and records it as the editor's form does
    (`form_class.write`, through the services) in one transaction; a ValidationError becomes a 400 naming the
    field."""

    input_class: Any = None
    form_class: Any = None
    default_reason = ""
    parser_classes = [JSONParser]  # the input nests (source); a form encoding could not say it

    def get_serializer_class(self) -> Any:
        return self.input_class if self.request.method == "POST" else self.serializer_class

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        serializer = self.input_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data["reason"] or self.default_reason
        try:
            with transaction.atomic():
                source = source_from(data["source"], request.user, reason)
                record = self.form_class.write(data, source, request.user, reason)
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
    form_class = StatementForm
    default_reason = "logged through the API"


@extend_schema_view(post=extend_schema(request=StatusChangeInput, responses={201: StatusChangeSerializer}))
class StatusChangeList(ServiceCreate):
    """Status changes: the event log of every arrangement. POST (editors) records one through the service."""

    spec = STATUS_CHANGES
    filterset_class = STATUS_CHANGES.filterset
    serializer_class = StatusChangeSerializer
    input_class = StatusChangeInput
    form_class = StatusChangeForm
    default_reason = "recorded through the API"


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


# ---------------------------------------------------------------------------------------------------------------
# Changes since a moment or a release, for mirrors.


class ChangeSerializer(serializers.Serializer):
    """One record that changed since `since` (built through this serializer, so the schema is what is served)."""

    kind = serializers.ChoiceField(choices=list(changes.KINDS), help_text="The kind of record.")
    id = serializers.IntegerField(help_text="Its stable id (within its kind).")
    change = serializers.SerializerMethodField(help_text="What happened to it since then, the strongest first.")
    at = serializers.DateTimeField(help_text="Its latest change.")

    @extend_schema_field(serializers.ChoiceField(choices=list(changes.CHANGES)))
    def get_change(self, row: dict[str, Any]) -> str:
        return changes.change_of(row)


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter(
                "since",
                str,
                required=True,
                description="An ISO 8601 timestamp (UTC unless it names an offset; a date is its first moment), or a "
                "release number (the moment that release's data was read).",
            )
        ]
    )
)
class ChangeList(generics.ListAPIView):
    """Every record created, changed, retracted or deleted since a moment or a release, by kind and id, oldest
    change first: what a mirror fetches again instead of everything."""

    serializer_class = ChangeSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no request parameters
            return Statement.objects.none()
        try:
            moment = changes.parse_since(self.request.query_params.get("since"))
        except ValidationError as exc:
            raise _as_drf(exc) from None
        return changes.changed_since(moment)
