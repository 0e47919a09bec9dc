"""How big and how fast the server-side pictures are (agreements.charts), on synthetic statuses. No database.

    DEBUG=1 .venv/bin/python bench/charts.py

Prints the world map's SVG size at 1200 px, the time to build the country shapes once per process, to write the
SVG, and to rasterise it to PNG at 1200 and 2400 px (median of a few runs), plus the timeline and flow sizes.
Never part of `make test` (no timed tests).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django  # noqa: E402

django.setup()

from agreements.charts import flows, mapsvg, raster, timeline  # noqa: E402

RUNS = 5


def median_ms(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    rows = json.loads((ROOT / "fixtures" / "countries.json").read_text())
    statuses = {"AO": "denied", "SV": "implemented", "CR": "implemented", "RW": "negotiating", "TV": "suspended"}
    countries = [
        mapsvg.MapCountry(r["iso2"], r["name"], r["latitude"], r["longitude"], statuses.get(r["iso2"], ""))
        for r in rows
    ]
    started = time.perf_counter()
    mapsvg.shapes()
    shapes_ms = (time.perf_counter() - started) * 1000

    def world() -> str:
        return mapsvg.world_map(countries, heading="Country 1", as_of=dt.date(2025, 5, 31), url="https://example.org/")

    svg = world()
    print(f"world map SVG at 1200 px: {len(svg.encode()) / 1024:.0f} KB ({len(mapsvg.shapes())} country paths)")
    print(f"country shapes, once per process: {shapes_ms:.0f} ms")
    print(f"world map SVG: {median_ms(world):.1f} ms")
    for width in (1200, 2400):
        png = raster.svg_to_png(svg, width)
        ms = median_ms(lambda w=width: raster.svg_to_png(svg, w))
        print(f"world map PNG at {width} px: {ms:.0f} ms, {len(png) / 1024:.0f} KB")

    log = [
        (f"C{k}", f"Country {k}", dt.date(2020 + k % 6, 1 + step * 3, 1), "month", status, k if step == 2 else None)
        for k in range(40)
        for step, status in enumerate(("reported", "agreed", "implemented"))
    ]
    tl = timeline.timeline_svg(timeline.timeline_rows(log), end=dt.date(2026, 6, 30))
    print(f"timeline SVG, 40 rows: {len(tl.encode()) / 1024:.0f} KB")
    events = [(f"N{k}", f"Country {k}", f"R{k % 7}", f"Country {100 + k % 7}", k or None) for k in range(60)]
    fl = flows.flows_svg(flows.aggregate_flows(events))
    print(f"flows SVG, 60 pairs: {len(fl.encode()) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
