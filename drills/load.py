"""Load: 60 s at 64 connections on /, /api/v1/map/ and a filtered list while an editor process writes statements;
zero errors, and the gunicorn workers' memory flat after warm-up."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

sys.path.insert(0, ".")
import drills.common as c
from scripts.processes import exit_on_termination

SECONDS = int(os.environ.get("DRILL_LOAD_SECONDS", "60"))
TARGETS = {"/": 22, "/api/v1/map/": 21, "/statements/?stance=denies&sending_state=US": 21}  # 64 connections


def editor_writes(seconds: int) -> None:
    """Run in a child process: log a statement every 0.5 s through the service, as an editor would."""
    c.django_setup()
    from agreements import services

    actor = services.get_or_create_actor(name="Drill load actor (synthetic)", kind="other").obj
    source = services.get_or_create_source(url="https://example.org/drill/load", publisher="Drill").obj
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        services.log_statement(
            actor=actor,
            sending_state="US",
            receiving_countries=["RW"],
            stance="commentary",
            date=dt.date(2025, 5, 1),
            paraphrase=f"Synthetic drill statement {n}",
            sources=[source],
        )
        n += 1
        time.sleep(0.5)
    print(n)


def main() -> int:
    server = c.Server()
    try:
        workers = server.worker_pids()
        for path in TARGETS:
            c.get(path)
        writer = subprocess.Popen(
            [c.PYTHON, "-c", f"import drills.load as d; d.editor_writes({SECONDS})"],
            cwd=c.ROOT,
            env=c.env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        runs = {path: c.wrk(path, SECONDS, connections) for path, connections in TARGETS.items()}
        time.sleep(min(15, SECONDS / 4))
        warm = {pid: c.rss_mb(pid) for pid in workers}
        results = {path: c.parse_wrk(run.communicate()[0]) for path, run in runs.items()}
        end = {pid: c.rss_mb(pid) for pid in workers}
        written = int((writer.communicate(timeout=60)[0] or "0").strip().splitlines()[-1])
    finally:
        server.stop()
    growth = {str(pid): round(end[pid] - warm[pid], 1) for pid in workers}
    figures = {
        "seconds": SECONDS,
        "connections": sum(TARGETS.values()),
        "endpoints": results,
        "statements_written": written,
        "requests": sum(r["requests"] for r in results.values()),
        "errors": sum(r["errors"] for r in results.values()),
        "worker_rss_mb_after_warmup": {str(p): round(v, 1) for p, v in warm.items()},
        "worker_rss_growth_mb": growth,
    }
    ok = (
        figures["errors"] == 0
        and written > 0
        and all(g < 15 for g in growth.values())
        and all(r["p99_ms"] is not None for r in results.values())
    )
    return c.report("load", ok, figures)


if __name__ == "__main__":
    exit_on_termination()  # a SIGTERM still runs the finally blocks that stop its servers and workers
    sys.exit(main())
