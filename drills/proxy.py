"""Proxy: the stack's caching proxy (deploy/nginx.conf, Debian's nginx) in front of two app servers.

Two gunicorn app servers on different ports ("machines" A and B, production settings, DEBUG off) share PostgreSQL
and Redis, each with its own Celery worker. For 60 s, 64 connections go through the proxy to `/`, the map API, a
country page and a filtered list. Meanwhile an editor logs a statement through A: an anonymous reader sees it
through the proxy within 30 s, and on B directly at once (no process on B keeps a stale copy); then A is stopped
while the load goes on, and the proxy must retry every request A could not answer on B.

Holds when: zero errors (socket errors or non-2xx through the proxy), at most 5 % of the requests reached an app
server (counted in the app servers' access logs), the statement was visible in time on both paths, and after A
stopped every request was answered. Ports: DRILL_PORT (the proxy), +1 (A) and +2 (B).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, ".")
import drills.common as c
from scripts.processes import exit_on_termination

sys.path.insert(0, str(c.ROOT / "scripts"))
from local_nginx import Nginx

SECONDS = int(os.environ.get("DRILL_PROXY_SECONDS", "60"))
WRITE_AT, STOP_A_AT = SECONDS // 4, SECONDS // 2
VISIBLE_WITHIN = 30.0
MAX_APP_SHARE = 0.05
LIST = "/statements/?sending_state=US"  # the filtered list the new statement shows on


def app_base(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def log_in(base: str) -> requests.Session:
    """The drill editor, logged in through the login form of one app server."""
    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    response = session.post(
        base + "/accounts/login/",
        data={
            "username": c.EDITOR,
            "password": c.EDITOR_PASSWORD,
            "csrfmiddlewaretoken": token.group(1) if token else "",
        },
        headers={"Referer": base + "/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    if response.status_code != 302:
        raise SystemExit(f"log in on {base}: HTTP {response.status_code}")
    return session


def write_statement(base: str, marker: str) -> int:
    """Log a statement through the editor's form on one app server; the HTTP status (302 when saved)."""
    session = log_in(base)
    form = session.get(base + "/editor/statement/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    response = session.post(
        base + "/editor/statement/",
        data={
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "receiving_countries": ["RW"],
            "sending_state": "US",
            "actor": "Drill proxy actor (synthetic)",
            "actor_kind": "other",
            "stance": "commentary",
            "date": dt.date.today().isoformat(),
            "paraphrase": marker,
            "source_url": "https://example.org/drill/proxy",
            "source_publisher": "Drill (synthetic)",
        },
        headers={"Referer": base + "/editor/statement/"},
        allow_redirects=False,
        timeout=10,
    )
    return response.status_code


def shows(base: str, marker: str) -> bool:
    """Whether an anonymous reader's GET of the filtered list (no cookies) shows the marker."""
    try:
        return marker in requests.get(base + LIST, timeout=10).text
    except requests.RequestException:
        return False


def country_path() -> str:
    """A receiving country with arrangements (the first of the map API's results)."""
    status, _, body = c.get("/api/v1/arrangements/")
    if status == 200:
        import json

        results = json.loads(body).get("results") or []
        if results:
            return f"/countries/{results[0]['receiving_country']}/"
    return "/countries/RW/"


