"""The research lists: one spec per list ties its FilterSet, facets, sorts and export columns together.

The HTML page, its CSV/JSON/GeoJSON exports and its Atom feed all start from `spec.filtered(params)`, so what a
researcher sees is exactly what they export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from django.db.models import Case, CharField, Count, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.http import JsonResponse, QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import filters
from .dates import format_partial_date
from .localize import country_name
from .models import Actor, Arrangement, Country, Source, Statement, StatusChange, TransferNationality
from .querysets import GroupConcat, joined

StrOrPromise: TypeAlias = str | Promise
PAGE_SIZE = 50


def filter_errors(filterset: Any) -> JsonResponse:
    """The one answer to filters that are not valid, outside the API: 400 with the errors by parameter name.
    (The API raises django-filter's translate_validation() of the same errors.)"""
    return JsonResponse({"errors": {k: [str(e) for e in v] for k, v in filterset.errors.items()}}, status=400)


@dataclass(frozen=True)
class Column:
    """A column of the exports (key) and of the HTML table (label; sortable when `sort` is set).

    Exports read `fields` straight from the database (values paths or export annotations) and combine them with
    `format`; without `format` the column is its single field's value.
    """

    key: str
    label: StrOrPromise  # translated when shown
    fields: tuple[str, ...]
    sort: tuple[str, ...] | None = None
    format: Callable[..., Any] | None = None

    def value(self, row: dict[str, Any]) -> Any:
        values = [row[f] for f in self.fields]
        return self.format(*values) if self.format else values[0]


@dataclass(frozen=True)
class Facet:
    """Counts per option of one filter, under all the other active filters."""

    param: str
    group_by: str
    labels: Callable[[], dict[str, str]] | None = None


@dataclass(frozen=True)
class ListSpec:
    slug: str
    title: StrOrPromise
    filterset: type
    base: Callable[[], QuerySet]
    columns: list[Column]
    default_sort: str
    facets: list[Facet] = field(default_factory=list)
    export_annotations: Callable[[], dict[str, Any]] = dict
    feed: bool = False
    geojson: bool = False

    def export_fields(self, extra: tuple[str, ...] = ()) -> list[str]:
        return list(dict.fromkeys(f for c in self.columns for f in (*c.fields, *extra)))

    def export_rows(self, queryset: QuerySet, extra: tuple[str, ...] = ()) -> Any:
        """The filtered rows as dicts of export fields: one streamed query, no per-row work in the database layer."""
        fields = self.export_fields(extra)
        rows = queryset.prefetch_related(None).annotate(**self.export_annotations()).values_list(*fields)
        for row in rows.iterator(chunk_size=2000):
            yield dict(zip(fields, row, strict=True))

    def filterset_for(self, params: QueryDict) -> Any:
        return self.filterset(params, queryset=self.base())

    def sorts(self) -> dict[str, tuple[str, ...]]:
        return {c.key: c.sort for c in self.columns if c.sort}

    def sort_key(self, params: QueryDict) -> str:
        sort = params.get("sort", self.default_sort)
        return sort if sort.lstrip("-") in self.sorts() else self.default_sort

    def ordering(self, sort: str) -> list[Any]:
        """The sort as expressions; empty values last in both directions and on every database."""
        descending = sort.startswith("-")
        out = []
        for name in (*self.sorts()[sort.lstrip("-")], "pk"):
            reverse = descending != name.startswith("-")
            expression = F(name.lstrip("-"))
            out.append(expression.desc(nulls_last=True) if reverse else expression.asc(nulls_last=True))
        return out

    def filtered(self, params: QueryDict) -> tuple[Any, QuerySet]:
        """(the bound FilterSet, the filtered and sorted queryset); an invalid filter gives an empty queryset."""
        fs = self.filterset_for(params)
        if not fs.is_valid():
            return fs, self.base().none()
        return fs, fs.qs.order_by(*self.ordering(self.sort_key(params)))

    def facet_counts(self, params: QueryDict) -> dict[str, dict[str, int]]:
        """For each facet, option value → count under the other active filters (one query per facet)."""
        out: dict[str, dict[str, int]] = {}
        for facet in self.facets:
            others = params.copy()
            others.pop(facet.param, None)
            others.pop("page", None)
            fs = self.filterset_for(others)
            if not fs.is_valid():
                out[facet.param] = {}
                continue
            rows = fs.qs.order_by().values_list(facet.group_by).annotate(n=Count("pk", distinct=True))
            out[facet.param] = {str(value): n for value, n in rows if value not in (None, "")}
        return out


def _countries() -> dict[str, str]:
    """Each country's name in the reader's language, by ISO code."""
    return {iso2: country_name(iso2, name) for iso2, name in Country.objects.values_list("iso2", "name")}


def _at_precision(value: Any, precision: str) -> str:
    return format_partial_date(value, precision)


def _codes(joined_value: str | None) -> str:
    return ";".join(sorted(set((joined_value or "").split(GroupConcat.SEPARATOR)) - {""}))


def _listed(joined_value: str | None) -> str:
    return " | ".join(sorted(set((joined_value or "").split(GroupConcat.SEPARATOR)) - {""}))


def _flag(value: Any) -> bool:
    return bool(value)


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def _source_annotations(through: Any, link: str) -> dict[str, Any]:
    """The publishers and URLs of each event's sources, for the Publishers and Sources columns."""
    return {
        "x_publishers": joined(through, link, "source__publisher"),
        "x_sources": joined(through, link, "source__url"),
    }


# A nationality as the records CSV writes it: `VN:3`, or `VN` without a count.
NATIONALITY_CELL = Case(
    When(count__isnull=True, then=F("country_id")),
    default=Concat("country_id", Value(":"), Cast("count", CharField()), output_field=CharField()),
    output_field=CharField(),
)

SOURCE_COLUMNS = [
    Column("publishers", _("Publishers"), ("x_publishers",), None, _listed),
    Column("source_urls", _("Sources"), ("x_sources",), None, _listed),
]


def _choices(choices: Any) -> Callable[[], dict[str, str]]:
    return lambda: {str(k): str(v) for k, v in choices}


ARRANGEMENTS = ListSpec(
    slug="arrangements",
    title=_("Arrangements"),
    filterset=filters.ArrangementFilter,
    base=lambda: Arrangement.objects.select_related("sending_state", "receiving_country"),
    default_sort="receiving_country",
    columns=[
        Column("id", _("ID"), ("pk",)),
        Column("sending_state", _("Sending state"), ("sending_state_id",), ("sending_state__name",)),
        Column(
            "receiving_country",
            _("Receiving country"),
            ("receiving_country_id",),
            ("receiving_country__name", "sending_state__name"),
        ),
        Column("receiving_country_name", _("Name"), ("receiving_country__name",)),
        Column("region", _("Region"), ("receiving_country__region",), ("receiving_country__region",)),
        Column("status", _("Status"), ("at_status",), ("at_status",)),
        Column(
            "status_since", _("Since"), ("at_status_date", "at_status_precision"), ("at_status_date",), _at_precision
        ),
        Column("people_transferred", _("People transferred (at least)"), ("at_people",), ("at_people",)),
        Column("people_transferred_basis", _("Basis of the figure"), ("at_people_basis",)),
        Column(
            "people_counted", _("Sum of the transfers with a number"), ("at_people_counted",), ("at_people_counted",)
        ),
        Column("people_reported", _("Latest reported total"), ("at_people_reported",), ("at_people_reported",)),
        Column("sources_count", _("Publishers"), ("at_sources_count",), ("at_sources_count",)),
        Column("stale", _("Stale"), ("at_stale",), None, _flag),
        Column("disputed", _("Disputed"), ("at_disputed",), None, _flag),
        Column("summary", _("Summary"), ("summary",)),
    ],
    facets=[
        Facet("status", "at_status", _choices(Arrangement.Status.choices)),
        Facet("sending_state", "sending_state", _countries),
        Facet("region", "receiving_country__region"),
    ],
    feed=True,
    geojson=True,
)

STATEMENTS = ListSpec(
    slug="statements",
    title=_("Statements"),
    filterset=filters.StatementFilter,
    base=lambda: Statement.objects.select_related("actor", "actor__country", "sending_state").prefetch_related(
        "sources", "arrangements__receiving_country"
    ),
    default_sort="-date",
    columns=[
        Column("id", _("ID"), ("pk",)),
        Column("date", _("Date"), ("date", "date_precision"), ("date", "recorded_at"), _at_precision),
        Column("actor", _("Actor"), ("actor__name",), ("actor__name",)),
        Column("actor_role", _("Role"), ("actor__role",)),
        Column("actor_kind", _("Actor kind"), ("actor__kind",), ("actor__kind",)),
        Column("actor_country", _("Speaks for"), ("actor__country_id",), None, lambda v: v or ""),
        Column("stance", _("Stance"), ("stance",), ("stance",)),
        Column("sending_state", _("Sending state"), ("sending_state_id",), ("sending_state__name",)),
        Column("receiving_countries", _("Concerns"), ("x_receiving",), None, _codes),
        Column("quote", _("Quote"), ("quote",)),
        Column("paraphrase", _("Paraphrase"), ("paraphrase",)),
        *SOURCE_COLUMNS,
    ],
    export_annotations=lambda: {
        "x_receiving": joined(Statement.arrangements.through, "statement", "arrangement__receiving_country_id"),
        **_source_annotations(Statement.sources.through, "statement"),
    },
    facets=[
        Facet("stance", "stance", _choices(Statement.Stance.choices)),
        Facet("actor_kind", "actor__kind", _choices(Actor.Kind.choices)),
        Facet("sending_state", "sending_state", _countries),
    ],
    feed=True,
)

STATUS_CHANGES = ListSpec(
    slug="status-changes",
    title=_("Status changes"),
    filterset=filters.StatusChangeFilter,
    base=lambda: (
        StatusChange.objects.select_related("arrangement__sending_state", "arrangement__receiving_country")
        .prefetch_related("sources")
        .with_nationalities()
    ),
    default_sort="-date",
    columns=[
        Column("id", _("ID"), ("pk",)),
        Column("date", _("Date"), ("date", "date_precision"), ("date", "recorded_at"), _at_precision),
        Column(
            "sending_state",
            _("Sending state"),
            ("arrangement__sending_state_id",),
            ("arrangement__sending_state__name",),
        ),
        Column(
            "receiving_country",
            _("Receiving country"),
            ("arrangement__receiving_country_id",),
            ("arrangement__receiving_country__name",),
        ),
        Column("status", _("Status"), ("status",), ("status",)),
        Column("people", _("People"), ("people",), ("people",)),
        Column("nationalities", _("Nationalities"), ("x_nationalities",), None, _codes),
        Column("note", _("Note"), ("note",)),
        *SOURCE_COLUMNS,
    ],
    export_annotations=lambda: {
        "x_nationalities": joined(TransferNationality, "status_change", NATIONALITY_CELL),
        **_source_annotations(StatusChange.sources.through, "statuschange"),
    },
    facets=[
        Facet("status", "status", _choices(Arrangement.Status.choices)),
        Facet("sending_state", "arrangement__sending_state", _countries),
        Facet("nationality", "nationalities__country", _countries),
    ],
)

SOURCES = ListSpec(
    slug="sources",
    title=_("Sources"),
    filterset=filters.SourceFilter,
    base=lambda: Source.objects.all(),
    default_sort="-published",
    columns=[
        Column("id", _("ID"), ("pk",)),
        Column("publisher", _("Publisher"), ("publisher",), ("publisher",)),
        Column("origin", _("Origin"), ("origin",), ("origin",)),
        Column("title", _("Title"), ("title",), ("title",)),
        Column("published", _("Published"), ("published", "published_precision"), ("published",), _at_precision),
        Column("kind", _("Kind"), ("kind",), ("kind",)),
        Column("url", _("URL"), ("url",)),
        Column("archive_url", _("Archive"), ("archive_url",)),
        Column("last_http_status", _("Last HTTP status"), ("last_http_status",), ("last_http_status",)),
        Column("last_checked_at", _("Last checked"), ("last_checked_at",), None, _iso),
    ],
    facets=[Facet("kind", "kind", _choices(Source.Kind.choices))],
)

ACTORS = ListSpec(
    slug="actors",
    title=_("Actors"),
    filterset=filters.ActorFilter,
    base=lambda: Actor.objects.select_related("country").annotate(
        statements_count=Coalesce(
            Subquery(
                Statement.objects.filter(actor=OuterRef("pk"))
                .order_by()
                .values("actor")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )
    ),
    default_sort="name",
    columns=[
        Column("id", _("ID"), ("pk",)),
        Column("name", _("Name"), ("name",), ("name",)),
        Column("role", _("Role"), ("role",), ("role",)),
        Column("kind", _("Kind"), ("kind",), ("kind",)),
        Column("country", _("Speaks for"), ("country_id",), ("country__name",), lambda v: v or ""),
        Column("statements", _("Statements"), ("statements_count",), ("statements_count",)),
        Column("slug", _("Slug"), ("slug",)),
    ],
    facets=[
        Facet("kind", "kind", _choices(Actor.Kind.choices)),
        Facet("country", "country", _countries),
    ],
)

SPECS = {spec.slug: spec for spec in (ARRANGEMENTS, STATEMENTS, STATUS_CHANGES, SOURCES, ACTORS)}
