"""Template helpers: dates at their precision and in the reader's language, status labels and colours, a dictionary
look-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from agreements import localize
from agreements.dates import format_partial_date, humanize_partial_date
from agreements.models import status_label

register = template.Library()


@register.simple_tag
def partial_date(value: dt.date | None, precision: str) -> str:
    """A date as readers should see it: `2025`, `May 2025` or `5 May 2025`."""
    return humanize_partial_date(value, precision)


@register.simple_tag
def partial_date_iso(value: dt.date | None, precision: str) -> str:
    """A date for machines (the datetime attribute of <time>): at its precision."""
    return format_partial_date(value, precision)


def _local(value: Any) -> Any:
    """A moment in the site's time zone (a date, or a naive moment, as it is)."""
    return timezone.localtime(value) if isinstance(value, dt.datetime) and timezone.is_aware(value) else value


@register.filter
def long_date(value: dt.date | dt.datetime | None) -> str:
    """A day for readers in the active language: `5 May 2025`, `5 de mayo de 2025`."""
    return localize.long_date(_local(value))


@register.filter
def short_date(value: dt.date | dt.datetime | None) -> str:
    """A day in tables in the active language: `5 May 2025`, `5 may 2025`."""
    return localize.short_date(_local(value))


@register.filter
def short_datetime(value: dt.datetime | None) -> str:
    """A moment in tables in the active language: `5 May 2025 14:03`."""
    return "" if value is None else localize.short_datetime(_local(value))


@register.filter
def region(value: str) -> str:
    """A region or subregion of the reference data, in the active language where CLDR names it."""
    return localize.region_name(value)


@register.filter(name="status_label")
def status_label_filter(value: str) -> str:
    return status_label(value)


@register.filter
def get_item(mapping: dict, key: str) -> object:
    """`mapping[key]` in a template (None when absent)."""
    return mapping.get(key)


@register.simple_tag(takes_context=True)
def citation(context: template.Context) -> Any:
    """The page's citation (`{% citation as cite %}`): its title, permanent URL, the data edition, today's date."""
    from agreements.citations import citation as cite
    from agreements.citations import data_edition

    url = context.get("permalink") or context.get("canonical_url")
    if not url:
        return None
    return cite(
        title=context.get("share_title") or "Third-Country Tracker",
        url=url,
        accessed=timezone.localdate(),
        edition=data_edition(),
    )
