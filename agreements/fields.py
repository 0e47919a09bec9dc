"""Form fields shared by the editor forms, the list filters and the map's query: one parser per input kind."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .dates import DateFormatError, parse_partial_date
from .reference import parse_country


class CountryField(forms.CharField):
    """A country as ISO alpha-2 or alpha-3 (or an English name), through the one country parser.

    Cleans to the Country, or with `code=True` to its alpha-2 code (what filters and URLs carry).
    """

    def __init__(self, *, code: bool = False, **kwargs: Any):
        self.code = code
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        country = parse_country(text)
        if country is None:
            raise ValidationError(f"Unknown country {text[:100]!r}: use ISO alpha-2 or alpha-3, or the English name.")
        return str(country.pk) if self.code else country


class SendingStateField(CountryField):
    """A sending state as CountryField reads it, or "all" (any case) for every sending state at once."""

    ALL = "all"

    def clean(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip().casefold() == self.ALL:
            return self.ALL
        return super().clean(value)


class PartialDateField(forms.CharField):
    """YYYY-MM-DD, YYYY-MM or YYYY, cleaned to (first day of the period, precision)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("help_text", "YYYY-MM-DD, or YYYY-MM or YYYY when only the month or year is known.")
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "2025-05-05", "inputmode": "numeric"}))
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> tuple[dt.date, str] | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        try:
            return parse_partial_date(text)
        except DateFormatError as exc:
            raise ValidationError(f"{exc} (got {text[:30]!r}).") from None
