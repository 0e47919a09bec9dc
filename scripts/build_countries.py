"""Build fixtures/countries.json (reference data) from the npm package `world-countries`.

Run once when the reference data should be refreshed (needs npm and network access to the npm registry):

    python scripts/build_countries.py            # fetches world-countries with `npm pack`
    python scripts/build_countries.py PATH.json  # or converts an already downloaded countries.json

The derived fixture is committed, so neither `make run` nor `make test` needs npm. ISO short names come from
`pycountry` when it is installed (pip install pycountry); otherwise the fixture keeps the names it has.
"""

import json
import sys
from pathlib import Path

from npm_package import json_from_npm

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "countries.json"
PACKAGE = "world-countries@5"


def fetch_countries() -> list[dict]:
    return json_from_npm(PACKAGE, "countries.json")


def iso_short_names() -> dict[str, str]:
    try:
        import pycountry
    except ImportError:
        return {}
    return {c.alpha_2: c.name for c in pycountry.countries}


def convert(raw: list[dict]) -> list[dict]:
    iso_names = iso_short_names()
    codes = {c["cca2"].upper() for c in raw} | {c["cca3"].upper() for c in raw}
    rows = []
    for c in raw:
        iso2 = c["cca2"].upper()
        common = c["name"]["common"]
        official = c["name"]["official"]
        iso_name = iso_names.get(iso2, common)
        # Alternative spellings that are not another country's code ("UK" is fine, "AW" is a code).
        alt = {s for s in c.get("altSpellings", []) if s.upper() not in codes}
        alt |= {official, iso_name}
        alt.discard(common)
        iso3 = c["cca3"].upper()
        if iso2 == "XK":
            # Kosovo has no ISO code; XK/XKX are the user-assigned codes in common use, UNK is the UN's.
            alt.add(iso3)
            iso3 = "XKX"
        rows.append(
            {
                "iso2": iso2,
                "iso3": iso3,
                "iso_numeric": c["ccn3"] or None,
                "name": common,
                "iso_name": iso_name,
                "alt_names": sorted(alt),
                "region": c["region"],
                "subregion": c["subregion"],
                "latitude": round(c["latlng"][0], 3),
                "longitude": round(c["latlng"][1], 3),
            }
        )
    rows.sort(key=lambda r: r["iso2"])
    return rows


def main() -> None:
    raw = json.loads(Path(sys.argv[1]).read_text()) if len(sys.argv) > 1 else fetch_countries()
    rows = convert(raw)
    OUT.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {len(rows)} countries to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
