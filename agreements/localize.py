"""Country names and dates in the reader's language, from CLDR data (Babel) — never a hand-made table.

English keeps the record's own names ("DR Congo", "Eswatini") and the site's date style ("5 May 2025"), so an
English page reads exactly as before; any other language takes CLDR's names ("Ruanda", "Esuatini") and its long
date format ("5 de mayo de 2025", "mayo de 2025"). Lists of countries sort by the localized name with accents and
case set aside ("Émiratos" between "Egipto" and "Eritrea"), the way a reader of that language looks for a name.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

from babel import Locale
from babel.dates import format_date, format_skeleton
from django.conf import settings
from django.utils import translation

T = TypeVar("T")


def current_language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def is_default_language() -> bool:
    return current_language() == settings.LANGUAGE_CODE


@lru_cache(maxsize=8)
def territories(language: str) -> dict[str, str]:
    """CLDR's names of countries and territories in a language, by ISO alpha-2."""
    return {str(code): str(name) for code, name in Locale.parse(language).territories.items()}


def country_name(iso2: str, english: str) -> str:
    """A country's name in the active language: CLDR's, or the record's English name in English (or when CLDR has
    none)."""
    if is_default_language():
        return english
    return territories(current_language()).get(iso2.upper(), english)


def folded(text: str) -> str:
    """THE text as compared without case or accents ("Ábrego" → "abrego"): case-folded, decomposed, combining
    marks dropped. Sorting, matching leads' keywords and spotting look-alike names all start from it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def collation_key(text: str) -> tuple[str, str]:
    """Sort key for names in any Latin-script language: accents and case set aside first, then as written."""
    return folded(text), text


def sort_by_name(items: Iterable[T], name: Callable[[T], str]) -> list[T]:
    """Items sorted by their localized name."""
    return sorted(items, key=lambda item: collation_key(name(item)))


def sort_countries(countries: Iterable[Any]) -> list[Any]:
    """Countries (anything with iso2 and name) sorted by their name in the active language."""
    return sort_by_name(countries, lambda c: country_name(c.iso2, c.name))


def _day(value: dt.date | dt.datetime | None, english: str, cldr: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if is_default_language():
        return f"{value.day} {value.strftime(english)}"
    return format_date(value, cldr, locale=current_language())


def long_date(value: dt.date | dt.datetime | None) -> str:
    """A day for readers: `5 May 2025`; `5 de mayo de 2025` in Spanish."""
    return _day(value, "%B %Y", "long")


def short_date(value: dt.date | dt.datetime | None) -> str:
    """A day in tables: `5 May 2025` with the month abbreviated (`5 may 2025`)."""
    return _day(value, "%b %Y", "medium")


def month_tick(value: dt.date, *, with_year: bool) -> str:
    """A month on a chart's axis: `Jan 2025` or `Mar`; `ene 2025` or `mar` in Spanish."""
    if is_default_language():
        return value.strftime("%b %Y" if with_year else "%b")
    return format_skeleton("yMMM" if with_year else "MMM", value, locale=current_language()).replace(".", "")


def short_datetime(value: dt.datetime) -> str:
    """A moment in tables: `5 May 2025 14:03`; `5 may 2025 14:03` in Spanish."""
    return f"{short_date(value)} {value:%H:%M}"


@lru_cache(maxsize=8)
def _regions(language: str) -> dict[str, str]:
    """CLDR's names of the UN M49 regions, from their English names (the reference data's) to this language's."""
    english, local = territories("en"), territories(language)
    return {english[code]: local[code] for code in english if code.isdigit() and code in local}


def region_name(english: str) -> str:
    """A region or subregion of the reference data in the active language, where CLDR names it; else as given."""
    if is_default_language() or not english:
        return english
    return _regions(current_language()).get(english, english)


def month_year(value: dt.date) -> str:
    """A month for readers: `May 2025`; `mayo de 2025` in Spanish."""
    if is_default_language():
        return value.strftime("%B %Y")
    return format_skeleton("yMMMM", value, locale=current_language())
