"""make bench: how fast the tracker is, measured against the framework's own floor, robust to a noisy machine.

Builds a deterministic synthetic dataset on PostgreSQL at 1,000, 10,000 and 100,000 statements, serves the app as
production does (gunicorn, 2 workers, DEBUG off, Redis), and drives each endpoint with wrk at 32 connections, as a
browser asks (`Accept-Encoding: gzip, deflate, br`). The floor is /healthz/live (touches neither database nor
cache). Each endpoint's ratio to the floor is measured in alternating short rounds (floor, endpoint, floor,
endpoint, …) and reported as the median of the rounds with its spread, so a neighbour's load hits both sides of a
ratio alike. It also reports how each page's latency grows from 1,000 to 100,000 statements (as served, and the
cold render of a new data version), the bytes on the wire of each endpoint compressed and not, and the batch jobs.
Writes bench/results.json and prints tables with PASS/FAIL against the targets; exits 1 on any FAIL. Never part of
`make test`.

Environment: BENCH_DATABASE (default tracker_bench; it, BENCH_DATABASE_template and BENCH_DATABASE_stale are dropped
and created), BENCH_ROUNDS (5) and BENCH_ROUND_SECONDS (3) per endpoint, BENCH_QUICK=1 (3 rounds of 2 s, no batch
jobs), BENCH_PG (postgres://postgres@127.0.0.1:5432), BENCH_REDIS (redis://127.0.0.1:6379/13; emptied),
BENCH_PORT (8765).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
sys.path.insert(0, str(ROOT))
from drills.common import gunicorn, wait_http  # noqa: E402  (one way to run gunicorn as production does)
from scripts.processes import exit_on_termination  # noqa: E402

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DATABASE", "tracker_bench")
TEMPLATE = DB + "_template"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13")
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3" if QUICK else "5"))
ROUND_SECONDS = int(os.environ.get("BENCH_ROUND_SECONDS", "2" if QUICK else "3"))
SCALES = (1_000, 10_000, 100_000)
CONNECTIONS = 32
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
BROWSER_ENCODING = "gzip, deflate, br"
FLOOR = "/healthz/live"

TARGETS = {  # endpoint → minimum ratio to the floor's throughput
    "/api/v1/map/": 0.8,
    "/": 0.5,
    "country": 0.4,
    "/arrangements/?status=agreed": 0.25,
    "/statements/?stance=denies": 0.25,
    "/api/v1/statements/?stance=denies&page_size=100": 0.25,
}
P99_MS = 150
GROWTH = 1.5  # latency at 100,000 statements within this factor of that at 1,000, for every page
COLD_RENDERS = 3
EXPORT_ROWS_PER_S, EXPORT_MB, IMPORT_ROWS_PER_S, FLAG_SECONDS = 20_000, 60, 2_000, 5


def env(database: str = DB) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": f"{PG}/{database}",
        "REDIS_URL": REDIS,
        "SECRET_KEY": "bench-only-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "0",
        "HTTPS": "0",
        "TRACKER_TESTING": "0",
        "DB_CONN_MAX_AGE": "600",
    }


def run(*args: str, database: str = DB, capture: bool = False) -> str:
    result = subprocess.run(
        args, cwd=ROOT, env=env(database), check=True, text=True, stdout=subprocess.PIPE if capture else None
    )
    return result.stdout if capture else ""


def task(name: str, *args: str, database: str = DB) -> dict:
    out = run(PYTHON, "bench/tasks.py", name, *args, database=database, capture=True)
    return json.loads(out.strip().splitlines()[-1])


def _admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def recreate_database(name: str, template: str | None = None) -> None:
    _admin(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""),
    )


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def new_data_version() -> None:
    """What a write does to the cache: the next read of every page is a cold render (app cache and 304s alike)."""
    import redis

    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter("*tracker:data-version"):
        client.delete(key)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * UNITS[match.group(2)]


def wrk(path: str, seconds: int) -> dict:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "5s",
            "-H",
            f"Accept-Encoding: {BROWSER_ENCODING}",
            BASE + path,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.MULTILINE))
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": round(_ms(latency["50"]), 2),
        "p99_ms": round(_ms(latency["99"]), 2),
        "requests": requests,
        "errors": socket_errors + non_2xx,
    }


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql_client": pg,
        "kernel": platform.release(),
    }


def endpoints(busiest: str) -> list[str]:
    return [
        "/api/v1/map/",
        "/",
        "/timeline/?sending_state=US",  # the map's status timeline: the page that grows with the record's history
        f"/countries/{busiest}/",
        "/arrangements/?status=agreed",
        "/statements/?stance=denies",
        "/api/v1/statements/?stance=denies&page_size=100",
    ]


def pages(busiest: str) -> list[str]:
    """The pages whose latency must not grow with the data (every endpoint above but the floor)."""
    return endpoints(busiest)


class Server:
    """gunicorn as production runs it (DEBUG off, production settings), 2 workers, on the benchmark database."""

    def __enter__(self) -> Server:
        self.log = open(ROOT / "bench" / "gunicorn.log", "a")
        self.process = gunicorn(
            PORT,
            self.log,
            env(),
            access_log=ROOT / "bench" / "gunicorn.log" if os.environ.get("BENCH_ACCESS_LOG") else None,
        )
        wait_http(BASE + FLOOR, timeout=60)
        return self

    def __exit__(self, *exc: object) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()


def fetch(path: str, encoding: str = "") -> tuple[float, int]:
    """One request: (seconds, bytes of the body as sent)."""
    request = urllib.request.Request(BASE + path, headers={"Accept-Encoding": encoding} if encoding else {})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
    return time.perf_counter() - started, len(body)


def cold_ms(path: str) -> float:
    """The median time of a render for a new data version (cache and 304s of the old one no use)."""
    times = []
    for _ in range(COLD_RENDERS):
        new_data_version()
        times.append(fetch(path, BROWSER_ENCODING)[0] * 1000)
    return round(statistics.median(times), 1)


def alternating(path: str, rounds: int = ROUNDS) -> dict:
    """`rounds` x (floor, endpoint): each round's throughput ratio and latency ratio; the medians with the spread
    (min, max) of the throughput ratio."""
    ratios, latency, pairs = [], [], []
    fetch(path, BROWSER_ENCODING)  # the entry of this data version exists before 32 connections ask for it
    wrk(path, 1)  # warm-up: connections, code paths
    for _ in range(rounds):
        floor = wrk(FLOOR, ROUND_SECONDS)
        result = wrk(path, ROUND_SECONDS)
        ratios.append(result["requests_per_second"] / max(floor["requests_per_second"], 1e-9))
        latency.append(result["p50_ms"] / max(floor["p50_ms"], 1e-9))
        pairs.append({"floor": floor, "endpoint": result})
    endpoint = [r["endpoint"] for r in pairs]
    return {
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
        "ratio_max": round(max(ratios), 3),
        "latency_to_floor": round(statistics.median(latency), 3),
        "requests_per_second": round(statistics.median(r["requests_per_second"] for r in endpoint), 1),
        "floor_requests_per_second": round(statistics.median(r["floor"]["requests_per_second"] for r in pairs), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in endpoint), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in endpoint), 2),
        "p99_ms_max": max(r["p99_ms"] for r in endpoint),
        "errors": sum(r["errors"] for r in endpoint) + sum(r["floor"]["errors"] for r in pairs),
        "rounds": len(pairs),
    }


def wire_bytes(path: str) -> dict:
    return {name: fetch(path, encoding)[1] for name, encoding in (("identity", ""), ("gzip", "gzip"), ("br", "br"))}


def build_scale(statements: int) -> dict:
    recreate_database(DB, TEMPLATE)
    flush_redis()
    dataset = task("build", str(statements))
    return dataset | {"busiest_country": task("busiest")}


def label(path: str) -> str:
    """The page's name across scales (each dataset has its own busiest country)."""
    return "/countries/<busiest>/" if path.startswith("/countries/") else path


