"""Whole-response caching of public reads, keyed by the data version: every write invalidates every entry at once;
and the HTTP caching policy and compression of every public read, in one decorator (`cached_response`).

One helper serves pages, lists, exports, feeds and the API alike. Only anonymous GET/HEAD requests are served from
or stored in the cache (an editor always sees the database, `private, no-store`), and only complete 200 responses
that set no cookie and fit the entry cap are stored, with their body compressed once (gzip and Brotli) when stored.
The key and the strong ETag are the data version and the request's effective variant: scheme, host, path, the known
parameters normalised (unknown ones are dropped before the view runs), and the request headers a view reads. A
revalidation (If-None-Match) is answered 304 with no database query. A cache that is down is skipped, never an error.

A hit is answered twice as cheaply by `PublicCacheMiddleware`, early in the middleware stack: for a request with no
session cookie to a public route, it answers the 304 or the stored response itself, with the headers the rest of
the stack gave that response when it was made (security policy, frame options, Vary), so the middleware after it
and the view do not run. Everything else goes on to the decorator, which decides as it always does.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import wraps
from typing import Any, NamedTuple

import brotli
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.text import compress_sequence

logger = logging.getLogger(__name__)

DATA_VERSION_KEY = "tracker:data-version"
PAGE_SECONDS = 300  # also bounds how late a "not verified since" deadline passing shows on a cached page
KEPT_HEADERS = ("content-type", "content-disposition", "etag", "cache-control", "vary", "allow")
LOCAL_ENTRIES = 256
LOCAL_BYTES = 64 * 1024 * 1024  # and at most this many bytes of bodies (identity, gzip and Brotli of each entry)
# This process keeps the latest entry of each page too, with the data version it was made for (so a hit costs one
# small cache read, the version, instead of the whole page). A newer version replaces an entry, so memory stays
# bounded by the number of distinct pages, however often the data changes.
Entry = tuple[int, list[tuple[str, str]], dict[str, bytes]]  # status, headers, body by encoding ("" = identity)


class LocalCopy(NamedTuple):
    """This process's copy of an entry: the data version it was made for, the entry, and by encoding every header
    of the response as it left the middleware below PublicCacheMiddleware (what that middleware answers with)."""

    version: str
    entry: Entry
    replay: dict[str, list[tuple[str, str]]]


_LOCAL: dict[str, LocalCopy] = {}
_LOCAL_SIZE = [0]  # bytes of the bodies in _LOCAL


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
# The response cache and the HTTP caching policy of public reads


# What a browser (max-age), a shared cache such as the proxy (s-maxage) and either while it revalidates in the
# background (stale-while-revalidate) may serve without asking. Short: a write is visible through a proxy within
# s-maxage + stale-while-revalidate = 25 s, and the app's own cache is never stale (the data version).
MAX_AGE, S_MAXAGE, STALE_WHILE_REVALIDATE = 10, 15, 10
PUBLIC_CACHE_CONTROL = (
    f"public, max-age={MAX_AGE}, s-maxage={S_MAXAGE}, stale-while-revalidate={STALE_WHILE_REVALIDATE}"
)
PRIVATE_CACHE_CONTROL = "private, no-store"
# A public response varies on these request headers (the Cookie: an editor's request gets the editor's page).
PUBLIC_VARY = ("Accept-Encoding", "Cookie", "HX-Request", "HX-Target")
# The cap on one entry of the page cache (uncompressed bytes): a larger response (a whole export) is served, with
# its validator, but not stored.
MAX_ENTRY_BYTES = 2 * 1024 * 1024
# Parameters read directly from request.GET by a view (not through a form or FilterSet, which are found below):
# the list's and the API's page and page size, a list's sort, DRF's format override, the changes API's `since`;
# the comparison's `from` and `to` (fields CompareQuery adds when made, "from" being a keyword); the schema's and its
# docs' (drf-spectacular) language, version and script.
DIRECT_PARAMETERS = frozenset(
    {"page", "page_size", "sort", "format", "since", "as_of", "from", "to", "lang", "version", "script"}
)
# The htmx targets a view answers differently (the map's side panel, views.pages.home); any other target is the
# same page as no target.
HTMX_TARGETS = frozenset({"map-side"})

# Compression: (encoding, compress) in the order preferred when a client accepts several at the same weight.
COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/geo+json",
    "application/atom+xml",
    "application/rss+xml",
    "application/xml",
    "application/javascript",
    "image/svg+xml",
)
MIN_COMPRESS_BYTES = 200
BROTLI_QUALITY = 5  # 2 ms for the 60 KB map (quality 11: 90 ms for 15 % fewer bytes)


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def _brotli(data: bytes) -> bytes:
    return bytes(brotli.compress(data, quality=BROTLI_QUALITY))


ENCODINGS: dict[str, Callable[[bytes], bytes]] = {"br": _brotli, "gzip": _gzip}


def _subclasses(cls: type) -> Iterator[Any]:
    sub: Any
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _field_names(name: str, widget: Any) -> set[str]:
    """The parameter names one form field reads (a range widget reads name_after and name_before, say)."""
    suffixes = getattr(widget, "suffixes", None)
    if suffixes:
        return {f"{name}_{suffix}" if suffix else name for suffix in suffixes}
    if isinstance(widget, forms.MultiWidget):
        return {f"{name}_{i}" for i in range(len(widget.widgets))}
    return {name}


@functools.cache
def known_parameters() -> frozenset[str]:
    """Every query parameter a public view reads: the fields of the project's forms and FilterSets (the one place
    each view's parameters are declared) and the few read directly. Anything else is dropped before the view runs
    and is no part of the cache key, so unknown parameters can neither flood the cache nor be echoed in a page."""
    from django_filters import FilterSet

    names = set(DIRECT_PARAMETERS)
    for form in _subclasses(forms.BaseForm):
        if form.__module__.startswith("agreements."):
            for name, field in getattr(form, "base_fields", {}).items():
                names |= _field_names(name, field.widget)
    for filterset in _subclasses(FilterSet):
        if filterset.__module__.startswith("agreements."):
            for name, filter_ in filterset.base_filters.items():
                names |= _field_names(name, filter_.field.widget)
    return frozenset(names)


def _normalise(request: HttpRequest) -> str:
    """Keep only the known parameters, in their order (a page's canonical URL keeps the order it was linked with),
    in request.GET and the query string alike (links a view builds from either carry nothing else); returns the
    normalised query string."""
    known = known_parameters()
    kept = QueryDict(mutable=True)
    for name in request.GET:
        if name in known:
            kept.setlist(name, request.GET.getlist(name))
    query = kept.urlencode()
    kept._mutable = False
    request.GET = kept  # type: ignore[assignment]
    request.META["QUERY_STRING"] = query
    return query


def _accept_class(request: HttpRequest) -> str:
    """What of the Accept header decides a representation (DRF's JSON or its browsable page): two media types."""
    accept = request.headers.get("Accept", "")
    return "".join(flag for media, flag in (("text/html", "h"), ("application/json", "j")) if media in accept)


def _variant(request: HttpRequest, query: str) -> str:
    """Scheme and host (pages carry absolute URLs: canonical, share image, citation, embed snippet), the path,
    the normalised parameters, and the request headers a view reads (htmx, Accept), each reduced to what matters."""
    htmx = request.headers.get("HX-Request", "") == "true"
    target = request.headers.get("HX-Target", "")
    variant = "|".join(
        (
            request.scheme or "",
            request.get_host(),
            request.path,
            query,
            "hx" if htmx else "",
            target if htmx and target in HTMX_TARGETS else "",
            _accept_class(request),
        )
    )
    return hashlib.blake2b(variant.encode(), digest_size=16).hexdigest()


def _read_without_session(request: HttpRequest) -> bool:
    """A GET or HEAD with no session cookie: anonymous, and no query to find out."""
    return request.method in ("GET", "HEAD") and settings.SESSION_COOKIE_NAME not in request.COOKIES


def _cacheable(request: HttpRequest) -> bool:
    if _read_without_session(request):
        return True
    return request.method in ("GET", "HEAD") and not request.user.is_authenticated


def accepted_encoding(request: HttpRequest) -> str:
    """The compression to answer with: Brotli or gzip by the client's weights (Brotli on a tie), "" for none."""
    weights: dict[str, float] = {}
    for part in request.headers.get("Accept-Encoding", "").split(","):
        token, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        weights[token.strip().lower()] = weight
    star = weights.get("*", 0.0)
    best = max(ENCODINGS, key=lambda e: weights.get(e, star))
    return best if weights.get(best, star) > 0 else ""


def compressible(response: HttpResponseBase) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return not response.has_header("Content-Encoding") and content_type.startswith(COMPRESSIBLE_TYPES)


def _entry(response: HttpResponse) -> Entry:
    """A stored response: status, headers and its body in every encoding (compressed here, once per version)."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    body = response.content
    bodies = {"": body}
    if compressible(response) and len(body) >= MIN_COMPRESS_BYTES:
        bodies |= {encoding: compress(body) for encoding, compress in ENCODINGS.items()}
    headers = [(k, v) for k, v in response.items() if k.lower() in KEPT_HEADERS]
    return response.status_code, headers, bodies


def _from_entry(entry: Entry, encoding: str) -> HttpResponse:
    status, headers, bodies = entry
    encoding = encoding if encoding in bodies else ""
    response = HttpResponse(bodies[encoding], status=status)
    for name, value in headers:
        response[name] = value
    if encoding:
        response["Content-Encoding"] = encoding
    return response


def _stream_compressed(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    """A streamed body (an export) compressed as it goes."""
    if encoding == "gzip":
        yield from compress_sequence(chunks)
        return
    compressor = brotli.Compressor(quality=BROTLI_QUALITY)
    for chunk in chunks:
        out = compressor.process(chunk)
        if out:
            yield out
    yield compressor.finish()


def _compress(response: HttpResponseBase, encoding: str) -> HttpResponseBase:
    """Compress a response that is not stored (a streamed export, a response too large for an entry)."""
    if not encoding or response.status_code != 200 or not compressible(response):
        return response
    if isinstance(response, StreamingHttpResponse):
        response.streaming_content = _stream_compressed(response.streaming_content, encoding)  # type: ignore[arg-type]
        if response.has_header("Content-Length"):
            del response["Content-Length"]
    elif isinstance(response, HttpResponse) and len(response.content) >= MIN_COMPRESS_BYTES:
        response.content = ENCODINGS[encoding](response.content)
        response["Content-Length"] = str(len(response.content))
    else:
        return response
    response["Content-Encoding"] = encoding
    return response


def _public(response: HttpResponseBase, etag: str | None) -> HttpResponseBase:
    if response.status_code >= 500:
        response["Cache-Control"] = "no-store"
        return response
    if "immutable" not in response.get("Cache-Control", ""):
        response["Cache-Control"] = PUBLIC_CACHE_CONTROL
    if etag:
        response["ETag"] = etag
    patch_vary_headers(response, PUBLIC_VARY)
    return response


def private(response: HttpResponseBase) -> HttpResponseBase:
    """One person's response: never stored by a browser's or any shared cache."""
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL
    patch_vary_headers(response, ("Cookie",))
    return response


def _local(version: str, variant: str) -> LocalCopy | None:
    """This process's copy of an entry, if it is of this data version."""
    copy = _LOCAL.get(variant)
    return copy if copy is not None and copy.version == version else None


def _lookup(version: str, variant: str) -> Entry | None:
    copy = _local(version, variant)
    if copy is not None:
        return copy.entry
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
    _LOCAL_SIZE[0] = 0


def _remember(version: str, variant: str, entry: Entry) -> None:
    size = sum(len(body) for body in entry[2].values())
    if size > LOCAL_BYTES:
        return
    full = len(_LOCAL) >= LOCAL_ENTRIES or _LOCAL_SIZE[0] + size > LOCAL_BYTES
    if full and variant not in _LOCAL:
        clear_local()
    old = _LOCAL.get(variant)
    if old is not None:
        _LOCAL_SIZE[0] -= sum(len(body) for body in old.entry[2].values())
    _LOCAL[variant] = LocalCopy(version, entry, {})
    _LOCAL_SIZE[0] += size


def _store(version: str, variant: str, response: HttpResponseBase) -> Entry | None:
    storable = (
        response.status_code == 200
        and isinstance(response, HttpResponse)
        and not response.cookies
        and "immutable" not in response.get("Cache-Control", "")
    )
    if not storable:
        return None
    entry = _entry(response)  # type: ignore[arg-type]
    if len(entry[2][""]) > MAX_ENTRY_BYTES:
        return None
    with contextlib.suppress(Exception):
        cache.set(f"page:{version}:{variant}", entry, PAGE_SECONDS)
    _remember(version, variant, entry)
    return entry


def cached_response(view: Callable[..., Any]) -> Callable[..., Any]:
    """THE caching of a public read: wrap every public route in it (a test walks the URLs).

    An anonymous GET/HEAD has its unknown parameters dropped, gets a strong ETag (data version + scheme, host,
    path, normalised parameters and the headers that matter + encoding), a 304 to a matching If-None-Match with no
    database query, the stored response of this data version (compressed once, when stored) or the view's, and
    `Cache-Control: public, max-age, s-maxage, stale-while-revalidate`. Anyone else (an editor, a write) gets the
    view's response, `private, no-store`.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not _cacheable(request):
            return private(view(request, *args, **kwargs))
        key = request_key(request)
        if not key.version:  # the cache is down: the database answers, uncompressed and without a validator
            return _public(view(request, *args, **kwargs), None)
        not_modified = get_conditional_response(request, etag=key.etag)
        if not_modified is not None:
            return _public(not_modified, key.etag)
        entry = _lookup(key.version, key.variant)
        if entry is None:
            response = view(request, *args, **kwargs)
            entry = _store(key.version, key.variant, response)
            if entry is None:
                return _public(_compress(response, key.encoding), key.etag if response.status_code < 500 else None)
        return _public(_from_entry(entry, key.encoding), key.etag)

    wrapped.public_cache = True  # type: ignore[attr-defined]
    return wrapped


BODY_HEADERS = frozenset({"content-length", "content-type", "content-encoding", "content-disposition"})


@dataclass(frozen=True)
class Key:
    """What a public read is cached and validated by: the data version ("" with the cache down), the request's
    variant (_variant), the encoding it is answered in, and the strong ETag of those bytes."""

    version: str
    variant: str
    encoding: str
    etag: str


def request_key(request: HttpRequest) -> Key:
    """THE key of an anonymous public read, made once per request (its unknown parameters dropped on the way)."""
    key: Key | None = getattr(request, "_public_cache_key", None)
    if key is not None:
        return key
    query = _normalise(request)
    encoding = accepted_encoding(request)
    version = data_version()
    variant = _variant(request, query)
    base = hashlib.blake2b(f"{version}:{variant}".encode(), digest_size=12).hexdigest()
    # A strong validator names the bytes: each encoding has its own (as Apache's mod_deflate does).
    key = Key(version, variant, encoding, f'"{base}-{encoding}"' if encoding else f'"{base}"')
    request._public_cache_key = key  # type: ignore[attr-defined]
    return key


def _public_route(request: HttpRequest) -> bool:
    return _resolves_to_public(request.path_info, translation.get_language(), getattr(request, "urlconf", None))


@functools.lru_cache(maxsize=4096)
def _resolves_to_public(path: str, language: str | None, urlconf: str | None) -> bool:
    """Whether a path is a route wrapped in cached_response (in the active language: /es/… resolves only in
    Spanish). Remembered, so that a request the cache cannot answer does not pay for resolving its path twice."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False
    return getattr(match.func, "public_cache", False)


class PublicCacheMiddleware:
    """Answers a hit of the page cache before the middleware below it and the view run: a GET or HEAD with no
    session cookie (so no editor's: cached_response would find it cacheable too) to a route wrapped in
    cached_response, whose response this process has already made for this data version and encoding. Placed after
    the language middleware (a first visit may be redirected to its language), so only what runs below is skipped;
    the response carries the headers that stack gave it, recorded when it was made."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not (_read_without_session(request) and _public_route(request)):
            return self.get_response(request)
        key = request_key(request)
        early = _early_answer(request, key)
        if early is not None:
            return early
        response = self.get_response(request)
        _record_headers(key, response)
        return response


def _early_answer(request: HttpRequest, key: Key) -> HttpResponseBase | None:
    """The stored response (or a 304 to it) with the headers the stack gave it, if this process has both."""
    copy = _local(key.version, key.variant) if key.version else None
    if copy is None or key.encoding not in copy.replay:
        return None
    (status, _, bodies), headers = copy.entry, copy.replay[key.encoding]
    response = get_conditional_response(request, etag=key.etag)  # a 304 (or a failed If-Match's 412)
    if response is None:
        response = HttpResponse(bodies.get(key.encoding, bodies[""]), status=status)
    else:
        headers = [(name, value) for name, value in headers if name.lower() not in BODY_HEADERS]
    for name, value in headers:
        response[name] = value
    return response


def _record_headers(key: Key, response: HttpResponseBase) -> None:
    """Keep the headers of a stored response as the stack below PublicCacheMiddleware made them, by encoding."""
    copy = _local(key.version, key.variant)
    if (
        copy is not None
        and response.status_code == 200
        and response.get("ETag") == key.etag
        and isinstance(response, HttpResponse)
        and not response.cookies
    ):
        copy.replay[key.encoding] = list(response.items())
