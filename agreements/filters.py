"""One FilterSet per list; the HTML page, its exports, its feed and its API endpoint all use the same one."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.widgets import DateRangeWidget
from drf_spectacular.utils import extend_schema_field

from .fields import CountryField
from .models import Actor, Arrangement, Source, Statement, StatusChange
from .services.checks import name_key


def _country_codes() -> list[str]:
    rows = json.loads((Path(settings.BASE_DIR) / "fixtures" / "countries.json").read_text(encoding="utf-8"))
    return sorted({r["iso2"] for r in rows} | {r["iso3"] for r in rows})


# How a country is documented wherever one is given (filters and API input): its ISO codes. (The one country parser
# reads English names too, for people typing; scripts use codes.)
COUNTRY_CODES = _country_codes()
COUNTRY_CODE_SCHEMA = {"type": "string", "enum": COUNTRY_CODES, "description": "ISO alpha-2 or alpha-3."}


@extend_schema_field(COUNTRY_CODE_SCHEMA)
class CountryCodeFilter(filters.CharFilter):
    """Filters on a country field; an unknown country is a form error (400 naming the field)."""

    field_class = CountryField

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("code", True)
        super().__init__(*args, **kwargs)


YES_NO = forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))])
DATE = forms.DateInput(attrs={"type": "date"})


def date_range() -> DateRangeWidget:
    """Two date inputs, each named for what it is ("From", "To"): the fieldset's legend says of what."""
    widget = DateRangeWidget(attrs={"type": "date"})
    widget.widgets = [copy.deepcopy(widget.widgets[0]), copy.deepcopy(widget.widgets[1])]
    widget.widgets[0].attrs["aria-label"] = _("From")
    widget.widgets[1].attrs["aria-label"] = _("To")
    return widget


class LinkHealth:
    OK = "ok"
    DEAD = "dead"
    UNCHECKED = "unchecked"
    CHOICES = [(OK, _("Link works")), (DEAD, _("Link dead")), (UNCHECKED, _("Not checked yet"))]


def _text(queryset: QuerySet, value: str, *fields: str, keys: tuple[str, ...] = ()) -> QuerySet:
    """Rows where any of `fields` contains the text (icontains), or any of the name-key fields `keys` contains its
    name key (so names match in any case in every alphabet, which SQLite's LIKE does only for ASCII)."""
    value = value.strip()
    if not value:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": value})
    for field in keys:
        condition |= Q(**{f"{field}__contains": name_key(value)})
    return queryset.filter(condition)


class TextSearch(filters.FilterSet):
    """A FilterSet whose `q` searches the `text_fields` (case-insensitive, any of them) and the `key_fields`."""

    text_fields: tuple[str, ...] = ()
    key_fields: tuple[str, ...] = ()

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _text(queryset, value, *self.text_fields, keys=self.key_fields)


