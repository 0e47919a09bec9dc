"""Build static/agreements/world-50m.topo.json from Natural Earth 50m boundaries in the npm package `world-atlas`.

Run once when the boundaries should be refreshed (needs npm and the npm registry):

    python scripts/build_boundaries.py                      # fetches world-atlas@2 with `npm pack`
    python scripts/build_boundaries.py countries-50m.json   # or converts a downloaded file

The output keeps the quantised TopoJSON arcs, drops the `land` object and every property, and sets each
geometry's id to the ISO 3166-1 alpha-2 code matched through the ISO numeric code in fixtures/countries.json.
Natural Earth features without an ISO numeric code are handled explicitly (NO_NUMERIC below); the map's own
decoder (static/agreements/topojson.js) turns the arcs into polygons in the browser.
"""

import json
import sys
from pathlib import Path

from npm_package import json_from_npm

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "agreements" / "world-50m.topo.json"
COUNTRIES = ROOT / "fixtures" / "countries.json"
PACKAGE = "world-atlas@2"

# Natural Earth features that carry no ISO numeric code. Drawn as part of the country the UN recognises, or,
# where no single ISO country applies, drawn without a code (neutral, not clickable).
NO_NUMERIC = {
    "Kosovo": "XK",  # user-assigned code XK
    "Somaliland": "SO",  # internationally recognised as part of Somalia
    "N. Cyprus": "CY",  # internationally recognised as part of Cyprus
    "Indian Ocean Ter.": None,  # Christmas Island (CX) and Cocos Islands (CC): shown as markers
    "Siachen Glacier": None,  # disputed between India and Pakistan
}


def fetch_topology() -> dict:
    return json_from_npm(PACKAGE, "countries-50m.json")


def convert(topology: dict) -> tuple[dict, list[str]]:
    by_numeric = {c["iso_numeric"]: c["iso2"] for c in json.loads(COUNTRIES.read_text()) if c["iso_numeric"]}
    geometries, notes = [], []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name", "")
        numeric = geometry.get("id")
        if numeric:
            iso2 = by_numeric.get(numeric)
            if iso2 is None:
                raise SystemExit(f"feature {name!r} has ISO numeric {numeric} that no country in the fixture has")
        elif name in NO_NUMERIC:
            iso2 = NO_NUMERIC[name]
            notes.append(f"{name}: {iso2 or 'no code (neutral)'}")
        else:
            raise SystemExit(f"feature {name!r} has no ISO numeric code and no explicit rule in NO_NUMERIC")
        out = {"type": geometry["type"], "arcs": geometry["arcs"]}
        if iso2:
            out["id"] = iso2
        geometries.append(out)
    result = {
        "type": "Topology",
        "transform": topology["transform"],
        "bbox": topology.get("bbox"),
        "objects": {"countries": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": topology["arcs"],
    }
    return result, notes


def main() -> None:
    topology = json.loads(Path(sys.argv[1]).read_text()) if len(sys.argv) > 1 else fetch_topology()
    result, notes = convert(topology)
    OUT.write_text(json.dumps(result, separators=(",", ":")))
    codes = {g.get("id") for g in result["objects"]["countries"]["geometries"]} - {None}
    print(f"wrote {OUT.relative_to(ROOT)}: {len(codes)} countries, {OUT.stat().st_size:,} bytes")
    for note in notes:
        print(f"  {note}")


if __name__ == "__main__":
    main()
