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
LOCAL_ENTRIES = 512
# This process keeps recent entries too (keys carry the data version, so they are never stale): a hit then costs
# one small cache read, the version, instead of the whole page.
_LOCAL: dict[str, Any] = {}


def _remember(key: str, entry: Any) -> None:
    if len(_LOCAL) >= LOCAL_ENTRIES:
        _LOCAL.clear()
    _LOCAL[key] = entry


def _anonymous(request: HttpRequest) -> bool:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True  # no session: anonymous, and no query to find out
    return not request.user.is_authenticated


def _key(version: str, request: HttpRequest) -> str:
    variant = "|".join(
        (request.get_full_path(), request.headers.get("HX-Request", ""), request.headers.get("Accept", "")[:100])
    )
    return f"page:{version}:{hashlib.blake2b(variant.encode(), digest_size=16).hexdigest()}"


def cached_response(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve a public read from the cache while the data has not changed."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method not in ("GET", "HEAD") or not _anonymous(request):
            return view(request, *args, **kwargs)
        version = data_version()
        if not version:
            return view(request, *args, **kwargs)
        key = _key(version, request)
        hit = _LOCAL.get(key)
        if hit is None:
            try:
                hit = cache.get(key)
            except Exception:
                hit = None
            if hit is not None:
                _remember(key, hit)
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
        _remember(key, entry)
        return response

    return wrapped