class ArrangementFilter(filters.FilterSet):
    sending_state = CountryCodeFilter(
        field_name="sending_state", label=_("Sending state"), help_text=_("ISO alpha-2 or alpha-3, e.g. US.")
    )
    receiving_country = CountryCodeFilter(
        field_name="receiving_country", label=_("Receiving country"), help_text=_("ISO alpha-2 or alpha-3.")
    )
    region = filters.CharFilter(field_name="receiving_country__region", lookup_expr="iexact", label=_("Region"))
    subregion = filters.CharFilter(
        field_name="receiving_country__subregion", lookup_expr="iexact", label=_("Subregion")
    )
    status = filters.MultipleChoiceFilter(
        field_name="at_status", choices=Arrangement.Status.choices, label=_("Status"), help_text=_("Repeatable.")
    )
    stale = filters.BooleanFilter(field_name="at_stale", label=_("Not verified recently"), widget=YES_NO)
    disputed = filters.BooleanFilter(field_name="at_disputed", label=_("Disputed"), widget=YES_NO)
    as_of = filters.DateFilter(
        method="filter_as_of",
        label=_("As of"),
        widget=DATE,
        help_text=_("YYYY-MM-DD: everything as it stood at the end of that day."),
    )
    status_since = filters.DateFromToRangeFilter(
        field_name="at_status_date",
        label=_("Status since"),
        widget=date_range(),
        help_text=_("From / to (YYYY-MM-DD)."),
    )
    q = filters.CharFilter(
        method="filter_text", label=_("Text"), help_text=_("In the country names, summary or notes.")
    )

    class Meta:
        model = Arrangement
        fields: list[str] = []

    def filter_queryset(self, queryset: Any) -> Any:
        # The state (current or as of a date) must be annotated before status/stale/disputed can filter on it.
        return super().filter_queryset(queryset.at(self.form.cleaned_data.get("as_of")))

    def filter_as_of(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset  # applied in filter_queryset

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        notes = StatusChange.objects.filter(arrangement=OuterRef("pk"), note__icontains=value)
        return queryset.filter(
            Q(receiving_country__name__icontains=value)
            | Q(receiving_country__iso_name__icontains=value)
            | Q(sending_state__name__icontains=value)
            | Q(summary__icontains=value)
            | Exists(notes)
        )


class StatementFilter(TextSearch):
    actor = filters.CharFilter(
        field_name="actor__slug", label=_("Actor"), help_text=_("The actor's slug, e.g. marco-rubio.")
    )
    actor_kind = filters.MultipleChoiceFilter(
        field_name="actor__kind", choices=Actor.Kind.choices, label=_("Actor kind")
    )
    stance = filters.MultipleChoiceFilter(
        choices=Statement.Stance.choices, label=_("Stance"), help_text=_("Repeatable.")
    )
    sending_state = CountryCodeFilter(field_name="sending_state", label=_("Sending state"))
    receiving_country = CountryCodeFilter(
        method="filter_receiving", label=_("Receiving country"), help_text=_("Statements concerning it.")
    )
    date = filters.DateFromToRangeFilter(widget=date_range(), label=_("Date"), help_text=_("From / to (YYYY-MM-DD)."))
    has_quote = filters.BooleanFilter(
        method="filter_has_quote",
        label=_("Has a verbatim quote"),
        widget=YES_NO,
        help_text=_("Yes: only verbatim words."),
    )
    q = filters.CharFilter(
        method="filter_text", label=_("Text"), help_text=_("In the quote, paraphrase or actor's name.")
    )

    text_fields = ("quote", "paraphrase", "actor__name", "actor__role")

    class Meta:
        model = Statement
        fields: list[str] = []

    def filter_receiving(self, queryset: QuerySet, name: str, value: str | None) -> QuerySet:
        return queryset.concerning(value) if value else queryset  # type: ignore[attr-defined]

    def filter_has_quote(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.exclude(quote="") if value else queryset.filter(quote="")


class StatusChangeFilter(TextSearch):
    sending_state = CountryCodeFilter(field_name="arrangement__sending_state", label=_("Sending state"))
    receiving_country = CountryCodeFilter(field_name="arrangement__receiving_country", label=_("Receiving country"))
    status = filters.MultipleChoiceFilter(
        choices=Arrangement.Status.choices, label=_("Status"), help_text=_("Repeatable.")
    )
    nationality = CountryCodeFilter(
        method="filter_nationality",
        label=_("Nationalities"),
        help_text=_("Transfers that carried citizens of this country (ISO alpha-2 or alpha-3)."),
    )
    transfer = filters.BooleanFilter(
        method="filter_transfer",
        label=_("Transfers"),
        widget=YES_NO,
        help_text=_("Yes: only the changes that moved people (a number, or their nationalities)."),
    )
    date = filters.DateFromToRangeFilter(widget=date_range(), label=_("Date"), help_text=_("From / to (YYYY-MM-DD)."))
    q = filters.CharFilter(
        method="filter_text", label=_("Text"), help_text=_("In the note or the receiving country's name.")
    )

    text_fields = ("note", "arrangement__receiving_country__name")

    class Meta:
        model = StatusChange
        fields: list[str] = []

    def filter_nationality(self, queryset: QuerySet, name: str, value: str | None) -> QuerySet:
        return queryset.carrying(value) if value else queryset  # type: ignore[attr-defined]

    def filter_transfer(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        transfers = queryset.model.objects.transfers().values("pk")  # type: ignore[attr-defined]
        return queryset.filter(pk__in=transfers) if value else queryset.exclude(pk__in=transfers)


class TransferFilter(StatusChangeFilter):
    """The transfers (/api/v1/transfers/): the status-change list's filters, and the record as of a day."""

    as_of = filters.DateFilter(
        field_name="date",
        lookup_expr="lte",
        label=_("As of"),
        widget=DATE,
        help_text=_("YYYY-MM-DD: the transfers on record by the end of that day."),
    )

    class Meta(StatusChangeFilter.Meta):
        pass


class SourceFilter(TextSearch):
    publisher = filters.CharFilter(
        method="filter_publisher", label=_("Publisher"), help_text=_("In the publisher or the origin, in any case.")
    )
    kind = filters.MultipleChoiceFilter(choices=Source.Kind.choices, label=_("Kind"), help_text=_("Repeatable."))
    link = filters.ChoiceFilter(choices=LinkHealth.CHOICES, method="filter_link", label=_("Link health"))
    published = filters.DateFromToRangeFilter(
        widget=date_range(), label=_("Published"), help_text=_("From / to (YYYY-MM-DD).")
    )
    q = filters.CharFilter(
        method="filter_text", label=_("Text"), help_text=_("In the publisher, origin, title or URL.")
    )

    text_fields = ("title", "url")
    key_fields = ("publisher_key", "origin_key")

    class Meta:
        model = Source
        fields: list[str] = []

    def filter_publisher(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _text(queryset, value, keys=self.key_fields)

    def filter_link(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == LinkHealth.OK:
            return queryset.filter(last_http_status__lt=400, last_check_error="")
        if value == LinkHealth.DEAD:
            return queryset.filter(Q(last_http_status__gte=400) | ~Q(last_check_error=""))
        if value == LinkHealth.UNCHECKED:
            return queryset.filter(last_checked_at__isnull=True)
        return queryset


class ActorFilter(TextSearch):
    kind = filters.MultipleChoiceFilter(choices=Actor.Kind.choices, label=_("Kind"), help_text=_("Repeatable."))
    country = CountryCodeFilter(field_name="country", label=_("Speaks for"), help_text=_("ISO alpha-2 or alpha-3."))
    q = filters.CharFilter(method="filter_text", label=_("Text"), help_text=_("In the name or role."))

    text_fields = ("role",)
    key_fields = ("name_key",)

    class Meta:
        model = Actor
        fields: list[str] = []


class CountryFilter(TextSearch):
    region = filters.CharFilter(lookup_expr="iexact")
    subregion = filters.CharFilter(lookup_expr="iexact")
    q = filters.CharFilter(method="filter_text", help_text=_("Text in the name or codes."))

    text_fields = ("name", "iso_name", "iso2", "iso3")

    class Meta:
        from .models import Country

        model = Country
        fields: list[str] = []
