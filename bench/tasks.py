"""Benchmark steps that run inside Django (called by bench/run.py in a fresh process each, so memory is clean).

    python bench/tasks.py build [statements] | export | import | flag_stale | busiest

Each prints one JSON object on its last line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def build() -> dict:
    """The synthetic dataset; `build N` scales it to N statements (the other tables in proportion)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from dataset import Sizes, scaled
    from dataset import build as build_dataset

    sizes = scaled(int(sys.argv[2])) if len(sys.argv) > 2 else Sizes()
    started = time.perf_counter()
    counts = build_dataset(sizes, log=lambda m: print(m, file=sys.stderr))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as autovacuum would gather on a live database
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def busiest() -> dict:
    from django.db.models import Count

    from agreements.models import Arrangement

    row = (
        Arrangement.objects.values("receiving_country")
        .annotate(n=Count("statements"))
        .order_by("-n", "receiving_country")
        .first()
    )
    return {"iso2": row["receiving_country"], "statements": row["n"]}


def export() -> dict:
    """CSV export of every statement through the same generator the /statements/export.csv view streams."""
    from agreements.exporters import list_csv
    from agreements.lists import STATEMENTS

    Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS mark (VmHWM) to the current RSS
    before = _rss_kb("VmRSS")
    started = time.perf_counter()
    rows = -1
    size = 0
    with CaptureQueriesContext(connection) as ctx:
        for line in list_csv(STATEMENTS, STATEMENTS.base().order_by("-date", "-pk")):
            rows += 1
            size += len(line)
    seconds = time.perf_counter() - started
    peak = _rss_kb("VmHWM")
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "megabytes": round(size / 1e6, 1),
        "peak_memory_growth_mb": round((peak - before) / 1024, 1),
        "queries": len(ctx.captured_queries),
    }


def synthetic_records(rows: int) -> bytes:
    """A records CSV of `rows` synthetic events (sending state NL, example.org sources)."""
    from agreements.importers import COLUMNS
    from agreements.models import Country

    countries = [c for c in Country.objects.order_by("iso2").values_list("iso2", flat=True) if c != "NL"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for i in range(rows):
        receiving = countries[i % len(countries)]
        base = {
            "sending_state": "NL",
            "receiving_country": receiving,
            "source_url": f"https://example.org/import/{i % 3000}",
            "source_publisher": f"Publisher {i % 50}",
            "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
        }
        if i % 2:
            writer.writerow(
                base | {"record_type": "status_change", "status": "reported", "note": f"Synthetic note {i}"}
            )
        else:
            writer.writerow(
                base
                | {
                    "record_type": "statement",
                    "actor": f"Import actor {i % 500}",
                    "actor_kind": "embassy",
                    "stance": "denies",
                    "quote": f"Synthetic quote {i}",
                }
            )
    return out.getvalue().encode()


def import_() -> dict:
    from agreements.importers import import_records

    data = synthetic_records(10_000)
    started = time.perf_counter()
    report = import_records(data, name="bench.csv")
    seconds = time.perf_counter() - started
    return {
        "rows": report.rows,
        "created": report.created,
        "seconds": round(seconds, 2),
        "rows_per_second": round(report.rows / seconds),
    }


def flag_stale() -> dict:
    """flag_stale over every possible arrangement (all deadlines passed), and over 100, counting queries."""
    import datetime as dt

    from django.utils import timezone

    from agreements import staleness
    from agreements.models import Arrangement, StaleDigest
    from tests.factories import every_pair_overdue

    past = timezone.now() - dt.timedelta(days=1)

    def run(limit: int) -> tuple[int, float, int]:
        StaleDigest.objects.all().delete()
        every_pair_overdue(limit, past)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            flagged = staleness.flag_stale()
        return flagged, time.perf_counter() - started, len(ctx.captured_queries)

    small = run(100)
    large = run(10**9)
    Arrangement.objects.all().delete()
    return {
        "arrangements": large[0],
        "seconds": round(large[1], 2),
        "queries": large[2],
        "queries_at_100": small[2],
        "flagged_at_100": small[0],
    }


if __name__ == "__main__":
    step = sys.argv[1]
    result = {"build": build, "busiest": busiest, "export": export, "import": import_, "flag_stale": flag_stale}[step]()
    print(json.dumps(result))
