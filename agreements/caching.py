"""Whole-response caching of public reads, keyed by the data version: every write invalidates every entry at once.

One helper serves pages and the API alike. Only anonymous GET/HEAD requests are served from or stored in the cache
(an editor always sees the database), and only complete 200 responses that set no cookie are stored. Conditional
requests go through Django's own `condition()` machinery with an ETag made of the data version and the request's
variant, so a revalidation costs no database query. A cache that is down is skipped, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import condition

logger = logging.getLogger(__name__)

DATA_VERSION_KEY = "tracker:data-version"
PAGE_SECONDS = 300  # also bounds how late a "not verified since" deadline passing shows on a cached page
KEPT_HEADERS = ("content-type", "content-disposition", "etag", "cache-control", "vary", "allow")
LOCAL_ENTRIES = 256
# This process keeps the latest entry of each page too, with the data version it was made for (so a hit costs one
# small cache read, the version, instead of the whole page). A newer version replaces an entry, so memory stays
# bounded by the number of distinct pages, however often the data changes.
_LOCAL: dict[str, tuple[str, Any]] = {}


# ---------------------------------------------------------------------------------------------------------------
# The data version: a token that changes on every write.


def bump_data_version() -> None:
    """Invalidate every cached read by moving the data version on."""
    try:
        cache.set(DATA_VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:  # the cache being down must never fail a write; reads then miss and go to the database
        logger.warning("could not bump the data version in the cache", exc_info=True)


def data_version() -> str:
    """The current data version, for cache keys and ETags ("" when the cache is unavailable)."""
    try:
        version = cache.get(DATA_VERSION_KEY)
        if version is None:
            version = uuid.uuid4().hex
            cache.add(DATA_VERSION_KEY, version, None)
            version = cache.get(DATA_VERSION_KEY, version)
        return str(version)
    except Exception:
        logger.warning("cache unavailable; serving uncached", exc_info=True)
        return ""


def data_changed() -> None:
    """After this transaction commits, every cached read is stale."""
    transaction.on_commit(bump_data_version)


# ---------------------------------------------------------------------------------------------------------------
# The response cache


def _cacheable(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True  # no session: anonymous, and no query to find out
    return not request.user.is_authenticated


def _variant(request: HttpRequest) -> str:
    variant = "|".join(
        (
            # Scheme and host too: pages carry absolute URLs (canonical, share image, citation, embed snippet).
            request.build_absolute_uri(),
            request.headers.get("HX-Request", ""),
            request.headers.get("HX-Target", "")[:50],
            request.headers.get("Accept", "")[:100],
        )
    )
    return hashlib.blake2b(variant.encode(), digest_size=16).hexdigest()


def _etag(request: HttpRequest, *args: Any, **kwargs: Any) -> str | None:
    """The validator of a cacheable read: the data version and the request's variant (no database query)."""
    if not _cacheable(request):
        return None
    version = data_version()
    if not version:
        return None
    request._tracker_cache = (version, _variant(request))  # type: ignore[attr-defined]
    return hashlib.blake2b(f"{version}:{request._tracker_cache[1]}".encode(), digest_size=12).hexdigest()  # type: ignore[attr-defined]


def _lookup(version: str, variant: str) -> Any:
    hit = _LOCAL.get(variant)
    if hit is not None and hit[0] == version:
        return hit[1]
    try:
        entry = cache.get(f"page:{version}:{variant}")
    except Exception:
        return None
    if entry is not None:
        _remember(version, variant, entry)
    return entry


def clear_local() -> None:
    """Forget this process's copies (with the shared cache cleared too, every read goes to the database)."""
    _LOCAL.clear()


def _remember(version: str, variant: str, entry: Any) -> None:
    if len(_LOCAL) >= LOCAL_ENTRIES and variant not in _LOCAL:
        _LOCAL.clear()
    _LOCAL[variant] = (version, entry)


def cached_response(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve a public read from the cache while the data has not changed, with an ETag and 304s."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = getattr(request, "_tracker_cache", None)
        if key is None:
            return view(request, *args, **kwargs)
        version, variant = key
        hit = _lookup(version, variant)
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
            cache.set(f"page:{version}:{variant}", entry, PAGE_SECONDS)
        _remember(version, variant, entry)
        return response

    return condition(etag_func=_etag)(wrapped)
