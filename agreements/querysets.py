"""Intent-named reads, and the rules every reader and writer of an arrangement's state shares.

An arrangement's derived state — its status, since when, people transferred, last confirmed, staleness deadline,
disputed, independent sources — is defined ONCE here, as database expressions of its event log up to a day
(`derived_state(day)`, `sources_count(day, …)`, `deadline(…)`). The write path stores them (day None: everything
on record; services.derived), `.as_of(day)` computes them for a past day, and the flag_stale job compares the
stored deadline with the clock, so the map today and the map "as of today" can never disagree.

Reads put the state under the same annotation names whether current (`.current()`, the stored fields) or past
(`.as_of(d)`): `at_status`, `at_status_date`, `at_status_precision`, `at_people`, `at_confirmed`,
`at_stale_after`, `at_stale`, `at_disputed`, `at_sources_count`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DurationField,
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
from django.db.models.functions import Cast, Coalesce, Greatest, JSONObject, NullIf
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import Country

LATEST_FIRST = ("-date", "-recorded_at", "-id")
_EPOCH = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)  # "never", inside Greatest (SQLite's MAX is NULL if any is NULL)
_NONE = -1  # "no figure", inside Greatest: every count is 0 or more


class PeopleBasis(models.TextChoices):
    """Which way of counting gives an arrangement's people transferred (the larger of the two; a tie: the total)."""

    REPORTED_TOTAL = "reported_total", _("the latest reported total")
    SUM_OF_TRANSFERS = "sum_of_transfers", _("the sum of the transfers reported with a number")


def _model(name: str) -> Any:
    return apps.get_model("agreements", name)


def stale_windows() -> dict[str, int | None]:
    """Staleness window in days per status (settings.STALENESS_WINDOWS; None means never stale, on purpose)."""
    return dict(settings.STALENESS_WINDOWS)


def end_of(day: dt.date | None) -> dt.datetime:
    """The moment a read looks at: the end of `day` (its last microsecond, UTC), but never later than now."""
    now = timezone.now()
    if day is None or day >= dt.date.max - dt.timedelta(days=1):
        return now
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC) - dt.timedelta(microseconds=1)
    return min(end, now)


def country_codes(countries: Any) -> list[str]:
    """ISO alpha-2 codes from Country objects, codes, or a mix."""
    if isinstance(countries, (str, models.Model)):
        countries = [countries]
    return [c.pk if isinstance(c, models.Model) else str(c).upper() for c in countries]


def country_filter(field: str, countries: Any) -> Q:
    """Q matching a country given as Country objects, ISO alpha-2 codes, or a mix."""
    return Q() if countries is None else Q(**{f"{field}__in": country_codes(countries)})


# ---------------------------------------------------------------------------------------------------------------
# The derived state of an arrangement, as expressions over its event log up to the end of a day (None: all of it).


def _changes(day: dt.date | None, **extra: Any) -> models.QuerySet:
    """The arrangement's status changes (retracted excluded by the default manager), up to `day`."""
    qs = _model("StatusChange").objects.filter(arrangement=OuterRef("pk"), **extra)
    return qs if day is None else qs.filter(date__lte=day)


