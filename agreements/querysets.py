"""Intent-named reads. Every list is one query however many rows it has.

Arrangement reads put the state of each arrangement into the same annotation names whether it is the current
state (`.current()`, from the fields the services maintain) or the state at the end of a past day (`.as_of(d)`,
computed from the event log in the same query): `at_status`, `at_status_date`, `at_status_precision`,
`at_people`, `at_disputed`, `at_stale`, `at_sources_count`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Lower, TruncDate
from django.utils import timezone

if TYPE_CHECKING:
    from .models import Country

LATEST_FIRST = ("-date", "-recorded_at", "-id")
_EPOCH = dt.date(1900, 1, 1)


def _model(name: str) -> Any:
    return apps.get_model("agreements", name)


def _days_before(day: dt.date, days: int) -> dt.date:
    """`day` minus `days`, or the earliest date there is (an as-of date in year 1 must not crash)."""
    return day - dt.timedelta(days=days) if day.toordinal() > days else dt.date.min


def stale_windows() -> dict[str, int | None]:
    """Staleness window in days per status (settings.STALENESS_WINDOWS; None means never stale)."""
    return dict(settings.STALENESS_WINDOWS)


def country_filter(field: str, countries: Any) -> Q:
    """Q matching a country given as Country objects, ISO alpha-2 codes, or a mix."""
    if countries is None:
        return Q()
    if isinstance(countries, (str, models.Model)):
        countries = [countries]
    codes = [c.pk if isinstance(c, models.Model) else str(c).upper() for c in countries]
    return Q(**{f"{field}__in": codes})


class ArrangementQuerySet(models.QuerySet):
    def for_sending_state(self, country: Country | str | None) -> ArrangementQuerySet:
        return self.filter(country_filter("sending_state", country))

    def for_receiving_country(self, country: Country | str | None) -> ArrangementQuerySet:
        return self.filter(country_filter("receiving_country", country))

    def touching(self, country: Country | str) -> ArrangementQuerySet:
        """Arrangements in which the country sends or receives."""
        return self.filter(country_filter("sending_state", country) | country_filter("receiving_country", country))

    def at(self, as_of: dt.date | None = None) -> ArrangementQuerySet:
        """The state now (as_of None) or at the end of a past day, under the at_* annotation names."""
        return self.current() if as_of is None else self.as_of(as_of)

    def current(self) -> ArrangementQuerySet:
        """Arrangements with a status, annotated with their current state (stored; "stale" is live)."""
        now = timezone.now()
        return self.exclude(status="").annotate(
            at_status=F("status"),
            at_status_date=F("status_date"),
            at_status_precision=F("status_precision"),
            at_people=F("people_transferred"),
            at_stale=ExpressionWrapper(Q(stale_after__lte=now), output_field=BooleanField()),
            at_stale_after=F("stale_after"),
            at_disputed=F("disputed"),
            at_sources_count=F("sources_count"),
        )

    def with_live_evidence(self) -> ArrangementQuerySet:
        """Annotate at_disputed and at_sources_count computed now from the log (needs an at_status annotation)."""
        return self._with_evidence(None)

    def as_of(self, day: dt.date) -> ArrangementQuerySet:
        """Arrangements as they stood at the end of `day`; those with no status change by then are absent."""
        StatusChange = _model("StatusChange")
        changes = StatusChange.objects.filter(arrangement=OuterRef("pk"), date__lte=day).order_by(*LATEST_FIRST)
        people = (
            StatusChange.objects.filter(arrangement=OuterRef("pk"), date__lte=day, people__isnull=False)
            .order_by()
            .values("arrangement")
            .annotate(total=Sum("people"))
            .values("total")
        )
        qs = self.annotate(
            at_status=Subquery(changes.values("status")[:1]),
            at_status_date=Subquery(changes.values("date")[:1]),
            at_status_precision=Subquery(changes.values("date_precision")[:1]),
            at_people=Subquery(people, output_field=IntegerField()),
        ).filter(at_status__isnull=False)
        return qs._with_stale_as_of(day)._with_evidence(day)

    def _with_stale_as_of(self, day: dt.date) -> ArrangementQuerySet:
        StatusChange, Statement, Verification = (
            _model("StatusChange"),
            _model("Statement"),
            _model("Verification"),
        )

        def latest(qs: models.QuerySet, field: str) -> Coalesce:
            return Coalesce(
                Subquery(qs.order_by(f"-{field}").values(field)[:1]), Value(_EPOCH), output_field=DateField()
            )

        confirmed = Greatest(
            latest(StatusChange.objects.filter(arrangement=OuterRef("pk"), date__lte=day), "date"),
            latest(Statement.objects.filter(arrangements=OuterRef("pk"), date__lte=day), "date"),
            latest(
                Verification.objects.filter(arrangement=OuterRef("pk"), verified_at__date__lte=day).annotate(
                    day=TruncDate("verified_at")
                ),
                "day",
            ),
        )
        # Stale by the end of `day` when confirmed + window falls on or before it: confirmed <= day - window.
        whens = [
            When(Q(at_status=status, _confirmed__lte=_days_before(day, window)), then=Value(True))
            for status, window in stale_windows().items()
            if window is not None
        ]
        return self.annotate(
            _confirmed=confirmed,
            at_stale=Case(*whens, default=Value(False), output_field=BooleanField()),
            at_stale_after=Value(None, output_field=DateTimeField()),
        )

    def _with_evidence(self, day: dt.date | None) -> ArrangementQuerySet:
        """Annotate at_disputed and at_sources_count (live, up to `day` when given)."""
        Statement, Actor = _model("Statement"), _model("Actor")
        Through = _model("StatusChange").sources.through
        stances = [Statement.Stance.CONFIRMS, Statement.Stance.DENIES]

        def position(side: str) -> Subquery:
            qs = Statement.objects.filter(
                arrangements=OuterRef("pk"),
                actor__country=OuterRef(side),
                actor__kind__in=Actor.GOVERNMENT_KINDS,
                stance__in=stances,
            )
            if day is not None:
                qs = qs.filter(date__lte=day)
            return Subquery(qs.order_by(*LATEST_FIRST).values("stance")[:1])

        backing = Through.objects.filter(
            statuschange__arrangement=OuterRef("pk"),
            statuschange__status=OuterRef("at_status"),
            statuschange__retracted_at__isnull=True,
        )
        if day is not None:
            backing = backing.filter(statuschange__date__lte=day)
        backing = (
            backing.order_by()
            .values("statuschange__arrangement")
            .annotate(n=Count(Lower("source__publisher"), distinct=True))
            .values("n")
        )
        confirms, denies = Statement.Stance.CONFIRMS.value, Statement.Stance.DENIES.value
        return self.annotate(
            _sending_position=position("sending_state"),
            _receiving_position=position("receiving_country"),
        ).annotate(
            at_disputed=Case(
                When(
                    Q(_sending_position=confirms, _receiving_position=denies)
                    | Q(_sending_position=denies, _receiving_position=confirms),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
            at_sources_count=Coalesce(Subquery(backing, output_field=IntegerField()), Value(0)),
        )

    def stale(self, value: bool = True) -> ArrangementQuerySet:
        """Filter on staleness; call after .at()/.current()/.as_of()."""
        return self.filter(at_stale=value)

    def disputed(self, value: bool = True) -> ArrangementQuerySet:
        """Filter on disputed; call after .at()/.current()/.as_of()."""
        return self.filter(at_disputed=value)

    def due_for_flagging(self, now: dt.datetime | None = None) -> ArrangementQuerySet:
        """Unflagged arrangements whose staleness deadline has passed (served by agreements_arr_due_idx)."""
        return self.filter(stale_since__isnull=True, stale_after__isnull=False, stale_after__lte=now or timezone.now())

    def with_related(self) -> ArrangementQuerySet:
        return self.select_related("sending_state", "receiving_country")


class StatusChangeQuerySet(models.QuerySet):
    def for_sending_state(self, country: Any) -> StatusChangeQuerySet:
        return self.filter(country_filter("arrangement__sending_state", country))

    def for_receiving_country(self, country: Any) -> StatusChangeQuerySet:
        return self.filter(country_filter("arrangement__receiving_country", country))

    def latest_first(self) -> StatusChangeQuerySet:
        return self.order_by(*LATEST_FIRST)

    def with_related(self) -> StatusChangeQuerySet:
        return self.select_related("arrangement__sending_state", "arrangement__receiving_country").prefetch_related(
            "sources"
        )


class StatementQuerySet(models.QuerySet):
    def for_sending_state(self, country: Any) -> StatementQuerySet:
        return self.filter(country_filter("sending_state", country))

    def concerning(self, country: Any) -> StatementQuerySet:
        """Statements about an arrangement in which the country is the receiving country."""
        Through = _model("Statement").arrangements.through
        return self.filter(
            Exists(
                Through.objects.filter(
                    statement=OuterRef("pk"),
                    **{"arrangement__receiving_country__in": country_filter_codes(country)},
                )
            )
        )

    def latest_first(self) -> StatementQuerySet:
        return self.order_by(*LATEST_FIRST)

    def with_related(self) -> StatementQuerySet:
        return self.select_related("actor", "actor__country", "sending_state").prefetch_related(
            "sources", "arrangements__receiving_country", "status_changes"
        )


class SourceQuerySet(models.QuerySet):
    pass


def country_filter_codes(countries: Any) -> list[str]:
    if isinstance(countries, (str, models.Model)):
        countries = [countries]
    return [c.pk if isinstance(c, models.Model) else str(c).upper() for c in countries]


class GroupConcat(models.Aggregate):
    """Values joined into one string (in no particular order): GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    SEPARATOR = "\x1f"  # the ASCII unit separator: never in reported text

    def __init__(self, expression: Any, **extra: Any):
        super().__init__(expression, Value(self.SEPARATOR), output_field=models.TextField(), **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="STRING_AGG", **extra)


def joined(model: Any, link: str, value: str) -> Subquery:
    """A correlated subquery: `value` of every `model` row whose `link` is the outer row, as one GroupConcat string."""
    return Subquery(
        model.objects.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(joined=GroupConcat(value))
        .values("joined"),
        output_field=models.TextField(),
    )
