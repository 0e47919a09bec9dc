"""Shared pieces of the reliability drills: the drill database, a gunicorn server, wrk, process memory."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from scripts.processes import stop_group, stop_stray_workers

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = os.environ.get("DRILL_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("DRILL_DATABASE", "tracker_drill")
REDIS = os.environ.get("DRILL_REDIS", "redis://127.0.0.1:6379/12")
PORT = int(os.environ.get("DRILL_PORT", "8766"))
BASE = f"http://127.0.0.1:{PORT}"
EDITOR, EDITOR_PASSWORD = "drill-editor", "drill-only-password-5b1e"


# A quiet worker for one-box runs (no heartbeat, mingle or gossip between workers), as the tests start it too.
WORKER_ARGS = [
    "worker",
    "--pool=solo",
    "--loglevel=INFO",
    "--without-heartbeat",
    "--without-mingle",
    "--without-gossip",
]


def env(**extra: str) -> dict[str, str]:
    return (
        os.environ
        | {
            "DATABASE_URL": f"{PG}/{DB}",
            "REDIS_URL": REDIS,
            "SECRET_KEY": "drill-only-" + "x" * 60,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "0",
            "HTTPS": "0",
            "TRACKER_TESTING": "0",
            "DB_CONN_MAX_AGE": "60",
            "DB_CONNECT_TIMEOUT": "2",
            "CELERY_VISIBILITY_TIMEOUT": "10",
            "CELERY_RESTORE_INTERVAL": "2",
            "LINK_CHECK_TIMEOUT": "2",
            "CELERY_FLUSH_PENDING_SECONDS": "5",
        }
        | extra
    )


def django_setup() -> None:
    os.environ.update(env())
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()


def manage(*args: str) -> str:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env(), check=True, capture_output=True, text=True
    ).stdout


def prepare_database() -> None:
    """A fresh drill database: migrations, the demo data, a synthetic dataset, an editor account."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    import redis

    stop_stray_workers(REDIS)  # a worker an interrupted drill left would take this run's tasks
    redis.Redis.from_url(REDIS).flushdb()
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")  # gunicorn serves the hashed, compressed files (WhiteNoise)
    manage("import_records", "fixtures/seed-records.csv")
    manage("import_records", "fixtures/sourced-records.csv")
    subprocess.run(
        [
            PYTHON,
            "-c",
            (
                "import sys; sys.path.insert(0, 'bench'); import drills.common as c; c.django_setup();"
                "from dataset import build, Sizes; build(Sizes(status_changes=2000, statements=5000, sources=1000,"
                " actors=200), log=lambda m: None)"
            ),
        ],
        cwd=ROOT,
        env=env(),
        check=True,
    )
    subprocess.run(
        [
            PYTHON,
            "-c",
            (
                "import drills.common as c; c.django_setup();"
                "from django.contrib.auth import get_user_model; from django.contrib.auth.models import Group;"
                f"u = get_user_model().objects.create_user({EDITOR!r}, password={EDITOR_PASSWORD!r});"
                "u.groups.add(Group.objects.get(name='editors'))"
            ),
        ],
        cwd=ROOT,
        env=env(),
        check=True,
    )


def gunicorn(port: int, log: IO[str], environ: dict[str, str], *, access_log: Path | None = None) -> subprocess.Popen:
    """gunicorn as production runs it (tracker.wsgi, 2 workers) on 127.0.0.1:`port`, in a process group of its own."""
    argv = ["gunicorn", "tracker.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "30"]
    argv += ["--log-level", "warning", "--access-logfile", str(access_log or os.devnull)]
    return subprocess.Popen(
        [PYTHON, "-m", *argv], cwd=ROOT, env=environ, stdout=log, stderr=log, start_new_session=True
    )


class Server:
    """gunicorn with 2 workers on the drill database (on `port`, default the drill's; with an access log if given)."""

    def __init__(self, *, port: int = PORT, access_log: Path | None = None, **extra: str):
        self.log = open(ROOT / "drills" / "gunicorn.log", "a")  # noqa: SIM115
        self.process = gunicorn(port, self.log, env(**extra), access_log=access_log)
        wait_http(f"http://127.0.0.1:{port}/healthz/live")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        stop_group(self.process, timeout=30)
        self.log.close()


class Celery:
    """A celery worker (and optionally beat) on the drill database and broker."""

    def __init__(self, *args: str, name: str = "worker", **extra: str):
        self.path = ROOT / "drills" / f"celery-{name}.log"
        self.process = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "tracker", *args],
            cwd=ROOT,
            env=env(**extra),
            stdout=self.path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        stop_group(self.process)


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout}s")


def get(path: str, timeout: float = 10) -> tuple[int, float, bytes]:
    """(status, seconds, body) of one GET; status 0 when the connection failed."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(BASE + path, timeout=timeout) as response:
            return response.status, time.monotonic() - started, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, time.monotonic() - started, exc.read()
    except OSError:
        return 0, time.monotonic() - started, b""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(path: str, seconds: int, connections: int, base: str = BASE) -> subprocess.Popen:
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", base + path],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def parse_wrk(out: str) -> dict:
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", out, re.MULTILINE)
    requests = re.search(r"(\d+) requests in", out)
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests": int(requests.group(1)) if requests else 0,
        "errors": socket_errors + (int(non_2xx.group(1)) if non_2xx else 0),
        "p99_ms": round(float(p99.group(1)) * units[p99.group(2)], 1) if p99 else None,
    }


def redis_up() -> bool:
    return (
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True, text=True).stdout.strip()
        == "PONG"
    )


def start_redis() -> None:
    if not redis_up():
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
        )
    for _ in range(50):
        if redis_up():
            return
        time.sleep(0.1)
    raise SystemExit("Redis did not come back")


def stop_redis() -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], capture_output=True)
    for _ in range(50):
        if not redis_up():
            return
        time.sleep(0.1)


def report(name: str, ok: bool, figures: dict) -> int:
    print(f"DRILL {name}: {'PASS' if ok else 'FAIL'} {json.dumps(figures)}", flush=True)
    return 0 if ok else 1
