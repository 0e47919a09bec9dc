"""Whole-response caching of public reads, keyed by the data version: every write invalidates every entry at once.

Only anonymous GET/HEAD requests are served from or stored in the cache (an editor always sees the database), and
only complete 200 responses that set no cookie are stored. A cache that is down is skipped, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from .services import data_version

PAGE_SECONDS = 300  # also bounds how late a "not verified since" deadline passing shows on a cached page
KEPT_HEADERS = ("content-type", "content-disposition", "etag", "cache-control", "vary", "allow")
LOCAL_ENTRIES = 256
# This process keeps the latest entry of each page too, with the data version it was made for (so a hit costs one
# small cache read, the version, instead of the whole page). A newer version replaces an entry, so memory stays
# bounded by the number of distinct pages, however often the data changes.
_LOCAL: dict[str, tuple[str, Any]] = {}


def _local_get(version: str, variant: str) -> Any:
    hit = _LOCAL.get(variant)
    return hit[1] if hit is not None and hit[0] == version else None


def _remember(version: str, variant: str, entry: Any) -> None:
    if len(_LOCAL) >= LOCAL_ENTRIES and variant not in _LOCAL:
        _LOCAL.clear()
    _LOCAL[variant] = (version, entry)


def _anonymous(request: HttpRequest) -> bool:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True  # no session: anonymous, and no query to find out
    return not request.user.is_authenticated


def _variant(request: HttpRequest) -> str:
    variant = "|".join(
        (request.get_full_path(), request.headers.get("HX-Request", ""), request.headers.get("Accept", "")[:100])
    )
    return hashlib.blake2b(variant.encode(), digest_size=16).hexdigest()


def cached_response(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve a public read from the cache while the data has not changed."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method not in ("GET", "HEAD") or not _anonymous(request):
            return view(request, *args, **kwargs)
        version = data_version()
        if not version:
            return view(request, *args, **kwargs)
        variant = _variant(request)
        key = f"page:{version}:{variant}"
        hit = _local_get(version, variant)
        if hit is None:
            try:
                hit = cache.get(key)
            except Exception:
                hit = None
            if hit is not None:
                _remember(version, variant, hit)
        if hit is not None:
            status, headers, content = hit
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or getattr(response, "streaming", False) or response.cookies:
            return response
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        headers = [(k, v) for k, v in response.items() if k.lower() in KEPT_HEADERS]
        entry = (response.status_code, headers, response.content)
        with contextlib.suppress(Exception):
            cache.set(key, entry, PAGE_SECONDS)
        _remember(version, variant, entry)
        return response

    return wrapped