def last_confirmed(day: dt.date | None) -> Any:
    """THE rule for "last confirmed": the latest status change, statement, publication of a source of either, or
    editor's verification — retracted records excluded — up to the end of `day`. NULL when there is none."""
    Statement, Source, Verification = _model("Statement"), _model("Source"), _model("Verification")
    statements = Statement.objects.filter(arrangements=OuterRef("pk"))
    change_sources = Source.objects.filter(
        status_changes__arrangement=OuterRef("pk"), status_changes__retracted_at__isnull=True, published__isnull=False
    )
    statement_sources = Source.objects.filter(
        statements__arrangements=OuterRef("pk"), statements__retracted_at__isnull=True, published__isnull=False
    )
    verifications = Verification.objects.filter(arrangement=OuterRef("pk"))
    if day is not None:
        statements = statements.filter(date__lte=day)
        change_sources = change_sources.filter(status_changes__date__lte=day, published__lte=day)
        statement_sources = statement_sources.filter(statements__date__lte=day, published__lte=day)
        verifications = verifications.filter(verified_at__lte=end_of(day))

    def latest(qs: models.QuerySet, field: str, *, is_date: bool = True) -> Coalesce:
        value: Any = Subquery(qs.order_by(f"-{field}").values(field)[:1])
        if is_date:  # a day counts from its first moment (UTC)
            value = Cast(value, DateTimeField())
        return Coalesce(value, Value(_EPOCH), output_field=DateTimeField())

    return NullIf(
        Greatest(
            latest(_changes(day), "date"),
            latest(statements, "date"),
            latest(change_sources, "published"),
            latest(statement_sources, "published"),
            latest(verifications, "verified_at", is_date=False),
        ),
        Value(_EPOCH),
    )


def window(status: str) -> Case:
    """The staleness window of the status held in `status` (a field or annotation name), as a duration; NULL for
    a status that never goes stale."""
    whens = [
        When(Q(**{status: value}), then=Value(dt.timedelta(days=days), output_field=DurationField()))
        for value, days in stale_windows().items()
        if days is not None
    ]
    return Case(*whens, default=Value(None, output_field=DurationField()), output_field=DurationField())


def deadline(status: str, confirmed: str) -> ExpressionWrapper:
    """THE rule for "stale after": last confirmed + the status's window (NULL: never stale)."""
    return ExpressionWrapper(F(confirmed) + window(status), output_field=DateTimeField())


def stale_at(stale_after: str, moment: dt.datetime) -> Case:
    """Stale at `moment` when its deadline has come (a NULL deadline never comes)."""
    return Case(When(Q(**{f"{stale_after}__lte": moment}), then=Value(True)), default=Value(False))


