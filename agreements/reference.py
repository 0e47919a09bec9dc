"""Reference data: every ISO 3166-1 country plus Kosovo, from fixtures/countries.json.

The fixture is derived from the npm package `world-countries` by scripts/build_countries.py and loaded by a data
migration, so `migrate` alone gives a usable database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "countries.json"
_LOOKUP: dict[str, Any] = {}


def country_rows() -> list[dict[str, Any]]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def load_countries(country_model: Any = None) -> int:
    """Insert the countries that are missing (idempotent); returns how many were added."""
    if country_model is None:
        from .models import Country as country_model
    have = set(country_model.objects.values_list("iso2", flat=True))
    new = [country_model(**row) for row in country_rows() if row["iso2"] not in have]
    country_model.objects.bulk_create(new)
    _LOOKUP.clear()
    return len(new)


def country_lookup() -> dict[str, Any]:
    """Countries keyed by casefolded ISO alpha-2, alpha-3, common name, ISO short name and other English names.

    A name that two countries share is left out rather than guessed.
    """
    if _LOOKUP:
        return _LOOKUP
    from .models import Country

    keys: dict[str, Any] = {}
    ambiguous: set[str] = set()
    countries = list(Country.objects.all())
    for country in countries:
        for key in (country.iso2, country.iso3):
            keys[key.casefold()] = country
    codes = set(keys)
    for country in countries:
        for name in [country.name, country.iso_name, *country.alt_names]:
            key = name.strip().casefold()
            if not key or key in codes:
                continue
            if key in keys and keys[key].pk != country.pk:
                ambiguous.add(key)
            keys[key] = country
    for key in ambiguous:
        del keys[key]
    if countries:
        _LOOKUP.update(keys)
    return keys


def parse_country(text: str | None) -> Any:
    """The one country parser: ISO alpha-2 (`XK` for Kosovo), alpha-3, or an English name, case-insensitively.

    Returns the Country, or None when the text names none (or names two). Filters, forms, the importer and the
    services all call this.
    """
    key = (text or "").strip().casefold()
    return country_lookup().get(key) if key else None


def clear_lookup() -> None:
    _LOOKUP.clear()
