"""PostgreSQL restart during load: while it is down, requests that need the database fail fast with 503 (cached
pages keep being served); once it is back they succeed again, without restarting the app."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, ".")
import drills.common as c
from scripts.processes import exit_on_termination

PATHS = ["/healthz", "/api/v1/status-changes/?q=drill-uncached", "/", "/api/v1/map/"]


def cluster(action: str) -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            version,
            "main",
            action,
            *(["-m", "fast"] if action == "stop" else []),
        ],
        check=True,
        capture_output=True,
    )


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0


def main() -> int:
    server = c.Server()
    samples: list[tuple[str, int, float]] = []
    phase = ["before"]
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            for path in PATHS:
                status, seconds, _ = c.get(path, timeout=15)
                samples.append((phase[0], status, seconds))

    threads = [threading.Thread(target=load) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        time.sleep(5)
        phase[0] = "down"
        cluster("stop")
        time.sleep(6)
        phase[0] = "restarting"
        cluster("start")
        deadline = time.time() + 60
        while not pg_ready() and time.time() < deadline:
            time.sleep(0.5)
        time.sleep(2)  # connections are re-established by the next requests
        phase[0] = "after"
        time.sleep(6)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        if not pg_ready():
            cluster("start")
        server.stop()

    def of(name: str) -> list[tuple[str, int, float]]:
        return [s for s in samples if s[0] == name]

    down, after, before = of("down"), of("after"), of("before")
    figures = {
        "before": {str(code): sum(1 for s in before if s[1] == code) for code in sorted({s[1] for s in before})},
        "while_down": {str(code): sum(1 for s in down if s[1] == code) for code in sorted({s[1] for s in down})},
        "slowest_while_down_s": round(max((s[2] for s in down), default=0), 2),
        "after": {str(code): sum(1 for s in after if s[1] == code) for code in sorted({s[1] for s in after})},
    }
    ok = (
        all(s[1] == 200 for s in before)
        and all(s[1] in (200, 503) for s in down)
        and any(s[1] == 503 for s in down)
        and figures["slowest_while_down_s"] < 3
        and after
        and all(s[1] == 200 for s in after)
    )
    return c.report("postgresql-restart", ok, figures)


if __name__ == "__main__":
    exit_on_termination()  # a SIGTERM still runs the finally blocks that stop its servers and workers
    sys.exit(main())
