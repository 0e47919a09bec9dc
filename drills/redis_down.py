"""Redis down: pages and the API keep serving (the cache degrades to the database), editor writes succeed, a task
queued meanwhile runs once Redis is back, and /healthz says degraded, then healthy."""

from __future__ import annotations

import json
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

sys.path.insert(0, ".")
import drills.common as c
from scripts.processes import exit_on_termination

PAGES = ["/", "/api/v1/map/", "/statements/?stance=denies", "/api/v1/arrangements/?status=reported", "/countries/SV/"]


class Browser:
    """An editor's session against the live server (cookies, CSRF), with the standard library only."""

    def __init__(self) -> None:
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(c.BASE + path, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}, doseq=True).encode()
        request = urllib.request.Request(c.BASE + path, data=body, headers={"Referer": c.BASE + path})
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def login(self) -> bool:
        self.get("/accounts/login/")
        status, body = self.post(
            "/accounts/login/", {"username": c.EDITOR, "password": c.EDITOR_PASSWORD, "next": "/editor/"}
        )
        return status == 200 and "Needs review" in body


def health() -> str:
    status, _, body = c.get("/healthz")
    return json.loads(body or b"{}").get("status", f"HTTP {status}")


def main() -> int:
    c.django_setup()
    from agreements.models import PendingTask, Source

    server = c.Server()
    worker = c.Celery(*c.WORKER_ARGS, name="redis-worker")
    beat = c.Celery(
        "beat", "--loglevel=INFO", "--schedule", str(c.ROOT / "drills" / "celerybeat-schedule"), name="redis-beat"
    )
    figures: dict = {}
    try:
        time.sleep(3)
        figures["health_before"] = health()
        editor = Browser()
        logged_in = editor.login()
        source = Source.objects.get(publisher="EFE")
        Source.objects.filter(pk=source.pk).update(last_checked_at=None, last_http_status=None)

        c.stop_redis()
        started = time.monotonic()
        statuses = [c.get(path)[0] for _ in range(5) for path in PAGES]
        figures["pages_while_down"] = {str(s): statuses.count(s) for s in sorted(set(statuses))}
        figures["health_while_down"] = health()
        status, body = editor.post(
            "/editor/statement/",
            {
                "receiving_countries": ["SV"],
                "sending_state": "US",
                "actor": "Drill actor (synthetic)",
                "actor_kind": "other",
                "stance": "commentary",
                "date": "2025-04-02",
                "paraphrase": "Synthetic drill paraphrase written while Redis was down.",
                "source_url": "https://example.org/drill/redis-down",
                "source_publisher": "Drill publisher",
            },
        )
        figures["editor_write_while_down"] = status == 200 and "logged" in body
        status, _ = editor.post(f"/editor/source/{source.pk}/check/", {})
        figures["task_kept_while_down"] = PendingTask.objects.count()
        figures["seconds_down"] = round(time.monotonic() - started, 1)

        c.start_redis()
        deadline = time.time() + 120
        while time.time() < deadline and Source.objects.get(pk=source.pk).last_checked_at is None:
            time.sleep(1)
        figures["queued_task_ran_after"] = Source.objects.get(pk=source.pk).last_checked_at is not None
        figures["pending_left"] = PendingTask.objects.count()
        deadline = time.time() + 30
        while time.time() < deadline and health() != "healthy":
            time.sleep(1)
        figures["health_after"] = health()
        figures["logged_in"] = logged_in
    finally:
        c.start_redis()
        for process in (beat, worker):
            process.stop()
        server.stop()
    ok = (
        figures.get("health_before") == "healthy"
        and set(figures.get("pages_while_down", {})) == {"200"}
        and figures.get("health_while_down") == "degraded"
        and figures.get("editor_write_while_down") is True
        and figures.get("task_kept_while_down", 0) >= 1
        and figures.get("queued_task_ran_after") is True
        and figures.get("pending_left") == 0
        and figures.get("health_after") == "healthy"
    )
    return c.report("redis-down", ok, figures)


if __name__ == "__main__":
    exit_on_termination()  # a SIGTERM still runs the finally blocks that stop its servers and workers
    sys.exit(main())
