"""Form fields shared by the editor forms, the list filters and the map's query: one parser per input kind, and the
bounds of every whole-number input (for Django form and DRF serializer fields alike)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
            raise ValidationError(
                gettext("Unknown country %(text)s: use ISO alpha-2 or alpha-3, or the English name.")
                % {"text": repr(text[:100])}
            )
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
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": _("2025-05-05"), "inputmode": "numeric"}))
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("empty_value", None)
        super().__init__(**kwargs)

    def parse(self, text: str) -> tuple[dt.date, str]:
        try:
            return parse_partial_date(text)
        except DateFormatError as exc:
            raise ValidationError(f"{exc} (got {text[:30]!r}).") from None


class NationalitiesWidget(forms.MultiWidget):
    """Rows of (country, count): the country typed with the page's list of country names (`<datalist
    id="country-names">`: the browser's type-ahead), the count optional. Each input has its own accessible name."""

    def __init__(self, rows: int, attrs: dict[str, Any] | None = None):
        widgets: list[forms.Widget] = []
        for row in range(1, rows + 1):
            widgets.append(
                forms.TextInput(
                    attrs={
                        "list": "country-names",
                        "autocomplete": "off",
                        "aria-label": format_lazy(_("Nationality {row}"), row=row),
                        "placeholder": _("Country"),
                    }
                )
            )
            widgets.append(
                forms.NumberInput(
                    attrs={
                        "min": 0,
                        "max": MAX_INT,
                        "aria-label": format_lazy(_("People of nationality {row} (optional)"), row=row),
                        "placeholder": _("How many"),
                    }
                )
            )
        super().__init__(widgets, attrs)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        """Each country input beside its count, a row per nationality (each input rendered as its own widget)."""
        subwidgets = self.get_context(name, value, attrs)["widget"]["subwidgets"]
        cells = [
            widget.render(sub["name"], sub["value"], sub["attrs"], renderer)
            for widget, sub in zip(self.widgets, subwidgets, strict=True)
        ]
        rows = format_html_join(
            "", '<div class="nationality-row">{} {}</div>', zip(cells[::2], cells[1::2], strict=True)
        )
        return format_html('<div class="nationality-rows">{}</div>', rows)

    def decompress(self, value: Any) -> list[Any]:
        """Cleaned nationalities (`[{"country", "count"}]`) as the cells of every row, empty rows included."""
        cells: list[Any] = []
        for item in value or []:
            cells += [getattr(item["country"], "name", item["country"]), item.get("count")]
        return (cells + [None] * len(self.widgets))[: len(self.widgets)]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return super().get_context(name, cells_of(self, value), attrs)


class NationalitiesField(forms.MultiValueField):
    """The nationalities of the people of one transfer: up to `rows` countries (through the one country parser),
    each with an optional count; cleans to `[{"country": Country, "count": int or None}, ...]` in the order typed.
    The services check the counts against the transfer's people (services.check_nationalities)."""

    def __init__(self, *, rows: int = 8, **kwargs: Any):
        fields: list[forms.Field] = []
        for _row in range(rows):
            fields += [CountryField(required=False), forms.IntegerField(required=False, **count_bounds())]
        kwargs.setdefault("required", False)
        super().__init__(fields, widget=NationalitiesWidget(rows), require_all_fields=False, **kwargs)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return super().has_changed(cells_of(self.widget, initial), data)

    def compress(self, data_list: list[Any]) -> list[dict[str, Any]]:
        rows = []
        for country, count in zip(data_list[::2], data_list[1::2], strict=True):
            if country is None and count is not None:
                raise ValidationError(gettext("A count (%(n)s) needs its nationality.") % {"n": count})
            if country is not None:
                rows.append({"country": country, "count": count})
        return rows


def cells_of(widget: Any, value: Any) -> Any:
    """A NationalitiesWidget's value as its cells: cleaned nationalities (an initial value, a record's) are
    decompressed; cells (what was posted) are kept."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], dict):
        return widget.decompress(value)
    return value
