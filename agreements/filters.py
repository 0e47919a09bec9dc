"""One FilterSet per list; the HTML page, its exports and its API endpoint all use the same one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_filters import rest_framework as filters

from .models import Arrangement, Country, StatusChange
from .reference import country_lookup


class CountryCodeField(forms.CharField):
    """A country as ISO alpha-2 or alpha-3 (or English name), cleaned to its alpha-2 code."""

    def clean(self, value: Any) -> str | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        country = country_lookup().get(text.casefold())
        if country is None:
            raise ValidationError(f"Unknown country {text[:100]!r}: use ISO alpha-2 or alpha-3.")
        return str(country.pk)


class CountryCodeFilter(filters.CharFilter):
    """Filters on a country field; an unknown country is a form error (400 naming the field)."""

    field_class = CountryCodeField


class ArrangementFilter(filters.FilterSet):
    sending_state = CountryCodeFilter(field_name="sending_state", help_text="ISO alpha-2 or alpha-3, e.g. US.")
    receiving_country = CountryCodeFilter(field_name="receiving_country", help_text="ISO alpha-2 or alpha-3.")
    status = filters.MultipleChoiceFilter(
        field_name="at_status", choices=Arrangement.Status.choices, help_text="Repeatable."
    )
    region = filters.CharFilter(field_name="receiving_country__region", lookup_expr="iexact")
    subregion = filters.CharFilter(field_name="receiving_country__subregion", lookup_expr="iexact")
    stale = filters.BooleanFilter(field_name="at_stale")
    disputed = filters.BooleanFilter(field_name="at_disputed")
    as_of = filters.DateFilter(
        method="filter_as_of", help_text="YYYY-MM-DD: everything as it stood at the end of that day."
    )
    q = filters.CharFilter(method="filter_text", help_text="Text in the country names, summary or notes.")

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


__all__ = ["ArrangementFilter", "Country"]
