"""The models of transfers: who was sent (the nationalities of the people of a transfer) and how many in all (the
cumulative totals the sources report). Split from models.py by seam; models.py imports them, so callers keep
`from agreements.models import ...`. Written only through agreements.services, with history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from .dates import format_partial_date, humanize_partial_date
from .models import Arrangement, Country, Source, Statement, StatusChange
from .querysets import PeopleBasis, ReportedTotalQuerySet, joined_day, joined_rows, joined_source


class TransferNationality(models.Model):
    """A citizenship of the people transferred in one status change, with how many of them held it when the
    sources say (`count` empty: named without a number)."""

    status_change = models.ForeignKey(StatusChange, on_delete=models.CASCADE, related_name="nationalities")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="transfers_of_nationals")
    count = models.PositiveIntegerField(null=True, blank=True, help_text="People of this nationality, when given.")
    history = HistoricalRecords()

    class Meta:
        # The order given (the sources' order, kept by the export): ids follow it.
        ordering = ["status_change", "id"]
        verbose_name_plural = "transfer nationalities"
        constraints = [
            models.UniqueConstraint(fields=["status_change", "country"], name="agreements_nationality_once"),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gte=0), name="agreements_nationality_count_nonnegative"
            ),
        ]
        indexes = [
            # The transfers filter and the nationalities facet: the transfers that carried citizens of a country.
            models.Index(fields=["country", "status_change"], name="agreements_nat_country_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.country_id}:{self.count}" if self.count is not None else str(self.country_id)


class ReportedTotal(models.Model):
    """A cumulative number of people transferred under an arrangement up to the date of the event that reports it
    (a status change, or a statement about that one arrangement), as one of its sources gives it."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="reported_totals")
    status_change = models.ForeignKey(
        StatusChange, null=True, blank=True, on_delete=models.CASCADE, related_name="reported_totals"
    )
    statement = models.ForeignKey(
        Statement, null=True, blank=True, on_delete=models.CASCADE, related_name="reported_totals"
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="reported_totals")
    people = models.PositiveIntegerField(help_text="People transferred under the arrangement so far, as reported.")
    history = HistoricalRecords()

    # A total's date is its event's (never a copy that a correction could leave behind), for the reads.
    EVENT_DATE = Coalesce("status_change__date", "statement__date")
    EVENT_PRECISION = Coalesce("status_change__date_precision", "statement__date_precision")
    EVENT_RECORDED = Coalesce("status_change__recorded_at", "statement__recorded_at")

    objects = ReportedTotalQuerySet.as_manager()

    class Meta:
        ordering = ["arrangement", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status_change__isnull=True, statement__isnull=False)
                | Q(status_change__isnull=False, statement__isnull=True),
                name="agreements_total_one_event",
            ),
            models.CheckConstraint(condition=Q(people__gte=0), name="agreements_total_people_nonnegative"),
            models.UniqueConstraint(
                fields=["status_change", "source"],
                condition=Q(status_change__isnull=False),
                name="agreements_total_change_source",
            ),
            models.UniqueConstraint(
                fields=["statement", "source"],
                condition=Q(statement__isnull=False),
                name="agreements_total_statement_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.arrangement}: {self.people} so far ({self.date_display})"

    @property
    def event(self) -> StatusChange | Statement:
        """The status change or statement that reports it: its date is the total's date."""
        return self.status_change or self.statement  # type: ignore[return-value]

    @property
    def date_display(self) -> str:
        return humanize_partial_date(self.event.date, self.event.date_precision)

    @property
    def date_iso(self) -> str:
        return format_partial_date(self.event.date, self.event.date_precision)


@dataclass
class PeopleFigure:
    """An arrangement's people transferred as a reader is shown it: "at least `people`", which way of counting gave
    it (`basis`), both ways (`counted` over `transfers` transfers with a number, and the latest reported total),
    and the sources of each."""

    people: int | None
    basis: str
    counted: int | None
    reported: int | None
    reported_date: str = ""  # at its precision
    reported_display: str = ""  # "March 2026"
    reported_source: Source | None = None
    transfers: int = 0
    counted_sources: list[Source] = field(default_factory=list)

    @classmethod
    def of(cls, arrangement: Any) -> PeopleFigure:
        """From an arrangement read with .at() (and .with_evidence() or .with_people_sources() for the sources)."""
        total = next(iter(joined_rows(getattr(arrangement, "people_total_joined", None))), None)
        counted = joined_rows(getattr(arrangement, "people_counted_joined", None))
        sources = {row["source_id"]: joined_source(row) for row in counted}
        day = joined_day(total["date"]) if total else None
        precision = total["precision"] if total else ""
        return cls(
            people=arrangement.at_people,
            basis=arrangement.at_people_basis or "",
            counted=arrangement.at_people_counted,
            reported=arrangement.at_people_reported,
            reported_date=format_partial_date(day, precision) if day else "",
            reported_display=humanize_partial_date(day, precision) if day else "",
            reported_source=joined_source(total) if total else None,
            transfers=len({row["change"] for row in counted}),
            counted_sources=sorted(sources.values(), key=lambda s: (s.published or dt.date.min, s.pk), reverse=True),
        )

    @property
    def by_total(self) -> bool:
        return self.basis == PeopleBasis.REPORTED_TOTAL

    @property
    def basis_label(self) -> str:
        return str(PeopleBasis(self.basis).label) if self.basis in PeopleBasis.values else ""

    @property
    def sources(self) -> list[Source]:
        """The sources of the figure shown: the reported total's, or those of the transfers summed."""
        if self.by_total:
            return [self.reported_source] if self.reported_source else []
        return self.counted_sources