def scale_figures(paths: list[str], measured: dict[str, dict] | None = None) -> dict:
    """Each page at the current scale: its latency as served (p50 at 32 connections, and as a ratio to the floor's
    p50 in alternating rounds, the figure whose growth is judged) and its cold render."""
    out = {}
    for path in paths:
        r = (measured or {}).get(path) or alternating(path, rounds=2)
        out[label(path)] = {
            "served_p50_ms": r["p50_ms"],
            "latency_to_floor": r["latency_to_floor"],
            "cold_ms": cold_ms(path),
            "errors": r["errors"],
        }
        f = out[label(path)]
        print(
            f"  {path:<52} served p50 {f['served_p50_ms']:>7.2f} ms ({f['latency_to_floor']:.2f}x the floor's)"
            f"  cold {f['cold_ms']:>8.1f} ms",
            flush=True,
        )
    return out


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is missing: install it with `apt-get install -y wrk` (Debian's package), then run make bench.")
        return 2
    for host, port, name in (("127.0.0.1", 5432, "PostgreSQL"), ("127.0.0.1", 6379, "Redis")):
        try:
            socket.create_connection((host, port), timeout=2).close()
        except OSError:
            print(f"{name} is not reachable on {host}:{port}; start it (see README, Benchmarks).")
            return 2
    started = time.time()
    print(
        f"Benchmark database {DB} on {PG}; Redis {REDIS}; {ROUNDS} alternating rounds of {ROUND_SECONDS} s per "
        f"endpoint at {CONNECTIONS} connections{' (quick)' if QUICK else ''}"
    )
    (ROOT / "bench" / "gunicorn.log").write_text("")
    recreate_database(TEMPLATE)
    run(PYTHON, "manage.py", "migrate", "--noinput", "-v0", database=TEMPLATE)
    run(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0")

    datasets: dict[int, dict] = {}
    growth: dict[int, dict] = {}
    http: dict[str, dict] = {}
    wire: dict[str, dict] = {}
    busiest = ""
    for statements in SCALES:
        print(f"Synthetic dataset at {statements:,} statements …", flush=True)
        datasets[statements] = build_scale(statements)
        busiest = datasets[statements]["busiest_country"]["iso2"]
        print(f"  built in {datasets[statements]['seconds']} s; busiest receiving country {busiest}", flush=True)
        with Server():
            if statements == SCALES[-1]:
                print(f"HTTP at {statements:,} statements: alternating rounds against the floor …", flush=True)
                for path in endpoints(busiest):
                    http[path] = r = alternating(path)
                    print(
                        f"  {path:<52} x floor {r['ratio_median']:.2f} ({r['ratio_min']:.2f}-{r['ratio_max']:.2f})"
                        f"  p99 {r['p99_ms']:>7.2f} ms  errors {r['errors']}",
                        flush=True,
                    )
                wire = {path: wire_bytes(path) for path in [FLOOR, *endpoints(busiest), "/statements/export.csv"]}
            growth[statements] = scale_figures(pages(busiest), http)

    batch: dict[str, dict] = {}
    if not QUICK:
        print("Batch jobs (100,000 statements) …", flush=True)
        batch["export"] = export = task("export")
        export["pass"] = export["rows_per_second"] >= EXPORT_ROWS_PER_S and export["peak_memory_growth_mb"] < EXPORT_MB
        batch["import"] = imported = task("import")
        imported["pass"] = imported["rows_per_second"] >= IMPORT_ROWS_PER_S
        stale_db = DB + "_stale"
        recreate_database(stale_db, TEMPLATE)
        batch["flag_stale"] = flag = task("flag_stale", database=stale_db)
        flag["pass"] = flag["seconds"] < FLAG_SECONDS and flag["queries"] == flag["queries_at_100"]

    failed: list[str] = []
    for path, r in http.items():
        key = "country" if path.startswith("/countries/") else path
        target = TARGETS.get(key)
        r["target_ratio"] = target
        r["pass"] = (target is None or r["ratio_median"] >= target) and r["p99_ms"] < P99_MS and r["errors"] == 0
        if not r["pass"]:
            failed.append(path)
    scaling = {}
    for page in growth[SCALES[0]]:
        small, large = growth[SCALES[0]][page], growth[SCALES[-1]][page]
        factor = large["latency_to_floor"] / small["latency_to_floor"] if small["latency_to_floor"] else 0
        scaling[page] = {
            "served_p50_ms": {n: growth[n][page]["served_p50_ms"] for n in SCALES},
            "latency_to_floor": {n: growth[n][page]["latency_to_floor"] for n in SCALES},
            "cold_ms": {n: growth[n][page]["cold_ms"] for n in SCALES},
            "growth": round(factor, 2),
            "cold_growth": round(large["cold_ms"] / small["cold_ms"], 2) if small["cold_ms"] else 0,
            "pass": factor <= GROWTH,
        }
        if factor > GROWTH:
            failed.append(f"{page} (growth)")
    failed += [name for name, r in batch.items() if not r["pass"]]
    results = {
        "machine": machine(),
        "ran_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "quick": QUICK,
        "rounds": ROUNDS,
        "round_seconds": ROUND_SECONDS,
        "connections": CONNECTIONS,
        "accept_encoding": BROWSER_ENCODING,
        "datasets": datasets,
        "http": http,
        "scaling": scaling,
        "bytes_on_the_wire": wire,
        "batch": batch,
        "duration_seconds": round(time.time() - started),
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")

    print()
    print(
        "| endpoint (100,000 statements) | x floor, median | spread (min-max) | req/s | p50 ms | p99 ms | errors "
        "| target | result |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for path, r in http.items():
        target = f"≥ {r['target_ratio']}" if r["target_ratio"] else "-"
        print(
            f"| `{path}` | {r['ratio_median']:.2f} | {r['ratio_min']:.2f}-{r['ratio_max']:.2f} "
            f"| {r['requests_per_second']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} "
            f"| {target}, p99 < {P99_MS} | {'PASS' if r['pass'] else 'FAIL'} |"
        )
    print()
    print(
        "| page | served p50 ms at 1k / 10k / 100k | x floor's p50 at 1k / 10k / 100k | growth 1k → 100k "
        "| cold render ms at 1k / 10k / 100k | result |"
    )
    print("|---|---|---|---:|---|---|")
    for page, g in scaling.items():
        served = " / ".join(f"{g['served_p50_ms'][n]:.1f}" for n in SCALES)
        relative = " / ".join(f"{g['latency_to_floor'][n]:.2f}" for n in SCALES)
        cold = " / ".join(f"{g['cold_ms'][n]:.0f}" for n in SCALES)
        print(
            f"| `{page}` | {served} | {relative} | {g['growth']:.2f}x (≤ {GROWTH}) | {cold} ({g['cold_growth']:.1f}x) "
            f"| {'PASS' if g['pass'] else 'FAIL'} |"
        )
    print()
    print("| endpoint | identity bytes | gzip bytes | br bytes |")
    print("|---|---:|---:|---:|")
    for path, w in wire.items():
        print(f"| `{path}` | {w['identity']:,} | {w['gzip']:,} | {w['br']:,} |")
    if batch:
        export, imported, flag = batch["export"], batch["import"], batch["flag_stale"]
        print()
        print("| batch | figure | target | result |")
        print("|---|---|---|---|")
        print(
            f"| CSV export, {export['rows']:,} statements | {export['seconds']} s = {export['rows_per_second']:,} "
            f"rows/s, peak memory growth {export['peak_memory_growth_mb']} MB | ≥ {EXPORT_ROWS_PER_S:,} rows/s, "
            f"< {EXPORT_MB} MB | {'PASS' if export['pass'] else 'FAIL'} |"
        )
        print(
            f"| import, {imported['rows']:,}-row records CSV | {imported['seconds']} s = "
            f"{imported['rows_per_second']:,} rows/s | ≥ {IMPORT_ROWS_PER_S:,} rows/s "
            f"| {'PASS' if imported['pass'] else 'FAIL'} |"
        )
        print(
            f"| flag_stale, {flag['arrangements']:,} arrangements | {flag['seconds']} s, {flag['queries']} queries "
            f"({flag['queries_at_100']} at 100) | < {FLAG_SECONDS} s, same queries "
            f"| {'PASS' if flag['pass'] else 'FAIL'} |"
        )
    m = results["machine"]
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; total {results['duration_seconds']} s")
    if failed:
        print(f"FAIL: {', '.join(failed)} missed the target(s) above")
        return 1
    return 0


if __name__ == "__main__":
    exit_on_termination()  # a SIGTERM still runs the finally blocks that stop its servers and workers
    sys.exit(main())
