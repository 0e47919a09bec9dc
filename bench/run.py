"""make bench: how fast the tracker is, measured against the framework's own floor.

Builds a deterministic synthetic dataset on PostgreSQL, serves the app with gunicorn (2 workers) on Redis, drives
each endpoint with wrk at 32 connections for a fixed time, and measures the batch jobs. The floor is /healthz/live
(touches neither database nor cache) in the same run, so every figure is also a ratio to it. Writes
bench/results.json and prints a table with PASS/FAIL against the targets. Never part of `make test`.

Environment: BENCH_DATABASE (default tracker_bench), BENCH_SECONDS per endpoint (default 10), BENCH_PG
(postgres://postgres@127.0.0.1:5432), BENCH_REDIS (redis://127.0.0.1:6379/13).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DATABASE", "tracker_bench")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = 32
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"

TARGETS = {  # endpoint → minimum ratio to the floor's throughput
    "/api/v1/map/": 0.8,
    "/": 0.5,
    "country": 0.4,
    "/arrangements/?status=agreed": 0.25,
    "/statements/?stance=denies": 0.25,
    "/api/v1/statements/?stance=denies&page_size=100": 0.25,
}
P99_MS = 150
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


def task(name: str, database: str = DB) -> dict:
    out = run(PYTHON, "bench/tasks.py", name, database=database, capture=True)
    return json.loads(out.strip().splitlines()[-1])


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url} within {timeout}s")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * UNITS[match.group(2)]


def wrk(path: str, seconds: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "5s", BASE + path],
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


def http_benchmarks(busiest: str) -> dict:
    endpoints = [
        "/healthz/live",
        "/api/v1/map/",
        "/",
        f"/countries/{busiest}/",
        "/arrangements/?status=agreed",
        "/statements/?stance=denies",
        "/api/v1/statements/?stance=denies&page_size=100",
    ]
    log = open(ROOT / "bench" / "gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "tracker.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env(),
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    results = {}
    try:
        wait_for(BASE + "/healthz/live")
        for path in endpoints:
            wrk(path, 3)  # warm-up: connections, caches, code paths
            results[path] = wrk(path, SECONDS)
            r = results[path]
            print(
                f"  {path:<52} {r['requests_per_second']:>9.1f} req/s  p50 {r['p50_ms']:>7.2f} ms"
                f"  p99 {r['p99_ms']:>7.2f} ms  errors {r['errors']}",
                flush=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    return results


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
    print(f"Benchmark database {DB} on {PG}; Redis {REDIS}; {SECONDS}s per endpoint at {CONNECTIONS} connections")
    recreate_database(DB)
    flush_redis()
    run(PYTHON, "manage.py", "migrate", "--noinput", "-v0")
    run(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0")
    print("Building the synthetic dataset …", flush=True)
    dataset = task("build")
    busiest = task("busiest")
    print(
        f"  built in {dataset['seconds']} s; busiest receiving country {busiest['iso2']} "
        f"({busiest['statements']:,} statements)"
    )

    print("HTTP (gunicorn, 2 workers; wrk) …", flush=True)
    http = http_benchmarks(busiest["iso2"])
    floor = http["/healthz/live"]["requests_per_second"]

    print("Batch jobs …", flush=True)
    export = task("export")
    print(
        f"  export: {export['rows']:,} statements in {export['seconds']} s, peak memory growth "
        f"{export['peak_memory_growth_mb']} MB"
    )
    imported = task("import")
    print(f"  import: {imported['rows']:,} rows in {imported['seconds']} s")
    stale_db = DB + "_stale"
    recreate_database(stale_db)
    run(PYTHON, "manage.py", "migrate", "--noinput", "-v0", database=stale_db)
    flag = task("flag_stale", database=stale_db)
    print(f"  flag_stale: {flag['arrangements']:,} arrangements in {flag['seconds']} s, {flag['queries']} queries")

    rows = []
    for path, result in http.items():
        key = "country" if path.startswith("/countries/") else path
        ratio = result["requests_per_second"] / floor if floor else 0
        target = TARGETS.get(key)
        ok = (target is None or ratio >= target) and result["p99_ms"] < P99_MS and result["errors"] == 0
        result |= {"ratio_to_floor": round(ratio, 3), "target_ratio": target, "pass": ok}
        rows.append((path, result))
    export_ok = export["rows_per_second"] >= EXPORT_ROWS_PER_S and export["peak_memory_growth_mb"] < EXPORT_MB
    import_ok = imported["rows_per_second"] >= IMPORT_ROWS_PER_S
    flag_ok = flag["seconds"] < FLAG_SECONDS and flag["queries"] == flag["queries_at_100"]
    results = {
        "machine": machine(),
        "ran_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "seconds_per_endpoint": SECONDS,
        "connections": CONNECTIONS,
        "dataset": dataset | {"busiest_country": busiest},
        "floor_requests_per_second": floor,
        "http": dict(rows),
        "export": export | {"pass": export_ok},
        "import": imported | {"pass": import_ok},
        "flag_stale": flag | {"pass": flag_ok},
        "duration_seconds": round(time.time() - started),
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")

    print()
    print("| endpoint | req/s | p50 ms | p99 ms | errors | x floor | target | result |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for path, r in rows:
        target = f"≥ {r['target_ratio']}" if r["target_ratio"] else "floor"
        print(
            f"| `{path}` | {r['requests_per_second']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} "
            f"| {r['ratio_to_floor']:.2f} | {target} | {'PASS' if r['pass'] else 'FAIL'} |"
        )
    print()
    print("| batch | figure | target | result |")
    print("|---|---|---|---|")
    print(
        f"| CSV export, {export['rows']:,} statements | {export['seconds']} s = {export['rows_per_second']:,} rows/s, "
        f"peak memory growth {export['peak_memory_growth_mb']} MB | ≥ {EXPORT_ROWS_PER_S:,} rows/s, < {EXPORT_MB} MB "
        f"| {'PASS' if export_ok else 'FAIL'} |"
    )
    print(
        f"| import, {imported['rows']:,}-row records CSV | {imported['seconds']} s = {imported['rows_per_second']:,} "
        f"rows/s | ≥ {IMPORT_ROWS_PER_S:,} rows/s | {'PASS' if import_ok else 'FAIL'} |"
    )
    print(
        f"| flag_stale, {flag['arrangements']:,} arrangements | {flag['seconds']} s, {flag['queries']} queries "
        f"({flag['queries_at_100']} at 100) | < {FLAG_SECONDS} s, same queries | {'PASS' if flag_ok else 'FAIL'} |"
    )
    print(
        f"\nmachine: {results['machine']['cpu']}, {results['machine']['cores']} cores, "
        f"{results['machine']['memory_gb']} GB; total {results['duration_seconds']} s; written to bench/results.json"
    )
    failed = [path for path, r in rows if not r["pass"]]
    failed += [name for name, ok in (("export", export_ok), ("import", import_ok), ("flag_stale", flag_ok)) if not ok]
    if failed:
        print(f"FAIL: {', '.join(failed)} missed the target(s) above")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