def disputed(day: dt.date | None) -> Case:
    """The two governments' latest confirms/denies statements (up to `day`) contradict each other."""
    Statement, Actor = _model("Statement"), _model("Actor")
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

    confirms, denies = Statement.Stance.CONFIRMS.value, Statement.Stance.DENIES.value
    sending, receiving = position("sending_state"), position("receiving_country")

    def sides(a: str, b: str) -> Q:
        return Q(Exact(sending, Value(a))) & Q(Exact(receiving, Value(b)))

    return Case(
        When(sides(confirms, denies) | sides(denies, confirms), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def sources_count(day: dt.date | None, status: str) -> Coalesce:
    """THE rule for "backed by N independent publishers": the distinct origins (a source without an origin counts
    as its publisher; compared by name key, so in any case and spacing, in every alphabet) of the sources of the
    changes that set the status held in `status`, up to `day`. Three copies of one Reuters story count once."""
    Through = _model("StatusChange").sources.through
    backing = Through.objects.filter(
        statuschange__arrangement=OuterRef("pk"),
        statuschange__status=OuterRef(status),
        statuschange__retracted_at__isnull=True,
    )
    if day is not None:
        backing = backing.filter(statuschange__date__lte=day)
    backing = (
        backing.order_by()
        .values("statuschange__arrangement")
        .annotate(n=Count("source__origin_key", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(backing, output_field=IntegerField()), Value(0))


def reported_totals(day: dt.date | None) -> models.QuerySet:
    """The arrangement's reported cumulative totals up to `day` (those of retracted events excluded), latest first."""
    return _model("ReportedTotal").objects.standing().filter(arrangement=OuterRef("pk")).up_to(day).latest_first()


def people_rule(counted: Any, reported: Any) -> dict[str, Any]:
    """THE rule for "people transferred", from the sum of the transfers reported with a number (`counted`) and the
    latest reported cumulative total (`reported`), both expressions: the larger of the two, NULL when there is
    neither (`at_people`), and which of the two it is (`at_people_basis`, PeopleBasis; on a tie the reported total,
    which a source states in one figure)."""
    c, r = Coalesce(counted, Value(_NONE)), Coalesce(reported, Value(_NONE))
    return {
        "at_people": NullIf(Greatest(c, r), Value(_NONE), output_field=IntegerField()),
        "at_people_basis": Case(
            When(Q(GreaterThanOrEqual(r, c)) & Q(GreaterThan(r, Value(_NONE))), then=Value(PeopleBasis.REPORTED_TOTAL)),
            When(Q(GreaterThan(c, Value(_NONE))), then=Value(PeopleBasis.SUM_OF_TRANSFERS)),
            default=Value(""),
            output_field=models.CharField(),
        ),
    }


def people_state(day: dt.date | None) -> dict[str, Any]:
    """People transferred as of the end of `day` (people_rule): the sum of the transfers reported with a number
    (`at_people_counted`), the latest reported total (`at_people_reported`, the ReportedTotal `at_people_total`),
    and the figure with its basis."""
    counted = Subquery(
        _changes(day, people__isnull=False).order_by().values("arrangement").annotate(n=Sum("people")).values("n"),
        output_field=IntegerField(),
    )
    latest = reported_totals(day)
    reported = Subquery(latest.values("people")[:1], output_field=IntegerField())
    return {
        "at_people_counted": counted,
        "at_people_reported": reported,
        "at_people_total": Subquery(latest.values("pk")[:1], output_field=IntegerField()),
        **people_rule(counted, reported),
    }


def derived_state(day: dt.date | None) -> dict[str, Any]:
    """Status, since when, people (people_state), last confirmed and disputed, as of the end of `day` (None:
    everything)."""
    latest = _changes(day).order_by(*LATEST_FIRST)
    return {
        "at_status": Subquery(latest.values("status")[:1]),
        "at_status_date": Subquery(latest.values("date")[:1]),
        "at_status_precision": Subquery(latest.values("date_precision")[:1]),
        **people_state(day),
        "at_confirmed": last_confirmed(day),
        "at_disputed": disputed(day),
    }


# ---------------------------------------------------------------------------------------------------------------
# Querysets


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
        """Arrangements with a status, annotated with their stored current state ("stale" is live)."""
        return self.exclude(status="").annotate(
            at_status=F("status"),
            at_status_date=F("status_date"),
            at_status_precision=F("status_precision"),
            at_people=F("people_transferred"),
            at_people_counted=F("people_counted"),
            at_people_reported=F("people_reported"),
            at_people_total=F("people_total_id"),
            at_people_basis=F("people_basis"),
            at_confirmed=F("last_confirmed_at"),
            at_stale_after=F("stale_after"),
            at_stale=stale_at("stale_after", timezone.now()),
            at_disputed=F("disputed"),
            at_sources_count=F("sources_count"),
        )

    def as_of(self, day: dt.date) -> ArrangementQuerySet:
        """Arrangements as they stood at the end of `day`; those with no status change by then are absent."""
        return (
            self.annotate(**derived_state(day))
            .filter(at_status__isnull=False)
            .annotate(
                at_sources_count=sources_count(day, "at_status"), at_stale_after=deadline("at_status", "at_confirmed")
            )
            .annotate(at_stale=stale_at("at_stale_after", end_of(day)))
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

    def with_terms(self) -> ArrangementQuerySet:
        """Annotate each arrangement's known terms with their sources, in the same query (Arrangement.term_list)."""
        term = {"id": "id", "kind": "kind", "value": "value", "date": "date", "precision": "date_precision"}
        return self.annotate(terms_joined=joined_json(_model("Term"), "arrangement", term | source_json_fields()))

    def with_evidence(self, day: dt.date | None = None) -> ArrangementQuerySet:
        """What the evidence block shows, in the same query: the terms, and the sources of the changes (up to `day`)
        that set the status shown (Arrangement.backing_sources). Call after .at()."""
        Through = _model("StatusChange").sources.through
        backing = Through.objects.filter(
            statuschange__status=OuterRef("at_status"), statuschange__retracted_at__isnull=True
        )
        if day is not None:
            backing = backing.filter(statuschange__date__lte=day)
        return (
            self.with_terms()
            .with_people_sources(day)
            .annotate(backing_joined=joined_json(backing, "statuschange__arrangement", source_json_fields()))
        )

    def with_people_sources(self, day: dt.date | None = None) -> ArrangementQuerySet:
        """The sources of both ways of counting people transferred (up to `day`), in the same query
        (Arrangement.people_figure): the latest reported total with its source and date, and the sources of the
        transfers reported with a number. Call after .at()."""
        Through, Total = _model("StatusChange").sources.through, _model("ReportedTotal")
        counted = Through.objects.filter(statuschange__people__isnull=False, statuschange__retracted_at__isnull=True)
        if day is not None:
            counted = counted.filter(statuschange__date__lte=day)
        total = Total.objects.filter(pk=OuterRef("at_people_total"))
        total_fields = {"people": "people", "date": Total.EVENT_DATE, "precision": Total.EVENT_PRECISION}
        return self.annotate(
            people_total_joined=joined_json(total, "arrangement", total_fields | source_json_fields()),
            people_counted_joined=joined_json(
                counted,
                "statuschange__arrangement",
                {"change": "statuschange_id", "people": "statuschange__people"} | source_json_fields(),
            ),
        )


class CountryQuerySet(models.QuerySet):
    def with_arrangements(self, sending_state: Any, as_of: dt.date | None = None) -> list[tuple[Any, Any]]:
        """Every country with its arrangement for one sending state (None where there is none): two queries."""
        Arrangement = _model("Arrangement")
        states = {a.receiving_country_id: a for a in Arrangement.objects.for_sending_state(sending_state).at(as_of)}
        countries: list[Any] = list(self.order_by("name"))
        return [(country, states.get(country.pk)) for country in countries]

    def with_senders(self, as_of: dt.date | None = None) -> list[tuple[Any, list[Any]]]:
        """Every country with every arrangement in which it receives (as of a day), the most advanced status first
        (Arrangement.by_precedence): two queries however many sending states."""
        Arrangement = _model("Arrangement")
        received: dict[str, list[Any]] = {}
        for arrangement in Arrangement.objects.at(as_of):
            received.setdefault(arrangement.receiving_country_id, []).append(arrangement)
        countries: list[Any] = list(self.order_by("name"))
        return [(country, Arrangement.by_precedence(received.get(country.pk, []))) for country in countries]


class StatusChangeQuerySet(models.QuerySet):
    def for_sending_state(self, country: Any) -> StatusChangeQuerySet:
        return self.filter(country_filter("arrangement__sending_state", country))

    def for_receiving_country(self, country: Any) -> StatusChangeQuerySet:
        return self.filter(country_filter("arrangement__receiving_country", country))

    def up_to(self, day: dt.date | None) -> StatusChangeQuerySet:
        return self if day is None else self.filter(date__lte=day)

    def latest_first(self) -> StatusChangeQuerySet:
        return self.order_by(*LATEST_FIRST)

    def with_related(self) -> StatusChangeQuerySet:
        return self.select_related("arrangement__sending_state", "arrangement__receiving_country").prefetch_related(
            "sources"
        )

    def transfers(self) -> StatusChangeQuerySet:
        """The changes that moved people: a number of people above 0, or the nationalities of those sent."""
        Nationality = _model("TransferNationality")
        return self.filter(Q(people__gt=0) | Exists(Nationality.objects.filter(status_change=OuterRef("pk"))))

    def carrying(self, country: Any) -> StatusChangeQuerySet:
        """The changes that transferred citizens of `country` (a Country, ISO alpha-2 code, or several)."""
        Nationality = _model("TransferNationality")
        nationals = Nationality.objects.filter(status_change=OuterRef("pk"), country__in=country_codes(country))
        return self.filter(Exists(nationals))

    def with_nationalities(self) -> StatusChangeQuerySet:
        """Each change's nationalities in the same query, as JSON (StatusChange.nationality_list)."""
        fields = {"id": "id", "iso2": "country_id", "name": "country__name", "count": "count"}
        return self.annotate(nationalities_joined=joined_json(_model("TransferNationality"), "status_change", fields))

    def with_cited_sources(self) -> StatusChangeQuerySet:
        """Each change's sources in the same query, as JSON (StatusChange.cited_sources)."""
        Through = _model("StatusChange").sources.through
        return self.annotate(sources_joined=joined_json(Through, "statuschange", source_json_fields()))


class StatementQuerySet(models.QuerySet):
    def for_sending_state(self, country: Any) -> StatementQuerySet:
        return self.filter(country_filter("sending_state", country))

    def concerning(self, country: Any) -> StatementQuerySet:
        """Statements about an arrangement in which the country is the receiving country."""
        Through = _model("Statement").arrangements.through
        return self.filter(
            Exists(
                Through.objects.filter(
                    statement=OuterRef("pk"), arrangement__receiving_country__in=country_codes(country)
                )
            )
        )

    def up_to(self, day: dt.date | None) -> StatementQuerySet:
        return self if day is None else self.filter(date__lte=day)

    def latest_first(self) -> StatementQuerySet:
        return self.order_by(*LATEST_FIRST)

    def with_related(self) -> StatementQuerySet:
        return self.select_related("actor", "actor__country", "sending_state").prefetch_related(
            "sources", "arrangements__receiving_country", "status_changes"
        )


class ReportedTotalQuerySet(models.QuerySet):
    def standing(self) -> ReportedTotalQuerySet:
        """Totals whose event is not retracted, each with its event's date (`on`, `on_precision`) and the moment it
        was recorded (`on_recorded`): a total is dated by the status change or statement that reports it."""
        Total: Any = self.model
        return self.filter(status_change__retracted_at__isnull=True, statement__retracted_at__isnull=True).annotate(
            on=Total.EVENT_DATE, on_precision=Total.EVENT_PRECISION, on_recorded=Total.EVENT_RECORDED
        )

    def up_to(self, day: dt.date | None) -> ReportedTotalQuerySet:
        """Call after .standing()."""
        return self if day is None else self.filter(on__lte=day)

    def latest_first(self) -> ReportedTotalQuerySet:
        """Call after .standing(): by date, then the order recorded (on the same date, the one recorded later)."""
        return self.order_by("-on", "-on_recorded", "-pk")


class SourceQuerySet(models.QuerySet):
    def by_url(self, url: str) -> SourceQuerySet:
        """The source with this URL after normalisation (a source's identity), if on record."""
        from .services.checks import normalize_url

        return self.filter(normalized_url=normalize_url(url))


def sources_of(*groups: Iterable[Any]) -> list[Any]:
    """The sources of these events (their `sources` prefetched: no query), once each, newest publication first."""
    seen: dict[int, Any] = {}
    for group in groups:
        for record in group:
            for source in record.sources.all():
                seen.setdefault(source.pk, source)
    return sorted(seen.values(), key=lambda s: (s.published or dt.date.min, s.pk), reverse=True)


def history_entries(
    kinds: Iterable[tuple[Any, str]], *, user: Any = None, limit: int = 100
) -> list[tuple[Any, str, Any]]:
    """The merged history of several models, newest first: (when, kind label, historical record). One query per
    model (the records' own relations joined in); with `user`, only that user's edits."""
    entries: list[tuple[Any, str, Any]] = []
    for model, label in kinds:
        related = [f.name for f in model.history.model._meta.fields if f.many_to_one]  # what __str__ may read
        records = model.history.select_related(*related).order_by("-history_date")
        if user is not None:
            records = records.filter(history_user=user)
        for h in records[:limit]:
            # The record as it was, with the relations already joined in (its __str__ reads them): no query each.
            h.shown = h.instance
            for name in related:
                h.shown._state.fields_cache[name] = getattr(h, name)
            entries.append((h.history_date, label, h))
    entries.sort(key=lambda t: t[0], reverse=True)
    return entries[:limit]


def latest_edit(kinds: Iterable[tuple[Any, str]]) -> dt.datetime | None:
    """When the latest edit of any of these models was recorded (None: never): one query, an indexed MAX of each
    model's history joined with UNION ALL."""
    # Grouping by a constant makes each MAX a one-row queryset that a UNION can join.
    latest = [
        model.history.order_by()
        .annotate(one=Value(1, output_field=IntegerField()))
        .values("one")
        .annotate(latest=models.Max("history_date"))
        .values_list("latest", flat=True)
        for model, _ in kinds
    ]
    if not latest:
        return None
    moments = latest[0].union(*latest[1:], all=True)
    return max((m for m in moments if m is not None), default=None)


class GroupConcat(models.Aggregate):
    """Values joined into one string (in no particular order): GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    SEPARATOR = "\x1f"  # the ASCII unit separator: never in reported text

    def __init__(self, expression: Any, **extra: Any):
        super().__init__(expression, Value(self.SEPARATOR), output_field=models.TextField(), **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="STRING_AGG", **extra)


# What a Source carries into a page from a JSON annotation (see joined_json): name → path from the source.
SOURCE_FIELDS = {
    "id": "id",
    "url": "url",
    "publisher": "publisher",
    "origin": "origin",
    "title": "title",
    "published": "published",
    "published_precision": "published_precision",
    "archive_url": "archive_url",
    "last_http_status": "last_http_status",
    "last_check_error": "last_check_error",
    "last_checked_at": "last_checked_at",
    "last_archived_at": "last_archived_at",
    "drift_found_at": "drift_found_at",
}


def source_json_fields() -> dict[str, str]:
    """SOURCE_FIELDS as joined_json() fields of a row that links to a source (`source_<name>`: joined_source)."""
    return {f"source_{name}": f"source__{path}" for name, path in SOURCE_FIELDS.items()}


def joined_json(rows: Any, link: str, fields: dict[str, Any]) -> Subquery:
    """Rows related to the outer row (`rows`: a model or a queryset, `link` the path back to it), each as a JSON
    object of `fields` (name → path or expression), joined into one string: related records in the same query as
    their parent."""
    qs = rows._default_manager.all() if isinstance(rows, type) else rows  # type: ignore[attr-defined]
    value = Cast(JSONObject(**fields), models.TextField())
    return Subquery(
        qs.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(joined=GroupConcat(value))
        .values("joined"),
        output_field=models.TextField(),
    )


def joined(model: Any, link: str, value: Any) -> Subquery:
    """A correlated subquery: `value` of every `model` row whose `link` is the outer row, as one GroupConcat string."""
    return Subquery(
        model.objects.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(joined=GroupConcat(value))
        .values("joined"),
        output_field=models.TextField(),
    )


def joined_rows(joined: str | None) -> list[dict[str, Any]]:
    """The JSON objects of a joined_json() annotation."""
    return [json.loads(text) for text in (joined or "").split(GroupConcat.SEPARATOR) if text]


def joined_day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def joined_source(row: dict[str, Any]) -> Any:
    """A Source rebuilt from the source_* fields of a joined_json() row (to show, never to save)."""
    fields = {name.removeprefix("source_"): value for name, value in row.items() if name.startswith("source_")}
    fields["published"] = joined_day(fields.get("published"))
    fields["last_check_error"] = fields.get("last_check_error") or ""
    fields["title"] = fields.get("title") or ""
    fields["origin"] = fields.get("origin") or ""
    fields["archive_url"] = fields.get("archive_url") or ""
    for name in ("last_checked_at", "last_archived_at", "drift_found_at"):
        fields[name] = joined_moment(fields.get(name))
    return _model("Source")(**fields)


def joined_moment(value: str | None) -> dt.datetime | None:
    """A timestamp from JSON (SQLite writes it with a space and without a zone: UTC)."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value.replace(" ", "T"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
