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


class ParsedField(forms.CharField):
    """A text field cleaned by one parser: empty text is the field's empty value, any other goes through `parse`
    (which raises ValidationError with the message to show)."""

    def clean(self, value: Any) -> Any:
        text = (super().clean(value) or "").strip()
        return self.parse(text) if text else self.empty_value

    def parse(self, text: str) -> Any:
        raise NotImplementedError


class CountryField(ParsedField):
    """A country as ISO alpha-2 or alpha-3 (or an English name), through the one country parser.

    Cleans to the Country, or with `code=True` to its alpha-2 code (what filters and URLs carry).
    """

    def __init__(self, *, code: bool = False, **kwargs: Any):
        self.code = code
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("empty_value", None)
        super().__init__(**kwargs)

    def parse(self, text: str) -> Any:
        country = parse_country(text)
        if country is None:
            raise ValidationError(f"Unknown country {text[:100]!r}: use ISO alpha-2 or alpha-3, or the English name.")
        return str(country.pk) if self.code else country


class HttpUrlField(ParsedField):
    """An http(s) URL through the one URL rule (`services.checks.clean_http_url`), cleaned to the URI a browser
    would request; what the rule refuses (another scheme, a user name or password, a port past 65535) is this
    field's error."""

    widget = forms.URLInput

    def parse(self, text: str) -> str:
        try:
            return clean_http_url(text)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from None


class SendingStateField(CountryField):
    """A sending state as CountryField reads it, or "all" (any case) for every sending state at once."""

    ALL = "all"

    def clean(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip().casefold() == self.ALL:
            return self.ALL
        return super().clean(value)


class PartialDateField(ParsedField):
    """YYYY-MM-DD, YYYY-MM or YYYY, cleaned to (first day of the period, precision)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("help_text", "YYYY-MM-DD, or YYYY-MM or YYYY when only the month or year is known.")
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "2025-05-05", "inputmode": "numeric"}))
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("empty_value", None)
        super().__init__(**kwargs)

    def parse(self, text: str) -> tuple[dt.date, str]:
        try:
            return parse_partial_date(text)
        except DateFormatError as exc:
            raise ValidationError(f"{exc} (got {text[:30]!r}).") from None