def access_lines(path: Path) -> int:
    return sum(1 for _ in path.open()) if path.exists() else 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # stopped from outside: still stop what it started
    work = Path(tempfile.mkdtemp(prefix="tracker-proxy-drill-"))
    work.chmod(0o755)
    port_a, port_b = c.PORT + 1, c.PORT + 2
    logs = {"A": work / "a-access.log", "B": work / "b-access.log"}
    servers = {
        "A": c.Server(port=port_a, access_log=logs["A"]),
        "B": c.Server(port=port_b, access_log=logs["B"]),
    }
    workers = [
        c.Celery(*c.WORKER_ARGS, f"--hostname=proxy-{name.lower()}@%h", name=f"proxy-{name.lower()}")
        for name in servers
    ]
    proxy = Nginx([f"127.0.0.1:{port_a}", f"127.0.0.1:{port_b}"], c.PORT, work / "nginx")
    figures: dict = {"seconds": SECONDS, "work_dir": str(work)}
    try:
        if not proxy.wait():
            raise SystemExit(f"nginx did not answer: {proxy.error_log.read_text()[-1000:]}")
        targets = {"/": 16, "/api/v1/map/": 16, country_path(): 16, LIST: 16}  # 64 connections
        for path in targets:
            c.get(path)  # one warm-up each (counted below like any other request)
        before = {name: access_lines(log) for name, log in logs.items()}
        nginx_before = access_lines(proxy.access_log)
        runs = {path: c.wrk(path, SECONDS, n) for path, n in targets.items()}
        started = time.monotonic()

        # The editor writes through A; B (directly) and the proxy (anonymously) must show it.
        time.sleep(WRITE_AT)
        marker = f"Synthetic proxy drill statement {uuid.uuid4().hex[:12]}"
        figures["write_status_on_a"] = write_statement(app_base(port_a), marker)
        written = time.monotonic()
        figures["visible_on_b_directly_at_once"] = shows(app_base(port_b), marker)
        seen_at: list[float] = []

        def watch() -> None:
            while time.monotonic() - written < VISIBLE_WITHIN + 15:
                if shows(proxy.base, marker):
                    seen_at.append(time.monotonic() - written)
                    return
                time.sleep(0.5)

        watcher = threading.Thread(target=watch)
        watcher.start()

        # Machine A goes away mid-load (gunicorn's graceful stop: it finishes what it has, then refuses).
        time.sleep(max(0.0, STOP_A_AT - (time.monotonic() - started)))
        os.killpg(servers["A"].process.pid, signal.SIGTERM)
        servers["A"].process.wait(timeout=30)
        figures["a_stopped_after_s"] = round(time.monotonic() - started, 1)
        a_lines_at_stop = access_lines(logs["A"])
        # Requests no cache can answer (each URL new) while A is down: every one answered, through B.
        misses = [requests.get(f"{proxy.base}{LIST}&drill={n}", timeout=15).status_code for n in range(40)]
        figures["uncached_after_stop"] = {"requests": len(misses), "ok": misses.count(200)}

        results = {path: c.parse_wrk(run.communicate()[0]) for path, run in runs.items()}
        watcher.join()
        figures["visible_through_proxy_after_s"] = round(seen_at[0], 1) if seen_at else None
        total = sum(r["requests"] for r in results.values())
        reached = {name: access_lines(log) - before[name] for name, log in logs.items()}
        nginx_lines = proxy.access_log.read_text().splitlines()[nginx_before:]
        statuses = Counter(re.search(r'" (\d{3}) ', line).group(1) for line in nginx_lines if '" ' in line)
        cache = Counter(m.group(1) for line in nginx_lines if (m := re.search(r"cache=(\S+)", line)))
        retried = sum(1 for line in nginx_lines if re.search(r"upstream=\S+, ", line))
        figures |= {
            "connections": sum(targets.values()),
            "endpoints": results,
            "requests": total,
            "errors": sum(r["errors"] for r in results.values()),
            "proxy_5xx": sum(n for code, n in statuses.items() if code.startswith("5")),
            "reached_app_servers": reached,
            "app_share": round(sum(reached.values()) / total, 4) if total else None,
            "a_requests_after_stop": access_lines(logs["A"]) - a_lines_at_stop,
            "retried_on_another_server": retried,
            "proxy_cache_status": dict(cache),
        }
    finally:
        proxy.stop()
        for server in servers.values():
            if server.process.poll() is None:
                server.stop()
            else:
                server.log.close()
        for worker in workers:
            worker.stop()
    ok = (
        figures["errors"] == 0
        and figures["proxy_5xx"] == 0
        and figures["uncached_after_stop"]["ok"] == figures["uncached_after_stop"]["requests"]
        and figures["app_share"] is not None
        and figures["app_share"] <= MAX_APP_SHARE
        and figures["write_status_on_a"] == 302
        and figures["visible_on_b_directly_at_once"]
        and figures["visible_through_proxy_after_s"] is not None
        and figures["visible_through_proxy_after_s"] <= VISIBLE_WITHIN
    )
    return c.report("proxy", ok, figures)


if __name__ == "__main__":
    exit_on_termination()  # a SIGTERM still runs the finally blocks that stop its servers and workers
    sys.exit(main())
