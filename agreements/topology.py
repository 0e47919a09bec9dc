"""TopoJSON geometry shared by the map's build script, the GeoJSON exports and the map pictures (no Django here)."""

from __future__ import annotations

from typing import Any

Point = tuple[float, float]


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """The topology's arcs in absolute coordinates (quantised, delta-encoded arcs decoded with its transform)."""
    (kx, ky), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for ax, ay in arc:
            x, y = x + ax, y + ay
            points.append((x * kx + tx, y * ky + ty))
        arcs.append(points)
    return arcs


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """The points of an open line that stay farther than `tolerance` from the line their kept neighbours make, the
    end points always kept."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        worst, index = -1.0, first
        for i in range(first + 1, last):
            px, py = points[i]
            distance = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            if distance > worst:
                worst, index = distance, i
        if worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]
