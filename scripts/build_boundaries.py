"""Build static/agreements/world-50m.topo.json from Natural Earth 50m boundaries in the npm package `world-atlas`,
and from it world-50m.coarse.topo.json, the map's first draw.

Run once when the boundaries should be refreshed (needs npm and the npm registry):

    python scripts/build_boundaries.py                      # fetches world-atlas@2 with `npm pack`
    python scripts/build_boundaries.py countries-50m.json   # or converts a downloaded file

The output keeps the quantised TopoJSON arcs, drops the `land` object and every property, and sets each
geometry's id to the ISO 3166-1 alpha-2 code matched through the ISO numeric code in fixtures/countries.json.
Natural Earth features without an ISO numeric code are handled explicitly (NO_NUMERIC below); the map's own
decoder (static/agreements/topojson.js) turns the arcs into polygons in the browser.

The coarse file is the same topology simplified and quantised for the map's opening zoom levels (where a degree is
a few pixels): each arc is simplified (Douglas-Peucker, TOLERANCE degrees) with its end points kept, so the borders
that neighbours share stay shared and no gaps open; then the points are snapped to a coarser grid (QUANTISATION
steps across the world). The map draws it first and swaps in the full file when a reader zooms in.
"""

import itertools
import json
import sys
from pathlib import Path

from npm_package import json_from_npm

from agreements.topology import Point, decode_arcs, douglas_peucker

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "agreements" / "world-50m.topo.json"
COARSE = ROOT / "static" / "agreements" / "world-50m.coarse.topo.json"
TOLERANCE = 0.08  # degrees: a third of a pixel at zoom 2, where the map opens on a laptop or phone
QUANTISATION = 10_000  # grid steps across 360° of longitude (and across the latitude range)
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


def simplify_arc(points: list[Point], tolerance: float) -> list[Point]:
    """One arc simplified; a closed arc (an island's whole coast) keeps its farthest point too, so it stays a ring."""
    if len(points) > 3 and points[0] == points[-1]:
        far = max(
            range(len(points)), key=lambda i: (points[i][0] - points[0][0]) ** 2 + (points[i][1] - points[0][1]) ** 2
        )
        head = douglas_peucker(points[: far + 1], tolerance)
        tail = douglas_peucker(points[far:], tolerance)
        simplified = head + tail[1:]
        if len(simplified) < 4:  # a triangle at least: the first, the farthest, one more, the first again
            middle = points[max(1, far // 2)]
            simplified = [points[0], middle, points[far], points[0]]
        return simplified
    return douglas_peucker(points, tolerance)


def coarse(topology: dict, tolerance: float = TOLERANCE, steps: int = QUANTISATION) -> dict:
    """The topology with every arc simplified and snapped to a grid of `steps`: same objects, same arc indexes."""
    west, south, east, north = topology["bbox"]
    sx, sy = (east - west) / (steps - 1), (north - south) / (steps - 1)
    arcs = []
    for points in decode_arcs(topology):
        grid = [(round((px - west) / sx), round((py - south) / sy)) for px, py in simplify_arc(points, tolerance)]
        snapped = [grid[0]] + [p for previous, p in itertools.pairwise(grid) if p != previous]
        if len(snapped) == 1:
            snapped.append(snapped[0])
        deltas, (px, py) = [], (0, 0)
        for gx, gy in snapped:
            deltas.append([gx - px, gy - py])
            px, py = gx, gy
        arcs.append(deltas)
    return topology | {"transform": {"scale": [sx, sy], "translate": [west, south]}, "arcs": arcs}


def main() -> None:
    topology = json.loads(Path(sys.argv[1]).read_text()) if len(sys.argv) > 1 else fetch_topology()
    result, notes = convert(topology)
    OUT.write_text(json.dumps(result, separators=(",", ":")))
    codes = {g.get("id") for g in result["objects"]["countries"]["geometries"]} - {None}
    print(f"wrote {OUT.relative_to(ROOT)}: {len(codes)} countries, {OUT.stat().st_size:,} bytes")
    COARSE.write_text(json.dumps(coarse(result), separators=(",", ":")))
    print(f"wrote {COARSE.relative_to(ROOT)}: tolerance {TOLERANCE}°, {COARSE.stat().st_size:,} bytes")
    for note in notes:
        print(f"  {note}")


if __name__ == "__main__":
    main()
