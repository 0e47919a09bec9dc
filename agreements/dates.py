"""Dates with a precision: reported facts often have only a month or a year.

A date is stored as the first day of its period plus a precision; it is written back at that precision
("2025-05" stays "2025-05") and shown to readers accordingly ("May 2025").
"""

import datetime as dt
import re

from django.db import models
from django.utils.translation import gettext_lazy as _

_FORMS = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "day"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})$"), "year"),
)


class Precision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class DateFormatError(ValueError):
    """A text that is not YYYY-MM-DD, YYYY-MM or YYYY, or not a real date."""


def parse_partial_date(text: str) -> tuple[dt.date, str]:
    """Parse `YYYY-MM-DD`, `YYYY-MM` or `YYYY` into (first day of the period, precision)."""
    text = text.strip()
    for pattern, precision in _FORMS:
        match = pattern.match(text)
        if not match:
            continue
        parts = [int(p) for p in match.groups()] + [1] * (3 - len(match.groups()))
        try:
            return dt.date(*parts), precision
        except ValueError as exc:
            raise DateFormatError(f"not a real date: {exc}") from None
    raise DateFormatError("expected YYYY-MM-DD, YYYY-MM or YYYY")


def format_partial_date(value: dt.date | None, precision: str) -> str:
    """Write a date at its precision: `2025`, `2025-05` or `2025-05-05`."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def humanize_partial_date(value: dt.date | None, precision: str) -> str:
    """Show a date at its precision for readers, in the active language: `2025`, `May 2025` or `5 May 2025`."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return str(value.year)
    from .localize import long_date, month_year

    if precision == Precision.MONTH:
        return month_year(value)
    return long_date(value)
