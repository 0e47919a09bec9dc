"""Country geometries for GeoJSON exports, decoded once from the map's own TopoJSON file."""

from __future__ import annotations

import json
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from django.conf import settings

from .topology import decode_arcs

BOUNDARIES = Path(settings.BASE_DIR) / "static" / "agreements" / "world-50m.topo.json"


def _unwrap(points: list[list[float]]) -> list[list[float]]:
    """Keep a ring that crosses the antimeridian continuous (as the map does); polar rings stay as they are."""
    offset, out = 0.0, [points[0]]
    for previous, point in pairwise(points):
        jump = point[0] - previous[0]
        offset += -360 if jump > 180 else 360 if jump < -180 else 0
        out.append([point[0] + offset, point[1]])
    return out if offset == 0 else points


@cache
def geometries() -> dict[str, dict[str, Any]]:
    """ISO alpha-2 → GeoJSON MultiPolygon (coordinates rounded to 0.001°)."""
    topology = json.loads(BOUNDARIES.read_text())
    arcs = [[[round(x, 3), round(y, 3)] for x, y in arc] for arc in decode_arcs(topology)]

    def ring(indexes: list[int]) -> list[list[float]]:
        points: list[list[float]] = []
        for k, index in enumerate(indexes):
            pts = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(pts[1:] if k else pts)
        return _unwrap(points)

    polygons: dict[str, list[Any]] = {}
    for g in topology["objects"]["countries"]["geometries"]:
        iso2 = g.get("id")
        if not iso2:
            continue
        parts = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        polygons.setdefault(iso2, []).extend([[ring(r) for r in polygon] for polygon in parts])
    return {iso2: {"type": "MultiPolygon", "coordinates": polys} for iso2, polys in polygons.items()}


def geometry(iso2: str, latitude: float, longitude: float) -> dict[str, Any]:
    """The country's shape, or a point at its representative location when it has no polygon at 1:50m."""
    return geometries().get(iso2) or {"type": "Point", "coordinates": [longitude, latitude]}
