"""The research lists: one spec per list ties its FilterSet, facets, sorts and export columns together.

The HTML page, its CSV/JSON/GeoJSON exports and its Atom feed all start from `spec.filtered(params)`, so what a
researcher sees is exactly what they export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import QueryDict

from . import filters
from .dates import format_partial_date
from .models import Actor, Arrangement, Country, Source, Statement, StatusChange

PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    """A column of the export (key) and of the HTML table (label; sortable when `sort` is set)."""

    key: str
    label: str
    value: Callable[[Any], Any]
    sort: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Facet:
    """Counts per option of one filter, under all the other active filters."""

    param: str
    group_by: str
    labels: Callable[[], dict[str, str]] | None = None


@dataclass(frozen=True)
class ListSpec:
    slug: str
    title: str
    filterset: type
    base: Callable[[], QuerySet]
    columns: list[Column]
    default_sort: str
    facets: list[Facet] = field(default_factory=list)
    feed: bool = False
    geojson: bool = False

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
    return dict(Country.objects.values_list("iso2", "name"))


def _sources(obj: Any) -> str:
    return " | ".join(s.url for s in obj.sources.all())


def _publishers(obj: Any) -> str:
    return " | ".join(sorted({s.publisher for s in obj.sources.all()}))


ARRANGEMENTS = ListSpec(
    slug="arrangements",
    title="Arrangements",
    filterset=filters.ArrangementFilter,
    base=lambda: Arrangement.objects.select_related("sending_state", "receiving_country"),
    default_sort="receiving_country",
    columns=[
        Column("id", "ID", lambda a: a.pk),
        Column("sending_state", "Sending state", lambda a: a.sending_state_id, ("sending_state__name",)),
        Column(
            "receiving_country",
            "Receiving country",
            lambda a: a.receiving_country_id,
            ("receiving_country__name", "sending_state__name"),
        ),
        Column("receiving_country_name", "Name", lambda a: a.receiving_country.name),
        Column("region", "Region", lambda a: a.receiving_country.region, ("receiving_country__region",)),
        Column("status", "Status", lambda a: a.at_status, ("at_status",)),
        Column(
            "status_since",
            "Since",
            lambda a: format_partial_date(a.at_status_date, a.at_status_precision),
            ("at_status_date",),
        ),
        Column("people_transferred", "People transferred", lambda a: a.at_people, ("at_people",)),
        Column("sources_count", "Publishers", lambda a: a.at_sources_count, ("at_sources_count",)),
        Column("stale", "Stale", lambda a: bool(a.at_stale)),
        Column("disputed", "Disputed", lambda a: bool(a.at_disputed)),
        Column("summary", "Summary", lambda a: a.summary),
    ],
    facets=[
        Facet("status", "at_status", lambda: {str(k): str(v) for k, v in Arrangement.Status.choices}),
        Facet("sending_state", "sending_state", _countries),
        Facet("region", "receiving_country__region"),
    ],
    feed=True,
    geojson=True,
)

STATEMENTS = ListSpec(
    slug="statements",
    title="Statements",
    filterset=filters.StatementFilter,
    base=lambda: Statement.objects.select_related("actor", "actor__country", "sending_state").prefetch_related(
        "sources", "arrangements__receiving_country"
    ),
    default_sort="-date",
    columns=[
        Column("id", "ID", lambda s: s.pk),
        Column("date", "Date", lambda s: s.date_iso, ("date", "recorded_at")),
        Column("actor", "Actor", lambda s: s.actor.name, ("actor__name",)),
        Column("actor_role", "Role", lambda s: s.actor.role),
        Column("actor_kind", "Actor kind", lambda s: s.actor.kind, ("actor__kind",)),
        Column("actor_country", "Speaks for", lambda s: s.actor.country_id or ""),
        Column("stance", "Stance", lambda s: s.stance, ("stance",)),
        Column("sending_state", "Sending state", lambda s: s.sending_state_id, ("sending_state__name",)),
        Column(
            "receiving_countries",
            "Concerns",
            lambda s: ";".join(sorted(a.receiving_country_id for a in s.arrangements.all())),
        ),
        Column("quote", "Quote", lambda s: s.quote),
        Column("paraphrase", "Paraphrase", lambda s: s.paraphrase),
        Column("publishers", "Publishers", _publishers),
        Column("source_urls", "Sources", _sources),
    ],
    facets=[
        Facet("stance", "stance", lambda: {str(k): str(v) for k, v in Statement.Stance.choices}),
        Facet("actor_kind", "actor__kind", lambda: {str(k): str(v) for k, v in Actor.Kind.choices}),
        Facet("sending_state", "sending_state", _countries),
    ],
    feed=True,
)

STATUS_CHANGES = ListSpec(
    slug="status-changes",
    title="Status changes",
    filterset=filters.StatusChangeFilter,
    base=lambda: StatusChange.objects.select_related(
        "arrangement__sending_state", "arrangement__receiving_country"
    ).prefetch_related("sources"),
    default_sort="-date",
    columns=[
        Column("id", "ID", lambda c: c.pk),
        Column("date", "Date", lambda c: c.date_iso, ("date", "recorded_at")),
        Column(
            "sending_state",
            "Sending state",
            lambda c: c.arrangement.sending_state_id,
            ("arrangement__sending_state__name",),
        ),
        Column(
            "receiving_country",
            "Receiving country",
            lambda c: c.arrangement.receiving_country_id,
            ("arrangement__receiving_country__name",),
        ),
        Column("status", "Status", lambda c: c.status, ("status",)),
        Column("people", "People", lambda c: c.people, ("people",)),
        Column("note", "Note", lambda c: c.note),
        Column("publishers", "Publishers", _publishers),
        Column("source_urls", "Sources", _sources),
    ],
    facets=[
        Facet("status", "status", lambda: {str(k): str(v) for k, v in Arrangement.Status.choices}),
        Facet("sending_state", "arrangement__sending_state", _countries),
    ],
)

SOURCES = ListSpec(
    slug="sources",
    title="Sources",
    filterset=filters.SourceFilter,
    base=lambda: Source.objects.all(),
    default_sort="-published",
    columns=[
        Column("id", "ID", lambda s: s.pk),
        Column("publisher", "Publisher", lambda s: s.publisher, ("publisher",)),
        Column("title", "Title", lambda s: s.title, ("title",)),
        Column(
            "published", "Published", lambda s: format_partial_date(s.published, s.published_precision), ("published",)
        ),
        Column("kind", "Kind", lambda s: s.kind, ("kind",)),
        Column("url", "URL", lambda s: s.url),
        Column("archive_url", "Archive", lambda s: s.archive_url),
        Column("last_http_status", "Last HTTP status", lambda s: s.last_http_status, ("last_http_status",)),
        Column("last_checked_at", "Last checked", lambda s: s.last_checked_at.isoformat() if s.last_checked_at else ""),
    ],
    facets=[Facet("kind", "kind", lambda: {str(k): str(v) for k, v in Source.Kind.choices})],
)

ACTORS = ListSpec(
    slug="actors",
    title="Actors",
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
        Column("id", "ID", lambda a: a.pk),
        Column("name", "Name", lambda a: a.name, ("name",)),
        Column("role", "Role", lambda a: a.role, ("role",)),
        Column("kind", "Kind", lambda a: a.kind, ("kind",)),
        Column("country", "Speaks for", lambda a: a.country_id or "", ("country__name",)),
        Column("statements", "Statements", lambda a: a.statements_count, ("statements_count",)),
        Column("slug", "Slug", lambda a: a.slug),
    ],
    facets=[
        Facet("kind", "kind", lambda: {str(k): str(v) for k, v in Actor.Kind.choices}),
        Facet("country", "country", _countries),
    ],
)

SPECS = {spec.slug: spec for spec in (ARRANGEMENTS, STATEMENTS, STATUS_CHANGES, SOURCES, ACTORS)}
