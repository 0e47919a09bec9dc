"""Health endpoints: liveness (the benchmark floor) and readiness of the database, the cache and the broker."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse


def healthz_live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches neither database nor cache (the benchmark floor)."""
    return HttpResponse("ok", content_type="text/plain")


def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, cache and broker. 200 "healthy", 200 "degraded" (serving without cache or broker),
    503 "down" (no database)."""
    checks = {"database": _check(_database_ok), "cache": _check(_cache_ok)}
    if settings.REDIS_URL:
        checks["broker"] = _check(_broker_ok)
    if checks["database"] != "ok":
        status, code = "down", 503
    elif all(v == "ok" for v in checks.values()):
        status, code = "healthy", 200
    else:
        status, code = "degraded", 200
    response = JsonResponse({"status": status, **checks}, status=code)
    response["Cache-Control"] = "no-store"
    return response


def _check(probe: Any) -> str:
    try:
        probe()
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}"
    return "ok"


def _database_ok() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache_ok() -> None:
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not keep a value")


def _broker_ok() -> None:
    from tracker.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
