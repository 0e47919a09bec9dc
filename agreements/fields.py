"""Form fields shared by the editor forms, the list filters and the map's query: one parser per input kind, and the
bounds of every whole-number input (for Django form and DRF serializer fields alike)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django import forms
from django.core.exceptions import ValidationError

from .dates import DateFormatError, parse_partial_date
from .reference import parse_country
from .services.checks import MAX_INT, clean_http_url


class Bounds(TypedDict):
    min_value: int
    max_value: int


def count_bounds(minimum: int = 0) -> Bounds:
    """`min_value` and `max_value` for a whole-number form or serializer field: nothing past what an integer column
    holds reaches the database (where it would be an overflow, a 500)."""
    return {"min_value": minimum, "max_value": MAX_INT}


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


class HttpUrlField(forms.CharField):
    """An http(s) URL through the one URL rule (`services.checks.clean_http_url`), cleaned with its scheme in lower
    case; what the rule refuses (another scheme, a user name or password, a port past 65535) is this field's error."""

    widget = forms.URLInput

    def clean(self, value: Any) -> str:
        text = (super().clean(value) or "").strip()
        if not text:
            return text
        try:
            return clean_http_url(text)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from None


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
